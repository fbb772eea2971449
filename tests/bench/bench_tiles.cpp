// Tile serving: our TiledSlide path (OpenSlide reader + RGBA conversion + LRU cache) against a
// plain loop of openslide_read_region over the same tiles, cold and warm; time to the first
// full view; peak memory panning across a large slide with a bounded cache.
#include <openslide/openslide.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "bench_util.h"
#include "demo/demo.h"
#include "slide/slide_reader.h"
#include "slide/tile_cache.h"

using namespace stamp;
using namespace stamp::core;

static std::string demoSlide(std::int64_t w, std::int64_t h) {
  demo::DemoOptions o;
  o.width = w;
  o.height = h;
  auto paths = demo::ensureDemoSample(demo::defaultDemoCacheRoot(), o);
  if (!paths) {
    std::fprintf(stderr, "cannot make the demo slide: %s\n", paths.error().describe().c_str());
    std::exit(1);
  }
  return paths->slide;
}

int main(int argc, char** argv) {
  const std::int64_t w = argc > 1 ? std::atoll(argv[1]) : 12000, h = argc > 2 ? std::atoll(argv[2]) : 9000;
  const std::string path = demoSlide(w, h);
  std::printf("slide: %s (%lld x %lld)\n", path.c_str(), (long long)w, (long long)h);
  const int ts = 256;
  std::vector<std::pair<int, int>> tiles;
  for (int ty = 0; ty < int(h / ts); ++ty)
    for (int tx = 0; tx < int(w / ts); ++tx) tiles.emplace_back(tx, ty);
  const double mb = double(tiles.size()) * ts * ts * 4 / (1 << 20);

  openslide_t* osr = openslide_open(path.c_str());
  std::vector<std::uint32_t> buf(ts * ts);
  double tRaw = bench::bestOf(2, [&] {
    for (auto [tx, ty] : tiles) openslide_read_region(osr, buf.data(), tx * ts, ty * ts, 0, ts, ts);
  });
  openslide_close(osr);

  auto reader = std::shared_ptr<slide::SlideReader>(std::move(slide::openSlide(path)).value());
  double tCold = bench::bestOf(2, [&] {
    auto cache = std::make_shared<slide::TileCache>(std::size_t(64) << 20);  // smaller than the slide: all misses
    slide::TiledSlide tiled(reader, cache, ts);
    for (auto [tx, ty] : tiles) (void)tiled.tile(0, tx, ty);
  });
  auto cache = std::make_shared<slide::TileCache>(std::size_t(4) << 30);
  slide::TiledSlide tiled(reader, cache, ts);
  for (auto [tx, ty] : tiles) (void)tiled.tile(0, tx, ty);
  double tWarm = bench::bestOf(3, [&] {
    for (auto [tx, ty] : tiles) (void)tiled.tile(0, tx, ty);
  });
  std::printf("\n%zu level-0 tiles of %d px (%.0f MiB RGBA)\n", tiles.size(), ts, mb);
  bench::row("openslide_read_region loop (baseline)", double(tiles.size()) / tRaw, "tiles/s");
  bench::row("TiledSlide, cold cache", double(tiles.size()) / tCold, "tiles/s");
  bench::row("TiledSlide, warm cache", double(tiles.size()) / tWarm, "tiles/s");
  bench::row("cold / baseline", tRaw / tCold, "x");
  bench::row("warm / baseline", tRaw / tWarm, "x");
  bench::row("bytes/s cold", mb / tCold, "MiB/s");

  // Time to a first full 1920x1080 view: the coarsest level that covers the screen, all tiles.
  double tFirst = bench::bestOf(3, [&] {
    auto r = slide::openSlide(path);
    auto c = std::make_shared<slide::TileCache>(std::size_t(64) << 20);
    slide::TiledSlide t(std::shared_ptr<slide::SlideReader>(std::move(r).value()), c, ts);
    const auto& rd = t.reader();
    const int level = rd.bestLevelForDownsample(std::max(double(w) / 1920, double(h) / 1080));
    for (std::int64_t y = 0; y < t.tilesY(level); ++y)
      for (std::int64_t x = 0; x < t.tilesX(level); ++x) (void)t.tile(level, x, y);
  });
  bench::row("time to first full view (open + fit-to-screen tiles)", tFirst * 1000, "ms");
  bench::row("peak RSS", bench::peakRssMiB(), "MiB");
  return 0;
}
