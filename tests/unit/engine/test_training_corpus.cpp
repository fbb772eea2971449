// Training streamed from a corpus folder (stamp build-corpus): a tiny model learns from a
// corpus with images, the same seed gives the same weights, a halted run resumes to the same
// weights (the stream position is in the checkpoint), ranks read disjoint training shards and
// never a validation row, pre-training from tokens only, and bad corpora are refused by name.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

#include "corpus/corpus.h"
#include "engine/checkpoint.h"
#include "engine/corpus_stream.h"
#include "engine/trainer.h"
#include "training_fixture.h"

using namespace stamp::core;
using namespace stamp::core::engine;
namespace fs = std::filesystem;

namespace {

/// Builds (once per process) a corpus of the 2400 x 2000 demo sample: `images` with crops.
fs::path demoCorpus(const fs::path& vocab, bool images) {
  static std::map<bool, fs::path> made;
  if (made.count(images)) return made[images];
  demo::DemoOptions d;
  d.seed = 5;
  d.width = 2400;
  d.height = 2000;
  d.mpp = 0.5;
  d.threads = 2;
  auto paths = demo::ensureDemoSample(stamp::test::scratchDir("corpus-train-demo").string(), d);
  EXPECT_TRUE(paths.ok()) << paths.error().describe();
  const fs::path out = stamp::test::scratchDir(images ? "corpus-train-images" : "corpus-train-tokens") / "c";
  corpus::CorpusOptions o;
  o.inputs = {paths->outsDir};
  if (!images) o.inputs.push_back(paths->hestRoot);  // two slides for the slide split
  o.outDir = out.string();
  o.vocabDir = vocab.string();
  o.shardSize = 16;
  o.withImages = images;
  o.workers = 2;
  auto sum = corpus::buildCorpus(o);
  EXPECT_TRUE(sum.ok()) << sum.error().describe();
  return made[images] = out;
}

nlohmann::json corpusRun(const fs::path& corpusDir, const fs::path& out) {
  return {{"corpus", corpusDir.string()},
          {"split", "shards"},
          {"val_fraction", 0.34},  // 2 of the demo corpus's 6 shards (84 rows) validate
          {"model", {{"config", {{"preset", "tiny"}, {"n_genes", 20310}, {"context", 32}}}}},
          {"output", out.string()},
          {"steps", 6},
          {"batch_size", 2},
          {"lr", 1e-3},
          {"warmup_steps", 1},
          {"checkpoint_every", 2},
          {"validate_every", 0},
          {"max_val_spots", 16},
          {"corpus_shuffle_buffer", 24},
          {"corpus_block_rows", 4},
          {"augment", {{"flips", true}, {"rot90", true}, {"colour_jitter", 0.05}}}};
}

class CorpusTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = stamp::test::sharedDataDir();
    if (!d || !fs::exists(*d / "stamp-vocab/model.h5ad")) GTEST_SKIP() << "real test data not found: ../shared/data/stamp-vocab";
    vocab_ = *d / "stamp-vocab";
  }
  fs::path images() { return demoCorpus(vocab_, true); }
  fs::path tokens() { return demoCorpus(vocab_, false); }
  fs::path vocab_;
};

fs::path weights(const nlohmann::json& j) { return fs::path(j["output"].get<std::string>()) / "model.safetensors"; }

}  // namespace

TEST_F(CorpusTrain, LearnsAndTheSameSeedGivesTheSameWeights) {
  auto j = corpusRun(images(), stamp::test::scratchDir("corpus-run-a"));
  j["steps"] = 14;
  j["validate_every"] = 14;
  std::vector<double> losses;
  MetricsRow val;
  TrainHooks h;
  h.onMetrics = [&](const MetricsRow& r) {
    if (r.phase == "train") losses.push_back(r.values.at("loss_total"));
    else val = r;
  };
  auto a = runTraining(stamp::test::configOf(j), {}, false, h);
  ASSERT_TRUE(a.ok()) << a.error().describe();
  ASSERT_EQ(losses.size(), 14u);
  for (double l : losses) EXPECT_TRUE(std::isfinite(l));
  const double first = (losses[0] + losses[1] + losses[2]) / 3, last = (losses[11] + losses[12] + losses[13]) / 3;
  EXPECT_LT(last, first) << "the loss falls over 14 steps";
  EXPECT_GT(a->trainSpots, 0u);
  EXPECT_GT(a->valSpots, 0u) << "the last shards validate";
  EXPECT_TRUE(val.values.count("recall5_patch_to_spot"));
  EXPECT_TRUE(val.values.count("localization_accuracy"));
  EXPECT_EQ(val.values.at("val_spots"), 16);
  auto b = j;
  b["output"] = stamp::test::scratchDir("corpus-run-b").string();
  ASSERT_TRUE(runTraining(stamp::test::configOf(b), {}, false).ok());
  EXPECT_EQ(stamp::test::maxWeightDiff(weights(j), weights(b)), 0.0);
  auto c = j;
  c["output"] = stamp::test::scratchDir("corpus-run-c").string();
  c["seed"] = 9;
  ASSERT_TRUE(runTraining(stamp::test::configOf(c), {}, false).ok());
  EXPECT_GT(stamp::test::maxWeightDiff(weights(j), weights(c)), 1e-6) << "another seed, another order";
}

TEST_F(CorpusTrain, HaltedRunResumesFromTheStreamPosition) {
  // Small shuffle buffer and several epochs: the resume lands inside a later epoch.
  auto straight = corpusRun(images(), stamp::test::scratchDir("corpus-straight"));
  straight["steps"] = 30;
  straight["checkpoint_every"] = 25;
  auto r1 = runTraining(stamp::test::configOf(straight), {}, false);
  ASSERT_TRUE(r1.ok()) << r1.error().describe();
  auto split = straight;
  split["output"] = stamp::test::scratchDir("corpus-split").string();
  TrainHooks halt;
  halt.haltAfterStep = 28;
  ASSERT_TRUE(runTraining(stamp::test::configOf(split), {}, false, halt).ok());
  const fs::path out = split["output"].get<std::string>();
  auto last = latestCheckpoint(out);
  ASSERT_TRUE(last.ok());
  auto state = nlohmann::json::parse(std::ifstream(*last / "state.json"));
  ASSERT_TRUE(state.contains("data")) << state.dump();
  // 64 training rows = 16 micro-batches of 4 per epoch: step 25 stands inside epoch 1.
  EXPECT_EQ(state["data"]["epoch"].get<int>(), 1) << state.dump();
  EXPECT_EQ(state["data"]["batch"].get<int>(), 9) << state.dump();
  auto r3 = runTraining(stamp::test::configOf(split), {}, true);
  ASSERT_TRUE(r3.ok()) << r3.error().describe();
  EXPECT_EQ(r3->resumeStep, 25);
  EXPECT_LT(stamp::test::maxWeightDiff(weights(straight), weights(split)), 1e-6);
}

TEST_F(CorpusTrain, RanksReadDisjointTrainingShardsAndNeverValidationRows) {
  auto c = stamp::test::configOf(corpusRun(images(), "/unused"));
  auto split = splitCorpus(c);
  ASSERT_TRUE(split.ok()) << split.error().describe();
  ASSERT_GE(split->trainShards.size(), 2u);
  ASSERT_GE(split->valShards.size(), 1u);
  std::set<std::string> val;
  auto probe = corpus::CorpusReader::open(c.corpus, {});
  ASSERT_TRUE(probe.ok());
  for (int i : split->valShards) val.insert(probe->shards()[std::size_t(i)].path);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::set<std::string> seen;
    for (int rank = 0; rank < 2; ++rank) {
      auto r = corpus::CorpusReader::open(c.corpus, trainReaderOptions(c, *split, rank, 2, 4, false));
      ASSERT_TRUE(r.ok()) << r.error().describe();
      for (const auto& p : r->shardsOfRank(epoch)) {
        EXPECT_TRUE(seen.insert(p).second) << p << " read by both ranks";
        EXPECT_FALSE(val.count(p)) << p << " is a validation shard";
      }
    }
    EXPECT_EQ(seen.size(), split->trainShards.size()) << "every training shard read once per epoch";
  }
  // Split by slides (the token corpus holds two): no row of a validation slide trains.
  auto t = c;
  t.corpus = tokens().string();
  t.split = "slides";
  t.valFraction = 0.5;
  auto bySlide = splitCorpus(t);
  ASSERT_TRUE(bySlide.ok()) << bySlide.error().describe();
  ASSERT_EQ(bySlide->valSlides.size(), 1u);
  auto r = corpus::CorpusReader::open(t.corpus, trainReaderOptions(t, *bySlide, 0, 1, 8, false));
  ASSERT_TRUE(r.ok());
  for (;;) {
    auto b = r->next();
    ASSERT_TRUE(b.ok());
    if (!b->has_value()) break;
    for (auto id : (*b)->slideId) ASSERT_NE(id, bySlide->valSlides[0]);
  }
  EXPECT_GT(bySlide->valRows, 0);
  // The split's counts and shards are what the slide filters of a reader keep.
  corpus::ReaderOptions only, skip;
  only.withImages = skip.withImages = false;
  only.onlySlides = skip.skipSlides = bySlide->valSlides;
  auto valReader = corpus::CorpusReader::open(t.corpus, only);
  auto trainReader = corpus::CorpusReader::open(t.corpus, skip);
  ASSERT_TRUE(valReader.ok() && trainReader.ok());
  EXPECT_EQ(bySlide->valRows, valReader->selectedRows());
  EXPECT_EQ(bySlide->trainRows, trainReader->selectedRows());
  for (int i = 0; i < int(valReader->shards().size()); ++i) {
    auto has = [i](const std::vector<int>& v) { return std::find(v.begin(), v.end(), i) != v.end(); };
    EXPECT_EQ(has(bySlide->valShards), valReader->keptRows(i) > 0) << "shard " << i;
    EXPECT_EQ(has(bySlide->trainShards), trainReader->keptRows(i) > 0) << "shard " << i;
  }
}

TEST_F(CorpusTrain, PretrainFromTokensUsesTheMlmLossAndSaysSo) {
  auto j = corpusRun(tokens(), stamp::test::scratchDir("corpus-pretrain"));
  j["mode"] = "pretrain";
  j["train"] = "gene";
  j["split"] = "slides";
  j["val_fraction"] = 0.5;
  j["steps"] = 3;
  j["batch_size"] = 1;
  j["validate_every"] = 3;
  j["max_val_spots"] = 18;
  std::vector<MetricsRow> rows;
  std::string messages;
  TrainHooks h;
  h.onMetrics = [&](const MetricsRow& r) { rows.push_back(r); };
  h.onMessage = [&](const std::string& m) { messages += m + "\n"; };
  auto r = runTraining(stamp::test::configOf(j), {}, false, h);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_NE(messages.find("MLM loss alone"), std::string::npos) << messages;
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& row : rows) {
    EXPECT_TRUE(std::isfinite(row.values.at("loss_mlm")));
    EXPECT_FALSE(row.values.count("loss_spatial"));
  }
  EXPECT_EQ(rows.back().phase, "val");
  EXPECT_EQ(rows.back().values.at("val_spots"), 18);
}

TEST_F(CorpusTrain, BadCorporaAreRefusedByName) {
  auto run = [&](nlohmann::json j) { return runTraining(stamp::test::configOf(j), {}, false); };
  // Alignment needs images.
  auto e = run(corpusRun(tokens(), stamp::test::scratchDir("corpus-bad-noimg")));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().describe().find("--with-images"), std::string::npos) << e.error().describe();
  EXPECT_NE(e.error().describe().find("tokens-0.h5"), std::string::npos) << e.error().describe();
  // A model whose vocabulary is smaller than the corpus's.
  auto small = corpusRun(images(), stamp::test::scratchDir("corpus-bad-vocab"));
  small["model"]["config"]["n_genes"] = 200;
  e = run(small);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::Mismatch);
  EXPECT_NE(e.error().describe().find("n_genes"), std::string::npos) << e.error().describe();
  // Missing folder, corrupt shard.
  e = run(corpusRun("/nonexistent/corpus", stamp::test::scratchDir("corpus-bad-missing")));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().describe().find("/nonexistent/corpus"), std::string::npos);
  const fs::path broken = stamp::test::scratchDir("corpus-bad-shard") / "c";
  fs::create_directories(broken);
  for (const auto& f : fs::directory_iterator(images())) fs::copy(f.path(), broken / f.path().filename(), fs::copy_options::overwrite_existing);
  fs::resize_file(broken / "tokens-1.h5", fs::file_size(broken / "tokens-1.h5") / 2);
  e = run(corpusRun(broken, stamp::test::scratchDir("corpus-bad-run")));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().describe().find("tokens-1.h5"), std::string::npos) << e.error().describe();
  // Config: a corpus and samples at once; spot blocks without coordinates.
  auto both = corpusRun(images(), "/o");
  both["samples"] = {"s.h5ad"};
  both["vocab"] = vocab_.string();
  EXPECT_NE(parseTrainConfig(both.dump()).error().describe().find("\"corpus\""), std::string::npos);
  auto blocks = corpusRun(images(), "/o");
  blocks["split"] = "blocks";
  EXPECT_NE(parseTrainConfig(blocks.dump()).error().describe().find("\"split\""), std::string::npos);
}

TEST_F(CorpusTrain, CliTrainsFromACorpusRunFile) {
  const fs::path cli = stamp::test::binaryDir() / "app/cli/stamp";
  if (!fs::exists(cli)) GTEST_SKIP() << "the stamp CLI is not built: " << cli;
  const fs::path dir = stamp::test::scratchDir("corpus-cli");
  auto j = corpusRun(fs::relative(images(), dir), "run");  // relative to the run file
  j["steps"] = 3;
  j["validate_every"] = 3;
  std::ofstream(dir / "run.json") << j.dump(1);
  std::string log;
  ASSERT_EQ(stamp::test::runCommand(cli.string() + " train --config " + (dir / "run.json").string() + " 2>&1", &log), 0) << log;
  EXPECT_NE(log.find("step 3/3"), std::string::npos) << log;
  EXPECT_NE(log.find("recall5_patch_to_spot"), std::string::npos) << log;
  EXPECT_TRUE(fs::exists(dir / "run" / "model.safetensors"));
  auto state = nlohmann::json::parse(std::ifstream(dir / "run" / "checkpoints" / "step-00000003" / "state.json"));
  EXPECT_TRUE(state.contains("data"));
  // pretrain-genes refuses an align run file, and a corpus without images is named.
  auto t = corpusRun(tokens(), dir / "run-noimg");
  std::ofstream(dir / "noimg.json") << t.dump(1);
  EXPECT_EQ(stamp::test::runCommand(cli.string() + " train --config " + (dir / "noimg.json").string() + " 2>&1", &log), 1) << log;
  EXPECT_NE(log.find("--with-images"), std::string::npos) << log;
}
