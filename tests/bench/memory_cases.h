#pragma once
// The cases of bench_memory. Each runs alone in a child process (bench_memory --child ...), so its
// peak RSS (ru_maxrss) is its own; it prints "key value" lines that the parent collects.
#include <openslide/openslide.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <utility>
#include <vector>

#include "bench_util.h"
#include "engine/model_handle.h"
#include "engine/model_handle_impl.h"
#include "memory_fixtures.h"
#include "slide/slide_reader.h"
#include "slide/tile_cache.h"
#include "st/tokenizer.h"

namespace stamp::bench::mem {

using namespace stamp::core;

inline void emit(const std::string& key, double v) {
  std::printf("%s %.9g\n", key.c_str(), v);
  std::fflush(stdout);
}

/// Resident memory now (not the peak), in MiB.
inline double rssNowMiB() {
  long pages = 0, resident = 0;
  std::ifstream("/proc/self/statm") >> pages >> resident;
  return double(resident) * double(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

constexpr int kViewW = 1920, kViewH = 1080;

/// The level-0 tiles under a 1920x1080 viewport at (x, y).
inline std::vector<std::pair<std::int64_t, std::int64_t>> viewTiles(std::int64_t x, std::int64_t y) {
  std::vector<std::pair<std::int64_t, std::int64_t>> t;
  for (std::int64_t ty = y / kTile; ty <= (y + kViewH - 1) / kTile; ++ty)
    for (std::int64_t tx = x / kTile; tx <= (x + kViewW - 1) / kTile; ++tx) t.emplace_back(tx, ty);
  return t;
}

/// A pan at full resolution from the top-left corner to the bottom-right one, one tile a step
/// along the longer axis: the far pan a reader of a whole slide makes.
inline std::vector<std::pair<std::int64_t, std::int64_t>> panPath(std::int64_t w, std::int64_t h) {
  const std::int64_t dx = std::max<std::int64_t>(0, w - kViewW), dy = std::max<std::int64_t>(0, h - kViewH);
  const std::int64_t steps = std::max<std::int64_t>(1, std::max(dx, dy) / kTile);
  std::vector<std::pair<std::int64_t, std::int64_t>> p;
  for (std::int64_t s = 0; s <= steps; ++s) p.emplace_back(dx * s / steps, dy * s / steps);
  return p;
}

constexpr int kCheckpoints = 8;
constexpr std::int64_t kBatch = 256;  // spots per gene-encoder forward

/// Slide through our path: openSlide + TiledSlide + a TileCache of `cacheMiB` (the app's is
/// 384 MiB). Time to the first fit-to-screen view, then the far pan with RSS checkpoints.
inline int caseSlideOurs(const std::string& path, std::size_t cacheMiB) {
  double t0 = now();
  auto r = slide::openSlide(path);
  if (!r) return std::fprintf(stderr, "%s\n", r.error().describe().c_str()), 1;
  auto cache = std::make_shared<slide::TileCache>(cacheMiB << 20);
  slide::TiledSlide tiled(std::shared_ptr<slide::SlideReader>(std::move(r).value()), cache, kTile);
  const auto l0 = tiled.reader().level(0);
  const int fit = tiled.reader().bestLevelForDownsample(std::max(double(l0.width) / kViewW, double(l0.height) / kViewH));
  for (std::int64_t y = 0; y < tiled.tilesY(fit); ++y)
    for (std::int64_t x = 0; x < tiled.tilesX(fit); ++x)
      if (!tiled.tile(fit, x, y)) return 1;
  emit("first_view_ms", (now() - t0) * 1000);
  emit("first_view_rss", rssNowMiB());
  const auto pan = panPath(l0.width, l0.height);
  t0 = now();
  for (std::size_t s = 0; s < pan.size(); ++s) {
    for (auto [tx, ty] : viewTiles(pan[s].first, pan[s].second))
      if (!tiled.tile(0, tx, ty)) return 1;
    if ((s + 1) % std::max<std::size_t>(1, pan.size() / kCheckpoints) == 0 || s + 1 == pan.size())
      std::printf("pan_point %.3f %.1f %.1f\n", double(s + 1) / double(pan.size()), rssNowMiB(),
                  double(cache->bytes()) / (1 << 20));
  }
  emit("pan_s", now() - t0);
  emit("tiles_read", double(cache->misses()));
  return 0;
}

/// The baseline: openslide_read_region into one buffer, the same first view and the same pan,
/// each newly visible tile read once (no cache of ours at all).
inline int caseSlideRaw(const std::string& path) {
  double t0 = now();
  openslide_t* o = openslide_open(path.c_str());
  if (!o || openslide_get_error(o)) return std::fprintf(stderr, "openslide cannot open %s\n", path.c_str()), 1;
  std::vector<std::uint32_t> buf(std::size_t(kTile) * kTile);
  std::int64_t w = 0, h = 0;
  openslide_get_level0_dimensions(o, &w, &h);
  const int fit = openslide_get_best_level_for_downsample(o, std::max(double(w) / kViewW, double(h) / kViewH));
  std::int64_t lw = 0, lh = 0;
  openslide_get_level_dimensions(o, fit, &lw, &lh);
  const double ds = openslide_get_level_downsample(o, fit);
  for (std::int64_t y = 0; y < (lh + kTile - 1) / kTile; ++y)
    for (std::int64_t x = 0; x < (lw + kTile - 1) / kTile; ++x)
      openslide_read_region(o, buf.data(), std::int64_t(x * kTile * ds), std::int64_t(y * kTile * ds), fit, kTile, kTile);
  emit("first_view_ms", (now() - t0) * 1000);
  emit("first_view_rss", rssNowMiB());
  const auto pan = panPath(w, h);
  std::set<std::pair<std::int64_t, std::int64_t>> prev;
  std::int64_t reads = 0;
  t0 = now();
  for (std::size_t s = 0; s < pan.size(); ++s) {
    auto tiles = viewTiles(pan[s].first, pan[s].second);
    for (auto [tx, ty] : tiles)
      if (!prev.count({tx, ty})) ++reads, openslide_read_region(o, buf.data(), tx * kTile, ty * kTile, 0, kTile, kTile);
    prev = {tiles.begin(), tiles.end()};
    if ((s + 1) % std::max<std::size_t>(1, pan.size() / kCheckpoints) == 0 || s + 1 == pan.size())
      std::printf("pan_point %.3f %.1f 0\n", double(s + 1) / double(pan.size()), rssNowMiB());
  }
  emit("pan_s", now() - t0);
  emit("tiles_read", double(reads));
  const bool ok = !openslide_get_error(o);
  openslide_close(o);
  return ok ? 0 : 1;
}

/// The gene encoder used for embedding: the tiny preset's widths (random weights) over the
/// whole vocabulary, so every token id of the real template is in range.
inline model::StampConfig encoderConfig(std::size_t vocabSize) {
  auto c = model::presetTiny();
  c.nGenes = int(vocabSize);
  c.preset.clear();
  return c;
}

/// Tokens of every spot through the gene encoder in batches of 256 (encodeGenes, as
/// engine::embedSpots calls it); the embedding table is kept, as a caller would.
inline void embedGenes(const st::TokenTable& tokens, const engine::ModelHandle& handle, st::DenseMatrix& out) {
  auto& impl = handle.impl();
  const int ctx = impl.config.context;
  out = {tokens.rows, impl.config.outDim, std::vector<float>(std::size_t(tokens.rows) * std::size_t(impl.config.outDim))};
  c10::InferenceMode guard;
  impl.module->eval();
  std::vector<std::int64_t> batch;
  for (std::int64_t b = 0; b < tokens.rows; b += kBatch) {
    const std::int64_t m = std::min<std::int64_t>(kBatch, tokens.rows - b);
    batch.resize(std::size_t(m * ctx));
    for (std::int64_t i = 0; i < m; ++i)  // the first `context` tokens: the model reads no more
      std::copy_n(tokens.row(b + i), std::min(ctx, tokens.maxLen), batch.data() + i * ctx);
    auto e = impl.module->encodeGenes(torch::from_blob(batch.data(), {m, ctx}, torch::kInt64)).embedding.contiguous();
    std::copy_n(e.data_ptr<float>(), e.numel(), out.data.data() + b * out.cols);
  }
}

/// Load (peak RSS against the CSR's own bytes), then tokenize (maxLen = the published model's
/// context, 1,500, as `stamp embed` with it builds), then the gene encoder over every spot.
inline int caseH5ad(const std::string& path, const std::string& vocabDir, bool embed) {
  double t0 = now();
  auto s = st::readH5ad(path);
  if (!s) return std::fprintf(stderr, "%s\n", s.error().describe().c_str()), 1;
  emit("load_s", now() - t0);
  emit("load_peak", peakRssMiB());
  emit("load_rss", rssNowMiB());  // what stays: the sample itself
  const auto& c = s->counts;
  emit("nnz", double(c.nnz()));
  emit("csr_mib", double(c.data.size() * 4 + c.indices.size() * 4 + c.indptr.size() * 8) / (1 << 20));
  if (vocabDir.empty()) return 0;
  auto vocab = st::Vocabulary::load(vocabDir);
  if (!vocab) return std::fprintf(stderr, "%s\n", vocab.error().describe().c_str()), 1;
  st::TokenizeOptions to;
  to.maxLen = model::presetUni().context;
  t0 = now();
  auto tokens = st::tokenize(*s, *vocab, to);
  if (!tokens) return std::fprintf(stderr, "%s\n", tokens.error().describe().c_str()), 1;
  emit("tok_s", now() - t0);
  emit("tok_peak", peakRssMiB());
  emit("tok_rss", rssNowMiB());
  emit("table_mib", double(tokens->tokens.size() * 8) / (1 << 20));
  emit("genes_matched", tokens->genesMatched);
  if (!embed) return 0;
  auto handle = engine::ModelHandle::fromConfig(encoderConfig(vocab->size()), 0);
  if (!handle) return std::fprintf(stderr, "%s\n", handle.error().describe().c_str()), 1;
  st::DenseMatrix e;
  t0 = now();
  embedGenes(*tokens, **handle, e);
  emit("embed_s", now() - t0);
  emit("embed_peak", peakRssMiB());
  emit("embed_rss", rssNowMiB());
  return 0;
}

/// Generates the h5ad fixture of `spots` spots x 20,000 genes (written atomically by writeH5ad).
inline int caseGenH5ad(const std::string& path, std::int64_t spots, const std::string& vocabDir) {
  std::optional<st::Vocabulary> vocab;
  if (!vocabDir.empty()) {
    auto v = st::Vocabulary::load(vocabDir);
    if (!v) return std::fprintf(stderr, "%s\n", v.error().describe().c_str()), 1;
    vocab = std::move(v).value();
  }
  auto sample = makeSample(spots, geneIds(vocab ? &*vocab : nullptr, 20000));
  auto st = st::writeH5ad(path, sample);
  if (!st.ok()) return std::fprintf(stderr, "%s\n", st.error().describe().c_str()), 1;
  return 0;
}

}  // namespace stamp::bench::mem
