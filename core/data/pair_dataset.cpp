#include "data/pair_dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "engine/embedder.h"
#include "engine/embedding_io.h"
#include "st/open_spatial.h"
#include "st/tokenizer.h"

namespace stamp::core::data {

Result<SampleSource> makeSource(const st::SpatialSample& sample, std::shared_ptr<const slide::SlideReader> slide,
                                const st::Vocabulary& vocab, const SourceOptions& o) {
  if (!slide) return makeError(ErrorCode::InvalidArgument, "no slide for the sample", sample.sourcePath);
  if (o.context <= 0) return makeError(ErrorCode::InvalidArgument, "context must be positive", sample.sourcePath);
  engine::EmbedOptions eo;
  eo.mpp = o.mpp;
  eo.coordScale = o.coordScale;
  STAMP_ASSIGN(double mpp, engine::fullresMpp(&sample, *slide, eo));
  st::TokenizeOptions to;
  to.maxLen = o.context;
  STAMP_ASSIGN(st::TokenTable tokens, st::tokenize(sample, vocab, to));
  SampleSource s;
  s.name = sample.name;
  s.slideId = o.slideId.empty() ? slide->path() : o.slideId;
  s.psSlide = halfPatchPx(10.0 / mpp) * o.coordScale;
  s.context = o.context;
  for (std::size_t i = 0; i < sample.spots.size(); ++i) {
    const auto& sp = sample.spots[i];
    if (!sp.inTissue || !std::isfinite(sp.x) || !std::isfinite(sp.y) || tokens.lengths[i] == 0) continue;
    s.x.push_back(sp.x * o.coordScale);
    s.y.push_back(sp.y * o.coordScale);
    s.row.push_back(sp.arrayRow);
    s.col.push_back(sp.arrayCol);
    s.barcodes.push_back(sp.barcode);
    s.sampleIndex.push_back(int(i));
    s.tokens.insert(s.tokens.end(), tokens.row(std::int64_t(i)), tokens.row(std::int64_t(i)) + o.context);
  }
  if (s.x.empty())
    return makeError(ErrorCode::InvalidArgument, "no usable spot (in tissue, with coordinates and expressed vocabulary genes)",
                     sample.sourcePath);
  s.slide = std::move(slide);
  return s;
}

Result<SampleSource> openSource(const std::string& stPath, const std::string& slidePath, const st::Vocabulary& vocab,
                                SourceOptions o) {
  STAMP_ASSIGN(st::SpatialSample sample, st::openSpatial(stPath));
  std::string path = slidePath;
  if (path.empty()) {
    STAMP_ASSIGN(engine::SampleImage img, engine::sampleImage(sample));
    path = img.path;
    o.coordScale = img.coordScale;
  }
  STAMP_ASSIGN(auto slide, slide::openSlide(path));
  return makeSource(sample, std::shared_ptr<const slide::SlideReader>(std::move(slide)), vocab, o);
}

namespace {

Result<RgbImage> crop(const SampleSource& src, const Square& sq, int out) {
  auto r = cropSquare(*src.slide, sq, out);
  if (!r) return r.error().within(src.name);
  return r;
}

}  // namespace

Result<PairItem> makeItem(const SampleSource& src, int spot, const PairOptions& o, std::mt19937_64& rng) {
  const double x = src.x[std::size_t(spot)], y = src.y[std::size_t(spot)], ps = src.psSlide;
  const auto l0 = src.slide->level(0);
  PairItem it;
  const auto cells = validCells(x, y, ps, l0.width, l0.height);
  const auto pick = rng();  // drawn even without cells, to keep the stream aligned
  it.hasCell = !cells.empty();
  it.cell = it.hasCell ? cells[pick % cells.size()] : 4;
  STAMP_ASSIGN(RgbImage patch, crop(src, spotSquare(x, y, ps), kPatchPx));
  STAMP_ASSIGN(RgbImage region, crop(src, regionSquare(x, y, ps, it.cell), kPatchPx));
  RgbImage ref = resizeRgb(patch, kRefPx, kRefPx);
  const GeometricTransform g = drawGeometric(o.augment, rng);
  const ColourTransform c = drawColour(o.augment, rng);
  if (g.flip || g.quarterTurns) {
    patch = applyGeometric(patch, g);
    region = applyGeometric(region, g);
    ref = applyGeometric(ref, g);
    it.cell = transformCell(it.cell, g);
  }
  for (RgbImage* im : {&patch, &region, &ref}) applyColour(*im, c);
  it.patch.resize(kImageFloats);
  it.region.resize(kImageFloats);
  it.ref.resize(kRefFloats);
  normalizeToChw(patch, o.order, it.patch.data());
  normalizeToChw(region, o.order, it.region.data());
  normalizeToChw(ref, o.order, it.ref.data());
  it.tokens.assign(src.tokenRow(std::size_t(spot)), src.tokenRow(std::size_t(spot)) + src.context);
  return it;
}

namespace {

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E5ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double unit(std::uint64_t h) { return double(h >> 11) * (1.0 / 9007199254740992.0); }

void splitBlocks(const SampleSource& s, int si, const SplitOptions& o, Split& out) {
  const int bs = std::max(1, o.blockSize);
  auto blockOf = [&](std::size_t i) { return std::pair{s.row[i] / bs, s.col[i] / bs}; };
  std::set<std::pair<int, int>> blocks;
  for (std::size_t i = 0; i < s.size(); ++i) blocks.insert(blockOf(i));
  std::set<std::pair<int, int>> val;
  for (auto b : blocks)
    if (unit(mix(o.seed ^ std::uint64_t(si) * 7919u, mix(std::uint64_t(b.first) + 100000, std::uint64_t(b.second)))) < o.valFraction)
      val.insert(b);
  if (val.empty() && blocks.size() >= 2 && o.valFraction > 0) val.insert(*std::next(blocks.begin(), std::ptrdiff_t(blocks.size() / 2)));
  if (val.size() == blocks.size() && blocks.size() >= 2) val.erase(val.begin());
  std::set<std::pair<int, int>> valSpots;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (val.count(blockOf(i))) valSpots.insert({s.row[i], s.col[i]});
  for (std::size_t i = 0; i < s.size(); ++i) {
    const SpotRef r{si, int(i)};
    if (val.count(blockOf(i))) { out.val.push_back(r); continue; }
    bool near = false;  // the guard band: training spots next to validation spots are dropped
    for (int dr = -o.guard; dr <= o.guard && !near; ++dr)
      for (int dc = -o.guard; dc <= o.guard && !near; ++dc)
        if (dr * dr + dc * dc <= o.guard * o.guard && valSpots.count({s.row[i] + dr, s.col[i] + dc})) near = true;
    if (!near) out.train.push_back(r);
  }
}

}  // namespace

Split splitSpots(const std::vector<std::shared_ptr<const SampleSource>>& sources, const SplitOptions& o) {
  Split out;
  if (o.mode == SplitOptions::Mode::Blocks) {
    for (std::size_t si = 0; si < sources.size(); ++si) splitBlocks(*sources[si], int(si), o, out);
    return out;
  }
  std::vector<std::string> slides;
  for (const auto& s : sources)
    if (std::find(slides.begin(), slides.end(), s->slideId) == slides.end()) slides.push_back(s->slideId);
  std::set<std::string> val;
  for (const auto& id : slides)
    if (unit(mix(o.seed, std::hash<std::string>{}(id))) < o.valFraction) val.insert(id);
  if (val.empty() && slides.size() >= 2 && o.valFraction > 0) val.insert(slides.back());
  // Something must train: with one slide (or every slide drawn) the first slide stays in training.
  if (!slides.empty() && val.size() == slides.size()) val.erase(slides.front());
  for (std::size_t si = 0; si < sources.size(); ++si)
    for (std::size_t i = 0; i < sources[si]->size(); ++i)
      (val.count(sources[si]->slideId) ? out.val : out.train).push_back({int(si), int(i)});
  return out;
}

}  // namespace stamp::core::data
