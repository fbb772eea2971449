// Training: config rejection, schedule, checkpoint resume (in process and after a real kill),
// cancellation, and two Gloo processes against one process on the same global batch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <unistd.h>
#include <fstream>
#include <map>
#include <thread>

#include "engine/checkpoint.h"
#include "engine/model_handle.h"
#include "engine/model_handle_impl.h"
#include "model/weights.h"
#include "engine/trainer.h"
#include "training_fixture.h"

using namespace stamp::core;
using namespace stamp::core::engine;
namespace fs = std::filesystem;
using stamp::test::configOf;
using stamp::test::runJson;

TEST(TrainConfigTest, BadFieldsAreNamed) {
  auto base = runJson("s.h5ad", "/v", "/o");
  auto expectField = [&](nlohmann::json j, const std::string& field) {
    auto r = parseTrainConfig(j.dump());
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_NE(r.error().describe().find(field), std::string::npos) << r.error().describe();
  };
  auto j = base; j["lr"] = "fast"; expectField(j, "\"lr\"");
  j = base; j["lr"] = 2.0; expectField(j, "\"lr\"");
  j = base; j["steps"] = 0; expectField(j, "\"steps\"");
  j = base; j["batch_size"] = 1.5; expectField(j, "\"batch_size\"");
  j = base; j["train"] = "everything"; expectField(j, "\"train\"");
  j = base; j["learning_rate"] = 1e-4; expectField(j, "\"learning_rate\"");
  j = base; j["samples"] = nlohmann::json::array({{{"slide", "x.tif"}}}); expectField(j, "samples[0].st");
  j = base; j.erase("vocab"); expectField(j, "\"vocab\"");
  j = base; j["augment"]["colour_jitter"] = 3; expectField(j, "augment.colour_jitter");
  j = base; j["pretrain"] = {{"mask_probability", 0}}; expectField(j, "pretrain.mask_probability");
  EXPECT_FALSE(parseTrainConfig("{not json").ok());
  EXPECT_TRUE(parseTrainConfig(base.dump()).ok());
  // The printed default is itself a valid run file (comments are '_' keys).
  EXPECT_TRUE(parseTrainConfig(documentedDefaultConfig("align")).ok());
  EXPECT_TRUE(parseTrainConfig(documentedDefaultConfig("pretrain")).ok());
}

TEST(TrainConfigTest, WarmupThenCosineToFloor) {
  TrainConfig c;
  c.lr = 1e-3;
  c.minLr = 1e-5;
  c.warmupSteps = 10;
  c.steps = 110;
  EXPECT_NEAR(learningRate(c, 0), 1e-4, 1e-12);
  EXPECT_NEAR(learningRate(c, 9), 1e-3, 1e-12);
  EXPECT_NEAR(learningRate(c, 60), (1e-3 + 1e-5) / 2, 1e-9);
  EXPECT_NEAR(learningRate(c, 110), 1e-5, 1e-12);
  for (int s = 11; s < 110; ++s) EXPECT_LE(learningRate(c, s), learningRate(c, s - 1));
}

class TrainRun : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = stamp::test::sharedDataDir();
    if (!d || !fs::exists(*d / "stamp-vocab/model.h5ad")) GTEST_SKIP() << "real test data not found: ../shared/data/stamp-vocab";
    vocab_ = *d / "stamp-vocab";
    sample_ = stamp::test::demoSample(2400, 2000);
    ASSERT_FALSE(sample_.empty());
  }
  nlohmann::json run(const std::string& name) { return runJson(sample_, vocab_, stamp::test::scratchDir(name)); }
  fs::path vocab_;
  std::string sample_;
};

TEST_F(TrainRun, ResumeContinuesAsIfNeverStopped) {
  auto straight = run("train-straight");
  auto r1 = runTraining(configOf(straight), {}, false);
  ASSERT_TRUE(r1.ok()) << r1.error().describe();
  EXPECT_EQ(r1->step, 4);
  auto split = run("train-split");
  TrainHooks halt;
  halt.haltAfterStep = 3;  // dies after step 3: the checkpoint of step 2 is the last
  auto r2 = runTraining(configOf(split), {}, false, halt);
  ASSERT_TRUE(r2.ok()) << r2.error().describe();
  EXPECT_EQ(latestCheckpoint(split["output"].get<std::string>()).value().filename(), "step-00000002");
  auto r3 = runTraining(configOf(split), {}, true);
  ASSERT_TRUE(r3.ok()) << r3.error().describe();
  EXPECT_EQ(r3->resumeStep, 2);
  const double d = stamp::test::maxWeightDiff(fs::path(straight["output"].get<std::string>()) / "model.safetensors",
                                              fs::path(split["output"].get<std::string>()) / "model.safetensors");
  EXPECT_LT(d, 1e-6);
  // The training rows of both metrics files agree (resume dropped the rows after step 2).
  MetricsLog a(fs::path(straight["output"].get<std::string>()) / "metrics.csv"), b(fs::path(split["output"].get<std::string>()) / "metrics.csv");
  ASSERT_TRUE(a.resume(100).ok() && b.resume(100).ok());
  ASSERT_EQ(a.rows().size(), b.rows().size());
  for (std::size_t i = 0; i < a.rows().size(); ++i)
    if (a.rows()[i].phase == "train") {
      EXPECT_NEAR(a.rows()[i].values.at("loss_total"), b.rows()[i].values.at("loss_total"), 1e-5);
    }
  // The final weights load like any other model.
  EXPECT_TRUE(ModelHandle::fromFiles(r1->finalWeights, std::nullopt).ok());
}

TEST_F(TrainRun, MixedPrecisionRunsInBf16WhereTheCpuCanAndSaysSoWhereNot) {
  auto plain = run("train-fp32"), mixed = run("train-bf16");
  plain["steps"] = mixed["steps"] = 2;
  mixed["mixed_precision"] = true;
  std::vector<std::string> notes;
  std::map<std::string, double> firstStep[2];  // the first step's loss terms, fp32 and mixed
  MetricsRow validation;                       // the mixed run's end-of-run pass
  auto hooks = [&](int which) {
    TrainHooks h;
    h.onMessage = [&](const std::string& m) { notes.push_back(m); };
    h.onMetrics = [&, which](const MetricsRow& r) {
      if (r.phase == "train" && r.step == 1) firstStep[which] = r.values;
      if (r.phase == "val" && which == 1) validation = r;
    };
    return h;
  };
  auto a = runTraining(configOf(plain), {}, false, hooks(0));
  notes.clear();
  auto b = runTraining(configOf(mixed), {}, false, hooks(1));
  ASSERT_TRUE(a.ok() && b.ok()) << (a.ok() ? b.error().describe() : a.error().describe());
  ASSERT_EQ(firstStep[0].count("loss_total") + firstStep[1].count("loss_total"), 2u);
  const double fp32 = firstStep[0].at("loss_total"), bf16 = firstStep[1].at("loss_total");
  const bool said = std::any_of(notes.begin(), notes.end(), [](const std::string& m) {
    return m.find("no bf16 instructions") != std::string::npos;
  });
  if (model::cpuComputesBf16()) {
    EXPECT_FALSE(said);
    EXPECT_NE(bf16, fp32);                               // the forward passes ran in bf16...
    EXPECT_LT(std::abs(bf16 - fp32), 1e-2 * std::abs(fp32));  // ...to the same loss within 1%
  } else {
    EXPECT_TRUE(said);
    EXPECT_EQ(bf16, fp32);  // fp32 after all, as the notice says
  }
  ASSERT_GT(validation.values.count("val_spots"), 0u);  // validated at the run's precision too
  for (const auto& [name, v] : validation.values) EXPECT_TRUE(std::isfinite(v)) << name;
}

TEST_F(TrainRun, CancelStopsWithinOneStepAndCheckpoints) {
  auto j = run("train-cancel");
  j["steps"] = 50;
  j["checkpoint_every"] = 100;
  CancelToken token;
  ProgressReporter progress({}, token);
  TrainHooks h;
  h.progress = &progress;
  h.onMetrics = [&](const MetricsRow& r) {
    if (r.step == 2) token.cancel();
  };
  auto r = runTraining(configOf(j), {}, false, h);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->cancelled);
  EXPECT_EQ(r->step, 2);
  EXPECT_EQ(latestCheckpoint(j["output"].get<std::string>()).value().filename(), "step-00000002");
}

TEST_F(TrainRun, NanLossStopsAndKeepsLastCheckpoint) {
  auto j = run("train-nan");
  j["steps"] = 2;
  auto good = runTraining(configOf(j), {}, false);
  ASSERT_TRUE(good.ok()) << good.error().describe();
  // Continue in the same folder from weights with a NaN logit scale: the first step's loss is NaN.
  auto w = model::readWeights(good->finalWeights).value();
  for (auto& [k, t] : w.tensors)
    if (k == "logit_scale") t.fill_(std::nan(""));
  const fs::path bad = fs::path(j["output"].get<std::string>()).parent_path() / "nan-init.safetensors";
  ASSERT_TRUE(model::writeSafetensors(bad, w.tensors).ok());
  j["model"]["init_weights"] = bad.string();
  j["steps"] = 4;
  auto r = runTraining(configOf(j), {}, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Numerical);
  EXPECT_NE(r.error().describe().find("NaN"), std::string::npos) << r.error().describe();
  EXPECT_NE(r.error().describe().find("intact"), std::string::npos) << r.error().describe();
  auto last = latestCheckpoint(j["output"].get<std::string>());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->filename(), "step-00000002");
  auto h = ModelHandle::fromFiles((*last / "model.safetensors").string(), std::nullopt);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(std::isfinite(model::readWeights(*last / "model.safetensors").value().tensors.back().second.sum().item<double>()));
}

namespace {

fs::path stampBinary() { return stamp::test::binaryDir() / "app/cli/stamp"; }

int freePort() {
  static int next = 29650 + int(::getpid() % 200);
  return next++;
}

void writeJson(const fs::path& p, const nlohmann::json& j) { std::ofstream(p) << j.dump(1); }

}  // namespace

TEST_F(TrainRun, KilledProcessResumesFromLastCheckpoint) {
  if (!fs::exists(stampBinary())) GTEST_SKIP() << "the stamp CLI is not built: " << stampBinary();
  // Both processes on one compute thread: float sums then come out in the same order, so the
  // only possible difference is what the resume restores.
  auto straight = run("train-kill-straight");
  straight["steps"] = 6;
  straight["threads"] = 1;
  ASSERT_TRUE(runTraining(configOf(straight), {}, false).ok());
  auto j = run("train-kill");
  j["steps"] = 6;
  j["threads"] = 1;
  const fs::path out = j["output"].get<std::string>(), cfg = out.parent_path() / "train-kill.json";
  writeJson(cfg, j);
  const std::string cmd = stampBinary().string() + " train --config " + cfg.string() + " > " + (out.parent_path() / "kill.log").string() +
                          " 2>&1 & echo $!";
  std::string pidText;
  ASSERT_EQ(stamp::test::runCommand(cmd, &pidText), 0);
  const int pid = std::stoi(pidText);
  for (int i = 0; i < 600 && !fs::exists(out / "latest.json"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(pid, SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(fs::exists(out / "latest.json")) << "no checkpoint before the kill";
  std::string log;
  ASSERT_EQ(stamp::test::runCommand(stampBinary().string() + " train --resume " + out.string(), &log), 0) << log;
  const auto at = log.find("resumed from step ");
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_LT(std::stoi(log.substr(at + 18)), 6) << "the child finished before it was killed";
  EXPECT_LT(stamp::test::maxWeightDiff(fs::path(straight["output"].get<std::string>()) / "model.safetensors", out / "model.safetensors"), 1e-6);
}

TEST_F(TrainRun, TwoGlooProcessesMatchOneProcessOnTheSameGlobalBatch) {
  if (!fs::exists(stampBinary())) GTEST_SKIP() << "the stamp CLI is not built: " << stampBinary();
  // One process, micro-batches of 2 spots, accumulating 2 = two ranks of 2 spots each.
  auto one = run("train-ddp-one");
  one["grad_accum"] = 2;
  one["steps"] = 3;
  ASSERT_TRUE(runTraining(configOf(one), {}, false).ok());
  auto two = run("train-ddp-two");
  two["steps"] = 3;
  const fs::path out = two["output"].get<std::string>(), cfg = out.parent_path() / "ddp.json";
  writeJson(cfg, two);
  const int port = freePort();
  std::string cmd;
  for (int rank = 0; rank < 2; ++rank)
    cmd += "RANK=" + std::to_string(rank) + " WORLD_SIZE=2 LOCAL_RANK=" + std::to_string(rank) + " MASTER_ADDR=127.0.0.1 MASTER_PORT=" +
           std::to_string(port) + " STAMP_THREADS=1 " + stampBinary().string() + " train --config " + cfg.string() + " > " +
           (out.parent_path() / ("rank" + std::to_string(rank) + ".log")).string() + " 2>&1 & p" + std::to_string(rank) + "=$!; ";
  std::string log;
  const int rc = stamp::test::runCommand(cmd + "wait $p0; a=$?; wait $p1; b=$?; [ $a -eq 0 ] && [ $b -eq 0 ]", &log);
  std::string r0;
  stamp::test::runCommand("cat " + (out.parent_path() / "rank0.log").string() + " " + (out.parent_path() / "rank1.log").string(), &r0);
  ASSERT_EQ(rc, 0) << r0;
  ASSERT_TRUE(fs::exists(out / "model.safetensors"));
  EXPECT_LT(stamp::test::maxWeightDiff(fs::path(one["output"].get<std::string>()) / "model.safetensors", out / "model.safetensors"), 1e-4);
}

TEST_F(TrainRun, PretrainGenesTrainsOnNeighbourGroups) {
  auto j = run("train-pretrain");
  j["mode"] = "pretrain";
  j["steps"] = 3;
  j["batch_size"] = 1;
  j["train"] = "gene";
  j["validate_every"] = 3;
  j["max_val_spots"] = 27;
  j["pretrain"] = {{"mlm_only_steps", 1}};
  std::vector<MetricsRow> rows;
  TrainHooks h;
  h.onMetrics = [&](const MetricsRow& r) { rows.push_back(r); };
  auto r = runTraining(configOf(j), {}, false, h);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->step, 3);
  ASSERT_GE(rows.size(), 3u);
  for (const auto& row : rows)
    if (row.phase == "train") {
      EXPECT_TRUE(std::isfinite(row.values.at("loss_mlm")));
      EXPECT_TRUE(std::isfinite(row.values.at("loss_spatial")));
    }
  // Step 1 trains MLM alone: its total is the MLM loss.
  EXPECT_NEAR(rows[0].values.at("loss_total"), rows[0].values.at("loss_mlm"), 1e-6);
  EXPECT_GT(rows[1].values.at("loss_total"), rows[1].values.at("loss_mlm"));
  // The visual side did not move: "gene" trains the gene encoder only.
  auto init = ModelHandle::fromConfig(model::parseConfigJson(R"({"preset":"tiny","n_genes":20310,"context":32})").value(), 0).value();
  auto after = model::readWeights(r->finalWeights).value();
  for (auto& [k, t] : after.tensors)
    if (k == "visual_backbone.p_visual") {
      EXPECT_TRUE(torch::equal(t, init->impl().module->visual_backbone->p_visual.detach()));
    }
}
