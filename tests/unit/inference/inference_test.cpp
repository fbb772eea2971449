// The embedding engine, localization and queries on a generated demo sample with the `tiny`
// model structure (random weights from the PyTorch reference's fixture or from a seed).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "analysis/embedding_stats.h"
#include "demo/demo.h"
#include "engine/embedder.h"
#include "engine/embedding_io.h"
#include "engine/localizer.h"
#include "engine/model_handle_impl.h"
#include "engine/query.h"
#include "model/config.h"
#include "slide/image_reader.h"
#include "slide/slide_reader.h"
#include "st/open_spatial.h"
#include "test_support.h"

using namespace stamp::core;
namespace fs = std::filesystem;

namespace {

struct Demo {
  demo::DemoPaths paths;
  st::SpatialSample sample;
  std::unique_ptr<slide::SlideReader> slide;
};

/// One small demo sample for the whole suite (generating it takes a few seconds).
const Demo& demoSample() {
  static Demo d = [] {
    demo::DemoOptions o;
    o.width = 3000;
    o.height = 2400;
    o.seed = 11;
    Demo out;
    out.paths = demo::writeDemoSample(stamp::test::scratchDir("inference-demo").string() + "/demo", o).value();
    out.sample = st::openSpatial(out.paths.outsDir).value();
    out.slide = slide::openSlide(out.paths.slide).value();
    return out;
  }();
  return d;
}

std::shared_ptr<engine::ModelHandle> tinyModel() {
  static auto m = engine::ModelHandle::fromConfig(model::presetTiny(), 3).value();
  return m;
}

}  // namespace

TEST(Embedder, ImageEmbeddingsPerSpotAreUnitNormAndFinite) {
  const Demo& d = demoSample();
  engine::EmbedOptions o;
  o.batchSize = 16;
  auto t = engine::embedSpots(*tinyModel(), d.sample, *d.slide, nullptr, o);
  ASSERT_TRUE(t.ok()) << t.error().describe();
  ASSERT_EQ(t->rows(), d.sample.spotCount());
  EXPECT_EQ(t->image.cols, model::presetTiny().outDim);
  EXPECT_EQ(t->gene.rows, 0);
  EXPECT_NEAR(t->magnification, 20.0, 1e-9);  // 0.5 um/px from the TIFF's resolution tags
  for (std::size_t r = 0; r < t->rows(); ++r) {
    double n = 0;
    for (std::int64_t c = 0; c < t->image.cols; ++c) n += double(t->image.at(std::int64_t(r), c)) * t->image.at(std::int64_t(r), c);
    if (t->imageValid[r]) ASSERT_NEAR(n, 1.0, 1e-4) << "row " << r;
    else ASSERT_EQ(n, 0.0);
  }
}

TEST(Embedder, BatchSizeDoesNotChangeResults) {
  const Demo& d = demoSample();
  engine::EmbedOptions a, b;
  a.batchSize = 1;
  b.batchSize = 7;
  auto ta = engine::embedSpots(*tinyModel(), d.sample, *d.slide, nullptr, a);
  auto tb = engine::embedSpots(*tinyModel(), d.sample, *d.slide, nullptr, b);
  ASSERT_TRUE(ta.ok() && tb.ok());
  for (std::size_t i = 0; i < ta->image.data.size(); ++i) ASSERT_NEAR(ta->image.data[i], tb->image.data[i], 1e-4);
}

TEST(Embedder, Bf16AutocastStaysCloseToFp32AndFp16IsRefusedOnTheCpu) {
  const Demo& d = demoSample();
  auto bf16 = engine::ModelHandle::fromConfig(model::presetTiny(), 3).value();  // tinyModel()'s weights
  ASSERT_TRUE(bf16->setPrecision(model::Precision::Bf16).ok());
  auto a = engine::embedSpots(*tinyModel(), d.sample, *d.slide, nullptr, {});
  auto b = engine::embedSpots(*bf16, d.sample, *d.slide, nullptr, {});
  ASSERT_TRUE(a.ok() && b.ok()) << (a.ok() ? b.error().describe() : a.error().describe());
  const auto cos = analysis::rowCosine(a->image, b->image).value();
  float lowest = 1;
  for (std::size_t r = 0; r < cos.size(); ++r)
    if (a->imageValid[r]) lowest = std::min(lowest, cos[r]);
  EXPECT_GT(lowest, 0.99f);
  EXPECT_NE(a->image.data, b->image.data) << "autocast did not engage";
  // A patch query runs at the handle's precision too.
  auto patch = engine::spotPatch(*d.slide, d.sample.spots[3].x, d.sample.spots[3].y, b->halfPatchPx);
  ASSERT_TRUE(patch.ok());
  auto q32 = engine::embedPatch(*tinyModel(), *patch), q16 = engine::embedPatch(*bf16, *patch);
  ASSERT_TRUE(q32.ok() && q16.ok());
  EXPECT_NE(*q32, *q16);
  const auto fp16 = bf16->setPrecision(model::Precision::Fp16);
  ASSERT_FALSE(fp16.ok());
  EXPECT_EQ(fp16.error().code, ErrorCode::Unsupported);
  EXPECT_EQ(bf16->precision(), model::Precision::Bf16);  // a refused setting leaves the old one
}

TEST(Embedder, SpotsOutsideTheSlideAreFlaggedNotNaN) {
  const Demo& d = demoSample();
  st::SpatialSample s = d.sample;
  s.spots[0].x = -500;  // patch wholly outside
  s.spots[1].x = 5;     // patch partly outside
  auto t = engine::embedSpots(*tinyModel(), s, *d.slide, nullptr, {});
  ASSERT_TRUE(t.ok()) << t.error().describe();
  EXPECT_EQ(t->imageValid[0], 0);
  EXPECT_EQ(t->imageValid[1], 0);
  EXPECT_EQ(t->outsideSpots, 2);
  for (float v : t->image.data) ASSERT_TRUE(std::isfinite(v));
}

TEST(Embedder, ImageOnlyGridCoversTissueAndSkipsGlass) {
  const Demo& d = demoSample();
  auto t = engine::embedGrid(*tinyModel(), *d.slide, {});
  ASSERT_TRUE(t.ok()) << t.error().describe();
  const double side = 224;  // 2 x 112 px at 20x
  const auto l0 = d.slide->level(0);
  const double all = std::floor(double(l0.width) / side) * std::floor(double(l0.height) / side);
  EXPECT_GT(t->rows(), 10u);
  EXPECT_LT(double(t->rows()), all);  // the demo tissue does not fill the glass
  EXPECT_EQ(t->gridRow.size(), t->rows());
}

TEST(Embedder, MissingPixelSizeIsAClearError) {
  stamp::core::slide::Image img{600, 600, std::vector<std::uint8_t>(600 * 600 * 4, 200)};
  auto plain = slide::slideFromImage(img, "plain.png");
  auto t = engine::embedGrid(*tinyModel(), *plain, {});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("pixel size"), std::string::npos);
}

TEST(EmbeddingIo, RoundTripThroughAnnDataFields) {
  const Demo& d = demoSample();
  auto t = engine::embedSpots(*tinyModel(), d.sample, *d.slide, nullptr, {});
  ASSERT_TRUE(t.ok());
  auto s = engine::embeddingToSample(*t, &d.sample, {{"weights_sha256", "abc"}});
  EXPECT_EQ(s.counts.rows, std::int64_t(t->rows()));
  EXPECT_EQ(s.uns["stamp"]["weights_sha256"], "abc");
  auto back = engine::embeddingFromSample(s);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->image.data, t->image.data);
  EXPECT_EQ(back->imageValid, t->imageValid);
  auto img = engine::sampleImage(d.sample);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->coordScale, 1.0);  // the demo outs/ sits beside its full-resolution slide
}

/// The reference's fixture weights: random but large (an untrained model's LayerScale of 1e-5
/// makes every patch look alike, which would hide a wrong query pipeline).
std::shared_ptr<engine::ModelHandle> strongRandomModel() {
  static std::shared_ptr<engine::ModelHandle> m = []() -> std::shared_ptr<engine::ModelHandle> {
    const fs::path ref = stamp::test::sourceDir().parent_path() / "shared/reference/stamp_ref.py";
    if (!fs::exists(ref) || !stamp::test::pythonHas("torch")) return nullptr;
    fs::path dir = stamp::test::scratchDir("inference-fixture");
    if (stamp::test::runCommand("/usr/bin/python3 " + stamp::test::shellQuote(ref.string()) +
                                " fixture --preset tiny --seed 4 --out " + stamp::test::shellQuote(dir.string())) != 0)
      return nullptr;
    return engine::ModelHandle::fromFiles((dir / "model.safetensors").string(), std::nullopt).value();
  }();
  return m;
}

TEST(Query, PatchQueryPeaksAtTheSpotItCameFrom) {
  const Demo& d = demoSample();
  auto model = strongRandomModel();
  if (!model) GTEST_SKIP() << "needs the PyTorch reference (../shared/reference, /usr/bin/python3 with torch)";
  auto t = engine::embedSpots(*model, d.sample, *d.slide, nullptr, {});
  ASSERT_TRUE(t.ok());
  const std::size_t pick = t->rows() / 2;
  auto patch = engine::spotPatch(*d.slide, t->x[pick], t->y[pick], t->halfPatchPx);
  ASSERT_TRUE(patch.ok());
  auto q = engine::embedPatch(*model, *patch);
  ASSERT_TRUE(q.ok());
  auto sim = analysis::cosineToVector(t->image, *q);
  EXPECT_EQ(std::size_t(std::max_element(sim.begin(), sim.end()) - sim.begin()), pick);
  EXPECT_NEAR(sim[pick], 1.0, 1e-4);
  EXPECT_LT(*std::min_element(sim.begin(), sim.end()), 0.99);  // the map is not flat
}

TEST(Localizer, ProbabilitiesAreADistributionAndSearchCoversTheArea) {
  const Demo& d = demoSample();
  const double ps = 112;
  const double x = 1500, y = 1200;
  auto patch = engine::spotPatch(*d.slide, x, y, ps);
  ASSERT_TRUE(patch.ok());
  auto p = engine::localizeInRegion(*tinyModel(), *d.slide, data::regionSquare(x, y, ps, 4), *patch);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  double sum = 0;
  for (float v : p->probs) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-5);
  engine::SearchOptions so{{x - 3 * ps - 224, y - 3 * ps - 224, 6 * ps + 448}, ps, 0, 8};
  auto h = engine::searchPatch(*tinyModel(), *d.slide, *patch, so);
  ASSERT_TRUE(h.ok()) << h.error().describe();
  EXPECT_EQ(h->width, 5);  // 6ps + 2 cells of 2ps: windows at 3 x 3 offsets, cells on a 5 x 5 grid
  int covered = 0;
  for (int c : h->coverage) covered += c > 0;
  EXPECT_EQ(covered, 25);
  EXPECT_EQ(h->coverage[12], 9);  // the centre location is in every window
  auto best = h->best(3);
  ASSERT_EQ(best.size(), 3u);
  EXPECT_GE(best[0][2], best[1][2]);
  EXPECT_FALSE(engine::searchPatch(*tinyModel(), *d.slide, *patch, {{0, 0, 100}, ps, 0, 8}).ok());
}

TEST(Localizer, EvaluationCountsSpotsWithAValidRegion) {
  const Demo& d = demoSample();
  auto s = engine::evaluateLocalization(*tinyModel(), *d.slide, d.sample, 112, 1.0, 12, 1);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->evaluated, 12);
  EXPECT_GE(s->accuracy(), 0.0);
  EXPECT_LE(s->accuracy(), 1.0);
}

TEST(Localizer, NaNWeightsAreAnErrorNeverAnArbitraryAnswer) {
  const Demo& d = demoSample();
  auto broken = engine::ModelHandle::fromConfig(model::presetTiny(), 4).value();
  {
    torch::NoGradGuard ng;
    for (auto& p : broken->impl().module->parameters()) p.fill_(std::nan(""));
  }
  const double ps = 112, x = 1500, y = 1200;
  auto patch = engine::spotPatch(*d.slide, x, y, ps);
  ASSERT_TRUE(patch.ok());
  auto p = engine::localizeInRegion(*broken, *d.slide, data::regionSquare(x, y, ps, 4), *patch);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::Numerical);
  EXPECT_NE(p.error().describe().find("localization logits"), std::string::npos) << p.error().describe();
  engine::SearchOptions so{{x - 3 * ps - 224, y - 3 * ps - 224, 6 * ps + 448}, ps, 0, 8};
  EXPECT_FALSE(engine::searchPatch(*broken, *d.slide, *patch, so).ok());
  auto q = engine::embedPatch(*broken, *patch);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().code, ErrorCode::Numerical);
  auto t = engine::embedSpots(*broken, d.sample, *d.slide, nullptr, {});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().describe().find("image embeddings of rows"), std::string::npos) << t.error().describe();
}
