#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "slide/image_reader.h"
#include "slide/slide_reader.h"
#include "slide/tile_cache.h"
#include "test_support.h"

using namespace stamp::core;
using namespace stamp::core::slide;
namespace fs = std::filesystem;

namespace {

double meanBrightness(const Image& img) {
  double s = 0;
  for (std::size_t i = 0; i < img.rgba.size(); i += 4) s += (img.rgba[i] + img.rgba[i + 1] + img.rgba[i + 2]) / 3.0;
  return s / double(img.width * img.height);
}

void copyPrefix(const fs::path& from, const fs::path& to, std::size_t bytes) {
  std::ifstream in(from, std::ios::binary);
  std::string buf(bytes, '\0');
  in.read(buf.data(), std::streamsize(bytes));
  std::ofstream(to, std::ios::binary).write(buf.data(), in.gcount());
}

}  // namespace

TEST(OpenSlide, ReadsAperioSvsLevelsMetadataAndPixels) {
  STAMP_REQUIRE_DATA("slides/CMU-1-Small-Region.svs");
  auto r = openSlide(dataPath.string());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  auto& s = **r;
  EXPECT_EQ(s.format(), "openslide:aperio");
  ASSERT_GE(s.levelCount(), 1);
  EXPECT_EQ(s.level(0).width, 2220);
  EXPECT_EQ(s.level(0).height, 2967);
  ASSERT_TRUE(s.mpp().has_value());
  EXPECT_NEAR(*s.mpp(), 0.499, 1e-3);
  ASSERT_TRUE(s.objectivePower().has_value());
  EXPECT_DOUBLE_EQ(*s.objectivePower(), 20.0);
  auto names = s.associatedImageNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "thumbnail"), names.end());
  auto thumb = s.readAssociated("thumbnail");
  ASSERT_TRUE(thumb.ok()) << thumb.error().describe();
  EXPECT_GT(thumb->width, 0);
  // The centre of this slide is tissue (darker than glass); the region API returns RGBA.
  auto region = s.readRegion(0, 1000, 1400, 256, 256);
  ASSERT_TRUE(region.ok()) << region.error().describe();
  EXPECT_EQ(region->rgba.size(), 256u * 256u * 4u);
  EXPECT_LT(meanBrightness(*region), 230.0);
}

TEST(OpenSlide, MppOverrideWinsAndClears) {
  STAMP_REQUIRE_DATA("slides/CMU-1-Small-Region.svs");
  auto r = openSlide(dataPath.string());
  ASSERT_TRUE(r.ok());
  (*r)->setMppOverride(0.25);
  EXPECT_DOUBLE_EQ(*(*r)->mpp(), 0.25);
  (*r)->setMppOverride(std::nullopt);
  EXPECT_NEAR(*(*r)->mpp(), 0.499, 1e-3);
}

TEST(OpenSlide, RegionOutsideTheSlideIsAnErrorAndPartialRegionIsPadded) {
  STAMP_REQUIRE_DATA("slides/CMU-1-Small-Region.svs");
  auto s = std::move(openSlide(dataPath.string())).value();
  auto outside = s->readRegion(0, 50000, 50000, 64, 64);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, ErrorCode::OutOfRange);
  EXPECT_NE(outside.error().describe().find("CMU-1-Small-Region.svs"), std::string::npos);
  auto bad = s->readRegion(7, 0, 0, 64, 64);
  EXPECT_FALSE(bad.ok());
  auto edge = s->readRegion(0, 2220 - 32, 0, 64, 64);  // half outside: white padding, not black
  ASSERT_TRUE(edge.ok());
  const auto* px = &edge->rgba[(10 * 64 + 60) * 4];
  EXPECT_EQ(px[0], 255);
  EXPECT_EQ(px[3], 255);
}

TEST(OpenSlide, TruncatedSlideGivesAClearError) {
  STAMP_REQUIRE_DATA("slides/CMU-1-Small-Region.svs");
  fs::path dir = stamp::test::scratchDir("slide-trunc");
  fs::path cut = dir / "cut.svs";
  copyPrefix(dataPath, cut, 40000);
  auto r = openSlide(cut.string());
  if (r.ok()) {  // OpenSlide may open the header; reading the missing tiles must then fail
    auto region = (*r)->readRegion(0, 1000, 1400, 256, 256);
    EXPECT_FALSE(region.ok());
  } else {
    EXPECT_NE(r.error().describe().find("cut.svs"), std::string::npos);
  }
  fs::remove_all(dir);
}

TEST(SlideOpen, MissingFileFolderAndGarbageAreRefused) {
  fs::path dir = stamp::test::scratchDir("slide-bad");
  auto missing = openSlide((dir / "nope.svs").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
  EXPECT_FALSE(openSlide(dir.string()).ok());
  std::ofstream(dir / "garbage.tif") << "this is not a tiff at all";
  auto garbage = openSlide((dir / "garbage.tif").string());
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().describe().find("garbage.tif"), std::string::npos);
  std::ofstream(dir / "empty.png");
  EXPECT_FALSE(openSlide((dir / "empty.png").string()).ok());
  fs::remove_all(dir);
}

TEST(PlainImage, ReadsPngWithAPyramidAndWhiteBackground) {
  STAMP_REQUIRE_DATA("patches/tcga-tissue-512.png");
  auto r = openSlide(dataPath.string());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  auto& s = **r;
  EXPECT_EQ(s.format(), "image:png");
  EXPECT_EQ(s.level(0).width, 512);
  EXPECT_FALSE(s.mpp().has_value());
  s.setMppOverride(0.5);
  EXPECT_DOUBLE_EQ(*s.mpp(), 0.5);
  auto full = s.readRegion(0, 0, 0, 512, 512);
  ASSERT_TRUE(full.ok());
  EXPECT_LT(meanBrightness(*full), 235.0);
}

TEST(PlainImage, LowerLevelsAverageTheFullImage) {
  Image img{1200, 800, std::vector<std::uint8_t>(1200 * 800 * 4, 255)};
  for (int y = 0; y < 800; ++y)
    for (int x = 0; x < 600; ++x) img.rgba[(std::size_t(y) * 1200 + std::size_t(x)) * 4] = 0;  // left half cyan
  auto s = slideFromImage(img, "memory");
  ASSERT_GE(s->levelCount(), 2);
  EXPECT_NEAR(s->level(1).downsample, 2.0, 1e-9);
  auto r = s->readRegion(1, 0, 0, 600, 400);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rgba[(100 * 600 + 100) * 4], 0);    // left stays cyan
  EXPECT_EQ(r->rgba[(100 * 600 + 500) * 4], 255);  // right stays white
  EXPECT_EQ(s->bestLevelForDownsample(3.0), 1);
  EXPECT_EQ(s->bestLevelForDownsample(1.0), 0);
}

TEST(TileCache, EvictsLeastRecentlyUsedByBytes) {
  TileCache cache(3 * 1024);
  auto tile = [] { return std::make_shared<const Image>(Image{16, 16, std::vector<std::uint8_t>(1024)}); };
  for (int i = 0; i < 3; ++i) cache.put({1, 0, i, 0}, tile());
  EXPECT_EQ(cache.size(), 3u);
  ASSERT_NE(cache.get({1, 0, 0, 0}), nullptr);  // 0 becomes most recent
  cache.put({1, 0, 3, 0}, tile());             // evicts 1, the least recent
  EXPECT_EQ(cache.get({1, 0, 1, 0}), nullptr);
  EXPECT_NE(cache.get({1, 0, 0, 0}), nullptr);
  EXPECT_LE(cache.bytes(), cache.capacity());
  cache.setCapacity(1024);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_GE(cache.hits(), 2u);
  EXPECT_GE(cache.misses(), 1u);
}

TEST(TiledSlide, ServesEdgeTilesAndCachesThemAcrossThreads) {
  Image img{700, 300, std::vector<std::uint8_t>(700 * 300 * 4, 200)};
  auto reader = std::shared_ptr<SlideReader>(slideFromImage(img, "memory"));
  auto cache = std::make_shared<TileCache>(64 << 20);
  TiledSlide tiled(reader, cache, 256);
  EXPECT_EQ(tiled.tilesX(0), 3);
  EXPECT_EQ(tiled.tilesY(0), 2);
  auto edge = tiled.tile(0, 2, 1);
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ((*edge)->width, 700 - 512);
  EXPECT_EQ((*edge)->height, 300 - 256);
  EXPECT_FALSE(tiled.tile(0, 3, 0).ok());
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&] {
      for (int k = 0; k < 50; ++k)
        for (int tx = 0; tx < 3; ++tx)
          if (!tiled.tile(0, tx, k % 2).ok()) ++failures;
    });
  for (auto& w : workers) w.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(cache->size(), 6u);
  EXPECT_NE(tiled.cached(0, 1, 1), nullptr);
}
