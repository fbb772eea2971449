// The LibTorch STAMP model against the PyTorch reference (stamp_ref.py), from both weight
// formats, through the library and through `stamp run-tensors`; and our saved weight files read
// back by Python.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/threads.h"
#include "model/model_runner.h"
#include "parity_support.h"
#include "test_support.h"

using namespace stamp::core::model;
namespace fs = std::filesystem;

namespace {

struct Case {
  int seed, batch;
};

class TinyParity : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    stamp::core::setupComputeThreads();  // as the CLI and the reference (all cores)
    if (!stamp::test::referenceAvailable())
      GTEST_SKIP() << "reference not runnable: needs " << stamp::test::referenceScript()
                   << " and /usr/bin/python3 with torch + numpy";
    dir_ = stamp::test::scratchDir("parity");
    std::string log;
    ASSERT_TRUE(stamp::test::makeReferenceFixture(dir_, "tiny", GetParam().seed, GetParam().batch, &log)) << log;
    auto fx = readTensorFile(dir_ / "fixture.safetensors");
    ASSERT_TRUE(fx.ok()) << fx.error().describe();
    fixture_ = *fx;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void checkWeights(const fs::path& weights) {
    auto m = loadModel(weights);  // config: config.json beside (.pt) or metadata preset (.safetensors)
    ASSERT_TRUE(m.ok()) << m.error().describe();
    EXPECT_TRUE(m->report.clean()) << m->report.summary();
    EXPECT_TRUE(m->report.optionalMissing.empty()) << m->report.summary();
    auto out = runTensors(m->model, stamp::test::fixtureInputs(fixture_));
    ASSERT_TRUE(out.ok()) << out.error().describe();
    EXPECT_EQ(out->count("gene_invalid"), 0u);
    stamp::test::expectOutputsMatch(fixture_, *out, weights.filename().string());
  }
  fs::path dir_;
  NamedTensors fixture_;
};

TEST_P(TinyParity, OutputsMatchFromTorchSave) { checkWeights(dir_ / "model.pt"); }

TEST_P(TinyParity, OutputsMatchFromSafetensors) { checkWeights(dir_ / "model.safetensors"); }

TEST_P(TinyParity, CliRunTensorsMatches) {
  fs::path cli = STAMP_CLI_PATH;
  if (!fs::exists(cli)) GTEST_SKIP() << "stamp CLI not built: " << cli;
  std::string log;
  fs::path out = dir_ / "ours.safetensors";
  int rc = stamp::test::runCommand(stamp::test::shellQuote(cli.string()) + " run-tensors --weights " +
                                       stamp::test::shellQuote((dir_ / "model.pt").string()) + " --inputs " +
                                       stamp::test::shellQuote((dir_ / "fixture.safetensors").string()) + " --out " +
                                       stamp::test::shellQuote(out.string()), &log);
  ASSERT_EQ(rc, 0) << log;
  auto ours = readTensorFile(out);
  ASSERT_TRUE(ours.ok()) << ours.error().describe();
  stamp::test::expectOutputsMatch(fixture_, *ours, "stamp run-tensors");
}

// Our writers: Python's torch.load and a plain-Python safetensors parse must see the very
// tensors of the reference's model.pt.
TEST_P(TinyParity, SavedFilesReadBackInPython) {
  auto m = loadModel(dir_ / "model.safetensors");
  ASSERT_TRUE(m.ok()) << m.error().describe();
  StateDict sd = modelStateDict(m->model);
  ASSERT_TRUE(writeTorchSave(dir_ / "ours.pt", sd).ok());
  ASSERT_TRUE(writeSafetensors(dir_ / "ours.safetensors", sd, {{"stamp_config", configToJson(m->config)}}).ok());
  const std::string script = R"PY(
import json, struct, sys, numpy as np, torch
d = sys.argv[1]
ref = torch.load(d + '/model.pt')
ours = torch.load(d + '/ours.pt')
assert type(ours).__name__ == 'OrderedDict', type(ours)
assert list(ours.keys()) == list(ref.keys()), set(ours.keys()) ^ set(ref.keys())
for k, v in ref.items():
    assert ours[k].dtype == v.dtype and ours[k].shape == v.shape and torch.equal(ours[k], v), k
raw = open(d + '/ours.safetensors', 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
hdr = json.loads(raw[8:8 + n])
meta = hdr.pop('__metadata__')
cfg = json.loads(meta['stamp_config'])
assert cfg['gene_dim'] == 64 and cfg['vis_dim'] == 96, cfg
assert set(hdr) == set(ref), set(hdr) ^ set(ref)
for k, e in hdr.items():
    a, b = e['data_offsets']
    t = torch.from_numpy(np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float32).copy()).reshape(e['shape'])
    assert e['dtype'] == 'F32' and torch.equal(t, ref[k]), k
print('ok', len(ref))
)PY";
  fs::path py = dir_ / "check.py";
  std::ofstream(py) << script;
  std::string log;
  int rc = stamp::test::runCommand("/usr/bin/python3 " + stamp::test::shellQuote(py.string()) + " " +
                                       stamp::test::shellQuote(dir_.string()), &log);
  EXPECT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("ok "), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(Seeds, TinyParity, ::testing::Values(Case{0, 2}, Case{1, 6}, Case{2, 8}),
                         [](const auto& info) {
                           return "seed" + std::to_string(info.param.seed) + "_batch" + std::to_string(info.param.batch);
                         });

// `stamp convert-weights` both ways, and the exit codes of both commands on bad input.
TEST(Cli, ConvertWeightsRoundTripAndExitCodes) {
  fs::path cli = STAMP_CLI_PATH;
  if (!fs::exists(cli)) GTEST_SKIP() << "stamp CLI not built: " << cli;
  fs::path dir = stamp::test::scratchDir("cli-convert");
  Stamp model(presetTiny());
  StateDict sd = modelStateDict(model);
  ASSERT_TRUE(writeTorchSave(dir / "m.pt", sd).ok());
  std::ofstream(dir / "config.json") << configToJson(presetTiny());
  auto q = [](const fs::path& p) { return stamp::test::shellQuote(p.string()); };
  std::string log, stamp = q(cli);
  ASSERT_EQ(stamp::test::runCommand(stamp + " convert-weights " + q(dir / "m.pt") + " " + q(dir / "m.safetensors"), &log), 0) << log;
  fs::create_directories(dir / "other");
  ASSERT_EQ(stamp::test::runCommand(stamp + " convert-weights " + q(dir / "m.safetensors") + " " + q(dir / "other" / "m2.pt"), &log), 0) << log;
  auto st = readSafetensors(dir / "m.safetensors");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  auto cfg = parseConfigJson(st->metadata["stamp_config"]);  // config.json beside m.pt was recorded
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(*cfg, presetTiny());
  auto back = readTorchSave(dir / "other" / "m2.pt");
  ASSERT_TRUE(back.ok()) << back.error().describe();
  ASSERT_EQ(back->tensors.size(), sd.size());
  std::map<std::string, torch::Tensor> m(back->tensors.begin(), back->tensors.end());
  for (const auto& [k, t] : sd) EXPECT_TRUE(torch::equal(m.at(k), t)) << k;

  EXPECT_EQ(stamp::test::runCommand(stamp + " convert-weights --help", &log), 0);
  EXPECT_NE(log.find("usage"), std::string::npos) << log;
  EXPECT_EQ(stamp::test::runCommand(stamp + " convert-weights " + q(dir / "m.pt"), &log), 2) << log;
  EXPECT_EQ(stamp::test::runCommand(stamp + " convert-weights " + q(dir / "absent.pt") + " " + q(dir / "x.safetensors"), &log), 1);
  EXPECT_NE(log.find("absent.pt"), std::string::npos) << log;
  EXPECT_EQ(stamp::test::runCommand(stamp + " convert-weights " + q(dir / "m.pt") + " " + q(dir / "x.onnx"), &log), 1);
  EXPECT_EQ(stamp::test::runCommand(stamp + " run-tensors --weights " + q(dir / "m.pt"), &log), 2) << log;
  // The archive lies beside a config.json, but the inputs file does not exist.
  EXPECT_EQ(stamp::test::runCommand(stamp + " run-tensors --weights " + q(dir / "m.pt") + " --inputs " +
                                    q(dir / "none.safetensors") + " --out " + q(dir / "o.safetensors"), &log), 1);
  EXPECT_NE(log.find("none.safetensors"), std::string::npos) << log;
  fs::remove_all(dir);
}

// The published size (365M parameters). Minutes and several GB: only with STAMP_SLOW_TESTS=1.
TEST(UniParity, SlowPublishedSizeMatches) {
  const char* slow = std::getenv("STAMP_SLOW_TESTS");
  if (!slow || std::string(slow) != "1") GTEST_SKIP() << "set STAMP_SLOW_TESTS=1 to run the uni-size parity test";
  if (!stamp::test::referenceAvailable()) GTEST_SKIP() << "reference not runnable";
  stamp::core::setupComputeThreads();
  fs::path dir = stamp::test::scratchDir("parity-uni");
  std::string log;
  ASSERT_TRUE(stamp::test::makeReferenceFixture(dir, "uni", 0, 2, &log)) << log;
  auto fx = readTensorFile(dir / "fixture.safetensors");
  ASSERT_TRUE(fx.ok()) << fx.error().describe();
  for (const char* file : {"model.safetensors", "model.pt"}) {
    auto m = loadModel(dir / file);
    ASSERT_TRUE(m.ok()) << m.error().describe();
    EXPECT_EQ(m->config.visDim, presetUni().visDim);
    EXPECT_EQ(m->config.nGenes, presetUni().nGenes);
    auto out = runTensors(m->model, stamp::test::fixtureInputs(*fx));
    ASSERT_TRUE(out.ok()) << out.error().describe();
    stamp::test::expectOutputsMatch(*fx, *out, std::string("uni ") + file);
  }
  fs::remove_all(dir);
}

}  // namespace
