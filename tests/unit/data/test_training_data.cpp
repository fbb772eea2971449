// Training data: crops and cell labels (with augmentation), neighbour groups, MLM masking,
// seed reproducibility across thread counts, and the validation split.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/loader.h"
#include "test_support.h"

using namespace stamp::core;
using namespace stamp::core::data;

namespace {

/// A smooth random texture (so every cell of a region looks different) as a PNG slide, and a
/// sample with a 14 x 14 grid of spots on it (array rows/cols = grid units, 3 units apart).
struct Fixture {
  std::filesystem::path dir;
  Sources sources;
};

Fixture makeFixture(const std::string& name) {
  Fixture f;
  f.dir = stamp::test::scratchDir(name);
  cv::Mat noise(1000, 1100, CV_8UC3);
  cv::RNG rng(7);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 255);
  cv::GaussianBlur(noise, noise, cv::Size(0, 0), 6);
  cv::normalize(noise, noise, 0, 255, cv::NORM_MINMAX);
  const auto png = (f.dir / "slide.png").string();
  cv::imwrite(png, noise);
  st::SpatialSample s;
  s.name = "synthetic";
  s.metadata["pixel_size_um"] = "2.0";  // 5x: half patch 28 px
  std::vector<std::string> ids;
  for (int g = 0; g < 40; ++g) ids.push_back("G" + std::to_string(g)), s.genes.push_back({ids.back(), ids.back()});
  auto vocab = st::Vocabulary::fromParts(ids, std::vector<double>(ids.size(), 1.0), {}).value();
  s.counts.cols = 40;
  s.counts.indptr.push_back(0);
  for (int r = 0; r < 14; ++r)
    for (int c = 0; c < 14; ++c) {
      st::Spot sp;
      sp.barcode = "s" + std::to_string(r) + "_" + std::to_string(c);
      sp.arrayRow = 3 * r;
      sp.arrayCol = 3 * c;
      sp.x = 40 + c * 75.0;
      sp.y = 40 + r * 70.0;
      s.spots.push_back(sp);
      for (int g = 0; g < 40; ++g)
        if ((r * 7 + c * 3 + g) % 4 == 0) s.counts.indices.push_back(g), s.counts.data.push_back(float(1 + (g * r + c) % 9));
      s.counts.indptr.push_back(std::int64_t(s.counts.data.size()));
    }
  s.counts.rows = std::int64_t(s.spots.size());
  auto slide = slide::openSlide(png).value();
  SourceOptions so;
  so.context = 16;
  auto src = makeSource(s, std::shared_ptr<const slide::SlideReader>(std::move(slide)), vocab, so);
  EXPECT_TRUE(src.ok()) << (src.ok() ? "" : src.error().describe());
  f.sources.push_back(std::make_shared<const SampleSource>(std::move(src).value()));
  return f;
}

/// Mean absolute difference between the reference (16 x 16 CHW) and cell `c` of the region
/// (224 x 224 CHW), sampled at the cell's 16 x 16 sub-grid centres.
double cellDistance(const PairItem& it, int c) {
  const int row = c / 3, col = c % 3;
  const double cell = kPatchPx / 3.0;
  double d = 0;
  for (int ch = 0; ch < 3; ++ch)
    for (int y = 0; y < kRefPx; ++y)
      for (int x = 0; x < kRefPx; ++x) {
        const int ry = int((row + (y + 0.5) / kRefPx) * cell), rx = int((col + (x + 0.5) / kRefPx) * cell);
        d += std::fabs(it.ref[std::size_t((ch * kRefPx + y) * kRefPx + x)] - it.region[std::size_t((ch * kPatchPx + ry) * kPatchPx + rx)]);
      }
  return d;
}

}  // namespace

TEST(TrainingData, SpotLiesInItsLabelledCellUnderAugmentation) {
  auto f = makeFixture("train-data-cells");
  const auto& src = *f.sources[0];
  EXPECT_NEAR(src.psSlide, 28.0, 1e-9);
  PairOptions o;
  o.augment = {true, true, 0.05};
  int checked = 0, corners = 0;
  for (int spot = 0; spot < int(src.size()); spot += 5) {
    std::mt19937_64 rng(1000 + std::uint64_t(spot));
    auto it = makeItem(src, spot, o, rng);
    ASSERT_TRUE(it.ok()) << it.error().describe();
    if (!it->hasCell) continue;
    double best = 1e30;
    int arg = -1;
    for (int c = 0; c < 9; ++c)
      if (double d = cellDistance(*it, c); d < best) best = d, arg = c;
    EXPECT_EQ(arg, it->cell) << "spot " << spot;
    corners += it->cell != 4;
    ++checked;
  }
  EXPECT_GT(checked, 20);
  EXPECT_GT(corners, 5);  // labels other than the centre occur
}

TEST(TrainingData, SpotsWithoutAFittingRegionAreMaskedNotMislabelled) {
  auto f = makeFixture("train-data-edge");
  PairOptions o;
  SampleSource edge = *f.sources[0];
  edge.x[0] = 20;  // closer to the left edge than ps = 28: no 6ps region around it fits
  std::mt19937_64 rng(1);
  auto it = makeItem(edge, 0, o, rng);
  ASSERT_TRUE(it.ok());
  EXPECT_FALSE(it->hasCell);
  std::mt19937_64 rng2(1);
  auto inner = makeItem(*f.sources[0], 0, o, rng2);  // at (40, 40): only cell 0 fits
  ASSERT_TRUE(inner.ok());
  EXPECT_TRUE(inner->hasCell);
  EXPECT_EQ(inner->cell, 0);
}

TEST(TrainingData, TransformCellMatchesImageTransform) {
  RgbImage img{3, 3, {}};
  for (int i = 0; i < 9; ++i) img.rgb.insert(img.rgb.end(), {std::uint8_t(i), 0, 0});
  for (int flip = 0; flip < 2; ++flip)
    for (int q = 0; q < 4; ++q) {
      GeometricTransform t{flip == 1, q};
      auto out = applyGeometric(img, t);
      for (int c = 0; c < 9; ++c) EXPECT_EQ(out.rgb[std::size_t(transformCell(c, t)) * 3], c);
    }
}

TEST(TrainingData, NeighbourGroupsOfNineWithinDistance) {
  std::vector<int> rows, cols;
  for (int r = 0; r < 30; ++r)
    for (int c = 0; c < 60; c += 2) rows.push_back(r), cols.push_back(c + (r % 2));  // Visium hex layout
  auto groups = neighbourGroups(rows, cols, 10.0);
  EXPECT_GT(groups.size(), rows.size() / 9 / 2);
  std::set<int> seen;
  for (const auto& g : groups) {
    for (int a = 0; a < 9; ++a) {
      EXPECT_TRUE(seen.insert(g[std::size_t(a)]).second) << "spot in two groups";
      for (int b = 0; b < 9; ++b) {
        const double dr = rows[std::size_t(g[std::size_t(a)])] - rows[std::size_t(g[std::size_t(b)])];
        const double dc = cols[std::size_t(g[std::size_t(a)])] - cols[std::size_t(g[std::size_t(b)])];
        EXPECT_LE(std::sqrt(dr * dr + dc * dc), 10.0);
      }
    }
  }
  // Sparse spots: no group can be formed within the distance.
  EXPECT_TRUE(neighbourGroups({0, 20, 40, 60, 80, 100, 120, 140, 160}, {0, 0, 0, 0, 0, 0, 0, 0, 0}).empty());
}

TEST(TrainingData, MaskingRates) {
  const int n = 200000, nTokens = 500;
  std::vector<std::int64_t> tokens(n), masked(n), targets(n);
  for (int i = 0; i < n; ++i) tokens[std::size_t(i)] = i % 10 == 9 ? 0 : 30 + i % 400;
  std::mt19937_64 rng(3);
  const int sel = maskTokens(tokens.data(), n, {0.15, nTokens}, rng, masked.data(), targets.data());
  int toMask = 0, random = 0, same = 0, nonPad = 0;
  for (int i = 0; i < n; ++i) {
    const auto t = tokens[std::size_t(i)];
    if (t == 0) {
      EXPECT_EQ(targets[std::size_t(i)], -100);
      EXPECT_EQ(masked[std::size_t(i)], 0);
      continue;
    }
    ++nonPad;
    if (targets[std::size_t(i)] == -100) { EXPECT_EQ(masked[std::size_t(i)], t); continue; }
    EXPECT_EQ(targets[std::size_t(i)], t);
    const auto m = masked[std::size_t(i)];
    if (m == 0) ++toMask;
    else if (m == t) ++same;
    else { ++random; EXPECT_GE(m, 10); EXPECT_LT(m, nTokens); }
  }
  EXPECT_NEAR(double(sel) / nonPad, 0.15, 0.005);
  EXPECT_NEAR(double(toMask) / sel, 0.8, 0.015);
  EXPECT_NEAR(double(random + same) / sel, 0.2, 0.015);
  EXPECT_NEAR(double(random) / sel, 0.1, 0.015);  // a random id may equal the token: rare
}

TEST(TrainingData, BatchesReproducibleRegardlessOfThreads) {
  auto f = makeFixture("train-data-repro");
  Split sp = splitSpots(f.sources, {});
  PairOptions o;
  o.augment = {true, true, 0.1};
  auto sampler = std::make_shared<PairSampler>(f.sources, sp.train, 4, 11);
  auto build = [&](std::int64_t k) { return buildPairBatch(f.sources, sampler->rows(k), o); };
  Prefetcher<PairBatch> one(build, 1, 1), three(build, 3, 4);
  for (std::int64_t k : {0, 1, 2, 7, 3}) {  // out of order, as after a resume
    auto a = one.get(k), b = three.get(k);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->rows, 8);
    EXPECT_EQ(a->patches, b->patches);
    EXPECT_EQ(a->regions, b->regions);
    EXPECT_EQ(a->tokens, b->tokens);
    EXPECT_EQ(a->cells, b->cells);
    for (int r = 0; r < a->rows; r += 2) EXPECT_NE(a->spots[std::size_t(r)].spot, a->spots[std::size_t(r) + 1].spot);  // partner differs
  }
  auto other = PairSampler(f.sources, sp.train, 4, 12).rows(0);
  EXPECT_NE(other[0].second, sampler->rows(0)[0].second);
}

TEST(TrainingData, ValidationBlocksDisjointAndGuarded) {
  auto f = makeFixture("train-data-split");
  SplitOptions o;
  o.valFraction = 0.3;
  o.blockSize = 9;
  o.guard = 3;
  auto sp = splitSpots(f.sources, o);
  ASSERT_FALSE(sp.val.empty());
  ASSERT_FALSE(sp.train.empty());
  const auto& s = *f.sources[0];
  for (const auto& t : sp.train)
    for (const auto& v : sp.val) {
      ASSERT_NE(t.spot, v.spot);
      const int dr = s.row[std::size_t(t.spot)] - s.row[std::size_t(v.spot)], dc = s.col[std::size_t(t.spot)] - s.col[std::size_t(v.spot)];
      EXPECT_GT(dr * dr + dc * dc, 9) << "a training spot neighbours a validation spot";
    }
  // Same seed, same split; by slides with one slide: everything trains.
  EXPECT_EQ(splitSpots(f.sources, o).val.size(), sp.val.size());
  o.mode = SplitOptions::Mode::Slides;
  EXPECT_TRUE(splitSpots(f.sources, o).val.empty());
}
