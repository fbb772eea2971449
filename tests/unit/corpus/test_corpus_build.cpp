// buildCorpus: shard contents against tokenize + cropSquare computed directly; token-only
// corpora from real Visium folders; QC filters; corrupt samples skipped and reported.
#include <algorithm>

#include "corpus_fixture.h"
#include "data/crops.h"
#include "slide/slide_reader.h"
#include "st/open_spatial.h"
#include "st/tokenizer.h"

namespace stamp::test::corpustest {
using namespace stamp::core;
using core::corpus::RowBlock;

namespace {

std::vector<std::uint8_t> chw(const data::RgbImage& img) {
  const std::size_t plane = std::size_t(img.width) * std::size_t(img.height);
  std::vector<std::uint8_t> out(plane * 3);
  for (std::size_t i = 0; i < plane; ++i)
    for (std::size_t c = 0; c < 3; ++c) out[c * plane + i] = img.rgb[i * 3 + c];
  return out;
}

void expectTokensEqual(const RowBlock& all, long long row, const st::TokenTable& t, std::int64_t spot) {
  for (int j = 0; j < corpus::kTokenLen; ++j)
    ASSERT_EQ(all.tokens[std::size_t(row) * corpus::kTokenLen + std::size_t(j)], t.row(spot)[j])
        << "row " << row << " token " << j;
}

}  // namespace

TEST(CorpusBuild, DemoWithImagesEqualsDirectTokensAndCrops) {
  STAMP_REQUIRE_VOCAB();
  const auto& demo = demoSample();
  ASSERT_FALSE(demo.outsDir.empty());
  const fs::path out = scratchDir("corpus-demo-images") / "corpus";
  corpus::CorpusOptions o;
  o.inputs = {demo.outsDir};
  o.outDir = out.string();
  o.vocabDir = vocabDir()->string();
  o.shardSize = 97;  // several shards, one sample split across them
  o.withImages = true;
  o.workers = 2;
  o.seed = 3;
  auto sum = corpus::buildCorpus(o);
  ASSERT_TRUE(sum.ok()) << sum.error().describe();
  ASSERT_EQ(sum->samples.size(), 1u);
  const auto& rec = sum->samples[0];
  ASSERT_TRUE(rec.skipped.empty()) << rec.skipped;
  ASSERT_GT(sum->spots, 97);
  EXPECT_EQ(sum->shards.size(), std::size_t((sum->spots + 96) / 97));

  auto sample = st::openSpatial(demo.outsDir);
  ASSERT_TRUE(sample.ok());
  auto table = st::tokenize(*sample, vocab());
  ASSERT_TRUE(table.ok());
  auto slide = slide::openSlide(rec.imagePath);
  ASSERT_TRUE(slide.ok()) << rec.imagePath;
  const double ps = data::halfPatchPx(rec.magnification);
  const auto w = (*slide)->level(0).width, h = (*slide)->level(0).height;

  RowBlock all = readAllShards(out, true);
  ASSERT_EQ(all.rows, sum->spots);
  long long prev = -1, withCell = 0;
  for (long long r = 0; r < all.rows; ++r) {
    const auto spot = all.spotIndex[std::size_t(r)];
    ASSERT_GT(spot, prev) << "rows keep the sample's spot order";
    prev = spot;
    EXPECT_EQ(all.slideId[std::size_t(r)], 0);
    EXPECT_EQ(all.datasetId[std::size_t(r)], 0);
    expectTokensEqual(all, r, *table, spot);
    const auto& sp = sample->spots[std::size_t(spot)];
    const int cell = all.posLabel[std::size_t(r)];
    const auto cells = data::validCells(sp.x, sp.y, ps, w, h);
    if (cells.empty()) {
      EXPECT_EQ(cell, -1);
    } else {
      ASSERT_NE(std::find(cells.begin(), cells.end(), cell), cells.end()) << "cell " << cell << " does not fit";
      ++withCell;
    }
    if (r % 7 != 0) continue;  // crop every 7th row directly (the slow part)
    auto patch = data::cropSquare(**slide, data::spotSquare(sp.x, sp.y, ps), 224);
    ASSERT_TRUE(patch.ok());
    const auto bytes = all.imageBytes();
    EXPECT_TRUE(std::equal(all.images.begin() + std::ptrdiff_t(r * bytes), all.images.begin() + std::ptrdiff_t((r + 1) * bytes),
                           chw(*patch).begin())) << "spot patch of row " << r;
    if (cell >= 0) {
      auto region = data::cropSquare(**slide, data::regionSquare(sp.x, sp.y, ps, cell), 224);
      ASSERT_TRUE(region.ok());
      EXPECT_TRUE(std::equal(all.regions.begin() + std::ptrdiff_t(r * bytes), all.regions.begin() + std::ptrdiff_t((r + 1) * bytes),
                             chw(*region).begin())) << "region of row " << r;
    }
  }
  EXPECT_GT(withCell, 0);
  EXPECT_EQ(rec.spotsKept + rec.droppedMinGenes + rec.droppedOutsideSlide + rec.droppedOffTissue, rec.spotsRead);
  // Reports and manifest.
  auto manifest = readJson(out / "manifest.json");
  EXPECT_EQ(manifest["spots"].get<long long>(), sum->spots);
  EXPECT_EQ(manifest["shards"].size(), sum->shards.size());
  EXPECT_EQ(manifest["slides"][0]["spots_kept"].get<long long>(), rec.spotsKept);
  EXPECT_TRUE(manifest["images_aug"].get<std::string>().find("region crop") != std::string::npos);
  EXPECT_TRUE(fs::exists(out / "manifest.csv"));
  EXPECT_NE(slurp(out / "summary.txt").find("Vocabulary coverage"), std::string::npos);
  EXPECT_GT(fs::file_size(out / "summary.png"), 1000u);
  EXPECT_FALSE(fs::exists(out / ".corpus")) << "working state is removed when the build completes";
  // A second build into the finished folder is refused, not silently merged.
  auto again = corpus::buildCorpus(o);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::InvalidArgument);
  if (!HasFailure()) fs::remove_all(out.parent_path());  // ~100 MB of shards; kept when failing
}

TEST(CorpusBuild, TokenOnlyFromListWithFiltersAndRealVisium) {
  STAMP_REQUIRE_VOCAB();
  STAMP_REQUIRE_DATA("visium/mouse-brain-mtx-subset");
  const fs::path heart = dataPath.parent_path() / "human-heart-v1-subset";
  // The raw demo matrix holds off-tissue spots too (with ambient counts).
  const std::string raw = demoSample().rawH5;
  const fs::path dir = scratchDir("corpus-visium");
  {
    std::ofstream list(dir / "inputs.txt");
    list << "# real Visium subsets and the raw demo matrix\n" << heart.string() << "\n\n" << dataPath.string() << "\n"
         << raw << "\n";
  }
  corpus::CorpusOptions o;
  o.inputs = {(dir / "inputs.txt").string()};
  o.outDir = (dir / "corpus").string();
  o.vocabDir = vocabDir()->string();
  o.inTissueOnly = true;
  o.minGenes = 3;
  o.workers = 2;
  auto sum = corpus::buildCorpus(o);
  ASSERT_TRUE(sum.ok()) << sum.error().describe();
  ASSERT_EQ(sum->samples.size(), 3u);
  // The mouse subset's 50 Ensembl mouse ids are not among the vocabulary's 151 mouse genes.
  const auto& brain = sum->samples[1];
  EXPECT_NE(brain.skipped.find("vocabulary"), std::string::npos) << brain.skipped;
  EXPECT_EQ(brain.spotsKept, 0);
  const auto& demoRaw = sum->samples[2];
  ASSERT_TRUE(demoRaw.skipped.empty()) << demoRaw.skipped;
  EXPECT_GT(demoRaw.droppedOffTissue, 0);
  ASSERT_TRUE(sum->samples[0].skipped.empty()) << sum->samples[0].skipped;

  RowBlock all = readAllShards(dir / "corpus", false);
  ASSERT_EQ(all.rows, sum->spots);
  for (int s : {0, 2}) {
    auto sample = st::openSpatial(s == 0 ? heart.string() : raw);
    ASSERT_TRUE(sample.ok());
    auto table = st::tokenize(*sample, vocab());
    ASSERT_TRUE(table.ok());
    long long rows = 0;
    for (long long r = 0; r < all.rows; ++r) {
      if (all.slideId[std::size_t(r)] != s) continue;
      ++rows;
      const auto spot = all.spotIndex[std::size_t(r)];
      EXPECT_TRUE(sample->spots[std::size_t(spot)].inTissue);
      EXPECT_GE(table->lengths[std::size_t(spot)], 3);
      expectTokensEqual(all, r, *table, spot);
    }
    EXPECT_EQ(rows, sum->samples[std::size_t(s)].spotsKept);
    EXPECT_GT(rows, 0);
  }
  EXPECT_NE(slurp(dir / "corpus" / "summary.txt").find("mouse-brain-mtx-subset: not tokenized"), std::string::npos);
  auto r = corpus::RowReader::open((dir / "corpus" / "tokens-0.h5").string());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->hasImages()) << "a token-only corpus has no image datasets";
}

TEST(CorpusBuild, CorruptAndImagelessSamplesAreSkippedAndReported) {
  STAMP_REQUIRE_VOCAB();
  STAMP_REQUIRE_DATA("visium/human-heart-v1-subset");
  const auto& demo = demoSample();
  const fs::path dir = scratchDir("corpus-corrupt");
  // A Space Ranger folder whose matrix is garbage, and a truncated .h5ad.
  fs::create_directories(dir / "in" / "garbage" / "outs");
  fs::copy(dataPath / "spatial", dir / "in" / "garbage" / "outs" / "spatial");
  { std::ofstream(dir / "in" / "garbage" / "outs" / "filtered_feature_bc_matrix.h5") << "not an HDF5 file at all"; }
  const std::string h5ad = slurp(demo.h5ad);
  { std::ofstream(dir / "in" / "truncated.h5ad", std::ios::binary) << h5ad.substr(0, h5ad.size() / 2); }
  fs::create_directories(dir / "in" / "good");
  fs::copy(demo.outsDir, dir / "in" / "good" / "outs", fs::copy_options::recursive);
  fs::copy(demo.slide, dir / "in" / "good" / "demo.tif");
  // The real heart subset has no full-resolution slide; with images and no pixel size it is skipped.
  fs::copy(dataPath, dir / "in" / "heart", fs::copy_options::recursive);
  corpus::CorpusOptions o;
  o.inputs = {(dir / "in").string()};
  o.outDir = (dir / "corpus").string();
  o.vocabDir = vocabDir()->string();
  o.withImages = true;
  auto sum = corpus::buildCorpus(o);
  ASSERT_TRUE(sum.ok()) << sum.error().describe();
  ASSERT_EQ(sum->samples.size(), 4u);
  int skipped = 0;
  for (const auto& s : sum->samples) {
    if (s.path.find("good") != std::string::npos) {
      EXPECT_TRUE(s.skipped.empty()) << s.skipped;
      EXPECT_GT(s.spotsKept, 0);
    } else {
      EXPECT_FALSE(s.skipped.empty()) << s.path;
      ++skipped;
    }
  }
  EXPECT_EQ(skipped, 3);
  const std::string report = slurp(dir / "corpus" / "summary.txt");
  EXPECT_NE(report.find("truncated.h5ad: unreadable"), std::string::npos) << report;
  EXPECT_NE(report.find("garbage/outs: unreadable"), std::string::npos) << report;
  EXPECT_NE(report.find("no usable image"), std::string::npos) << report;
  auto manifest = readJson(dir / "corpus" / "manifest.json");
  int reported = 0;
  for (const auto& s : manifest["slides"]) reported += s["skipped"].is_string() ? 1 : 0;
  EXPECT_EQ(reported, 3);
  if (!HasFailure()) fs::remove_all(dir);
}

TEST(CorpusBuild, BadOptionsAndChangedOptionsOnResumeAreRefused) {
  STAMP_REQUIRE_VOCAB();
  corpus::CorpusOptions o;
  o.outDir = (scratchDir("corpus-bad") / "c").string();
  o.vocabDir = vocabDir()->string();
  EXPECT_EQ(corpus::buildCorpus(o).error().code, ErrorCode::InvalidArgument);  // no inputs
  o.inputs = {"/nonexistent/folder"};
  EXPECT_EQ(corpus::buildCorpus(o).error().code, ErrorCode::NotFound);
  o.inputs = {demoSample().outsDir};
  o.shardSize = 0;
  EXPECT_EQ(corpus::buildCorpus(o).error().code, ErrorCode::InvalidArgument);
  o.shardSize = 10;
  o.magnification = 20;
  o.mpp = 0.5;
  EXPECT_EQ(corpus::buildCorpus(o).error().code, ErrorCode::InvalidArgument);
  o.mpp.reset();
  // A folder holding an interrupted build with other options is not mixed with a new one.
  fs::create_directories(fs::path(o.outDir) / ".corpus");
  { std::ofstream(fs::path(o.outDir) / ".corpus" / "build.json") << R"({"shard_size": 1})"; }
  auto r = corpus::buildCorpus(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Mismatch) << r.error().describe();
}

}  // namespace stamp::test::corpustest

namespace stamp::test::corpustest {

TEST(CorpusBuild, CancelStopsAndTheSameCallResumes) {
  STAMP_REQUIRE_VOCAB();
  const fs::path dir = scratchDir("corpus-cancel");
  corpus::CorpusOptions o;
  o.inputs = {demoSample().outsDir, demoSample().hestRoot, demoSample().rawH5};
  o.outDir = (dir / "c").string();
  o.vocabDir = vocabDir()->string();
  o.shardSize = 64;
  o.workers = 1;
  CancelToken token;
  ProgressReporter progress(
      [&](const ProgressUpdate& u) {
        if (u.phase == "Processing samples" && u.done >= 1) token.cancel();  // after the first sample
      },
      token, 0.0);
  auto first = corpus::buildCorpus(o, &progress);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::Cancelled);
  EXPECT_FALSE(fs::exists(dir / "c" / "manifest.json"));
  EXPECT_TRUE(fs::exists(dir / "c" / ".corpus" / "part-0.json")) << "the finished sample is kept";
  auto resumed = corpus::buildCorpus(o);
  ASSERT_TRUE(resumed.ok()) << resumed.error().describe();
  EXPECT_TRUE(resumed->resumed);
  o.outDir = (dir / "fresh").string();
  auto fresh = corpus::buildCorpus(o);
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->resumed);
  ASSERT_EQ(fresh->shards.size(), resumed->shards.size());
  for (const auto& s : fresh->shards)
    EXPECT_EQ(slurp(dir / "c" / s.file), slurp(dir / "fresh" / s.file)) << s.file;
  if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace stamp::test::corpustest
