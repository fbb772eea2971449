// The `stamp` command line as a user runs it: exit statuses (0 ok, 2 usage, 1 failure with a
// one-line reason) and the files the commands write.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <fstream>

#include "common/safetensors.h"
#include "test_support.h"

namespace fs = std::filesystem;
using stamp::test::runCommand;
using stamp::test::shellQuote;

namespace {

std::string stampExe() { return shellQuote((stamp::test::binaryDir() / "app/cli/stamp").string()); }

int runStamp(const std::string& args, std::string* out = nullptr) { return runCommand(stampExe() + " " + args, out); }

/// A small demo sample written once by the CLI itself.
const fs::path& demoDir() {
  static fs::path dir = [] {
    fs::path d = stamp::test::scratchDir("cli-demo") / "demo";
    std::string out;
    EXPECT_EQ(runStamp("demo-data --out " + shellQuote(d.string()) + " --width 2400 --height 2000 --seed 5", &out), 0) << out;
    return d;
  }();
  return dir;
}

}  // namespace

TEST(Cli, HelpAndUsageErrors) {
  std::string out;
  EXPECT_EQ(runStamp("--help", &out), 0);
  EXPECT_NE(out.find("tokenize"), std::string::npos);
  EXPECT_EQ(runStamp("", &out), 2);
  EXPECT_EQ(runStamp("no-such-command", &out), 2);
  for (const char* cmd : {"info", "tokenize", "embed", "localize", "evaluate", "demo-data"}) {
    EXPECT_EQ(runStamp(std::string(cmd) + " --help", &out), 0) << cmd;
    EXPECT_NE(out.find("usage: stamp"), std::string::npos) << cmd;
  }
  EXPECT_EQ(runStamp("tokenize --st x", &out), 2);  // missing required options
  EXPECT_NE(out.find("missing --vocab"), std::string::npos);
  EXPECT_EQ(runStamp("info a b", &out), 2);
  EXPECT_EQ(runStamp("tokenize --st x --vocab y --out z --max-len abc", &out), 1);
}

TEST(Cli, FailuresNameTheFileOnOneLine) {
  std::string out;
  EXPECT_EQ(runStamp("info /no/such/slide.svs", &out), 1);
  EXPECT_NE(out.find("/no/such/slide.svs"), std::string::npos);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  fs::path dir = stamp::test::scratchDir("cli-bad");
  std::ofstream(dir / "bad.h5ad") << "garbage";
  EXPECT_EQ(runStamp("info " + shellQuote((dir / "bad.h5ad").string()), &out), 1);
  EXPECT_NE(out.find("bad.h5ad"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Cli, InfoDescribesSlidesAndSamplesAsJson) {
  std::string out;
  ASSERT_EQ(runStamp("info --json " + shellQuote((demoDir() / "demo.tif").string()), &out), 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["format"], "openslide:generic-tiff");
  EXPECT_NEAR(j["mpp"].get<double>(), 0.5, 1e-6);
  EXPECT_GE(j["levels"].size(), 2u);
  ASSERT_EQ(runStamp("info --json " + shellQuote((demoDir() / "outs").string()), &out), 0) << out;
  j = nlohmann::json::parse(out);
  EXPECT_EQ(j["kind"], "spatial");
  EXPECT_GT(j["spots"].get<int>(), 10);
  EXPECT_GE(j["genes"].get<int>(), 300);
}

TEST(Cli, TokenizeWritesOneRowPerSpot) {
  STAMP_REQUIRE_DATA("stamp-vocab/model.h5ad");
  fs::path out = stamp::test::scratchDir("cli-tok") / "t.safetensors";
  std::string log;
  ASSERT_EQ(runStamp("tokenize --st " + shellQuote((demoDir() / "outs").string()) + " --vocab " +
                      shellQuote(dataPath.parent_path().string()) + " --out " + shellQuote(out.string()) +
                      " --max-len 512", &log), 0) << log;
  auto f = stamp::core::readSafetensors(out.string());
  ASSERT_TRUE(f.ok()) << f.error().describe();
  const auto& t = f->tensors.at("tokens");
  EXPECT_EQ(t.dtype, "I64");
  ASSERT_EQ(t.shape.size(), 2u);
  EXPECT_EQ(t.shape[1], 512);
  EXPECT_EQ(f->metadata.at("spots"), std::to_string(t.shape[0]));
  std::int64_t first;
  std::memcpy(&first, t.bytes.data(), 8);
  EXPECT_GE(first, 30);  // the top-ranked gene of spot 0 is a gene token
}

TEST(Cli, EmbedAndLocalizeWithReferenceWeights) {
  if (!stamp::test::pythonHas("torch, anndata")) GTEST_SKIP() << "/usr/bin/python3 lacks torch/anndata";
  fs::path dir = stamp::test::scratchDir("cli-embed");
  std::string log;
  const std::string ref = (stamp::test::sourceDir().parent_path() / "shared/reference/stamp_ref.py").string();
  if (!fs::exists(ref)) GTEST_SKIP() << "reference implementation not found: " << ref;
  ASSERT_EQ(runCommand("/usr/bin/python3 " + shellQuote(ref) + " fixture --preset tiny --out " + shellQuote(dir.string()), &log), 0) << log;
  const std::string weights = shellQuote((dir / "model.pt").string());
  ASSERT_EQ(runStamp("embed --st " + shellQuote((demoDir() / "outs").string()) + " --weights " + weights +
                      " --image-only --out " + shellQuote((dir / "e.h5ad").string()), &log), 0) << log;
  std::string py = "import anndata, numpy as np; a = anndata.read_h5ad('" + (dir / "e.h5ad").string() +
                   "'); x = a.obsm['X_stamp_image']; assert x.shape == (a.n_obs, 32), x.shape; "
                   "assert not np.isnan(x).any(); assert len(a.uns['stamp']['weights_sha256']) == 64; print(a.n_obs)";
  ASSERT_EQ(runCommand("/usr/bin/python3 -c " + shellQuote(py), &log), 0) << log;
  ASSERT_EQ(runStamp("localize --slide " + shellQuote((demoDir() / "demo.tif").string()) + " --weights " + weights +
                      " --ref-xy 1200,1000 --out " + shellQuote((dir / "loc.json").string()), &log), 0) << log;
  auto j = nlohmann::json::parse(std::ifstream(dir / "loc.json"));
  ASSERT_EQ(j["probabilities"].size(), 9u);
  double sum = 0;
  for (double p : j["probabilities"]) sum += p;
  EXPECT_NEAR(sum, 1.0, 1e-4);
  ASSERT_EQ(runStamp("localize --slide " + shellQuote((demoDir() / "demo.tif").string()) + " --weights " + weights +
                      " --ref-xy 1200,1000 --search 400,300,1300 --out " + shellQuote((dir / "heat.png").string()), &log), 0) << log;
  EXPECT_TRUE(fs::exists(dir / "heat.png"));
  auto geo = nlohmann::json::parse(std::ifstream(dir / "heat.png.geojson"));
  EXPECT_EQ(geo["type"], "FeatureCollection");
  EXPECT_EQ(geo["features"][0]["properties"]["classification"]["name"], "Localization hit");
  EXPECT_EQ(runStamp("localize --slide x --weights y --out z", &log), 2);  // no reference given
  fs::remove_all(dir);
}

TEST(Cli, RunTensorsTakesADeviceAndAPrecision) {
  if (!stamp::test::pythonHas("torch, numpy")) GTEST_SKIP() << "/usr/bin/python3 lacks torch";
  const std::string ref = (stamp::test::sourceDir().parent_path() / "shared/reference/stamp_ref.py").string();
  if (!fs::exists(ref)) GTEST_SKIP() << "reference implementation not found: " << ref;
  fs::path dir = stamp::test::scratchDir("cli-run-tensors");
  std::string log;
  ASSERT_EQ(runCommand("/usr/bin/python3 " + shellQuote(ref) + " fixture --preset tiny --out " + shellQuote(dir.string()), &log), 0) << log;
  const std::string base = "run-tensors --weights " + shellQuote((dir / "model.pt").string()) + " --inputs " +
                           shellQuote((dir / "fixture.safetensors").string()) + " --out ";
  const std::string fixture = shellQuote((dir / "fixture.safetensors").string());
  // The fixture holds the reference's outputs too: fp32 matches them at 1e-4, bf16 does not...
  ASSERT_EQ(runStamp(base + shellQuote((dir / "fp32.safetensors").string()) + " --expect " + fixture, &log), 0) << log;
  EXPECT_NE(log.find("parity with"), std::string::npos) << log;
  EXPECT_NE(log.find(": ok ("), std::string::npos) << log;
  const fs::path out = dir / "bf16.safetensors";
  EXPECT_EQ(runStamp(base + shellQuote(out.string()) + " --device cpu --precision bf16 --expect " + fixture, &log), 1) << log;
  EXPECT_NE(log.find("BEYOND TOLERANCE"), std::string::npos) << log;
  EXPECT_TRUE(fs::exists(out));
  // ...but stays within a few percent of them.
  EXPECT_EQ(runStamp(base + shellQuote(out.string()) + " --precision bf16 --expect " + fixture + " --rtol 0.05", &log), 0) << log;
  EXPECT_EQ(runStamp(base + shellQuote((dir / "x.safetensors").string()) + " --precision fp16", &log), 1);
  EXPECT_NE(log.find("fp16 autocast needs a CUDA device"), std::string::npos) << log;
  EXPECT_EQ(runStamp(base + shellQuote((dir / "x.safetensors").string()) + " --precision fp8", &log), 1);
  EXPECT_NE(log.find("precision must be fp32, bf16 or fp16"), std::string::npos) << log;
  // Where this build sees no GPU, asking for one names the problem rather than running on the
  // CPU in silence (with one, the run succeeds and is removed below).
  if (runStamp(base + shellQuote((dir / "cuda.safetensors").string()) + " --device cuda", &log) != 0) {
    EXPECT_NE(log.find("sees no CUDA device"), std::string::npos) << log;
  }
  EXPECT_FALSE(fs::exists(dir / "x.safetensors"));  // no partial output from a refused run
  fs::remove_all(dir);
}

TEST(Cli, EmbedRealVisiumOnItsLowresImage) {
  STAMP_REQUIRE_DATA("visium/human-heart-v1-subset");
  if (!stamp::test::pythonHas("torch, anndata")) GTEST_SKIP() << "/usr/bin/python3 lacks torch/anndata";
  const std::string ref = (stamp::test::sourceDir().parent_path() / "shared/reference/stamp_ref.py").string();
  fs::path dir = stamp::test::scratchDir("cli-heart");
  std::string log;
  ASSERT_EQ(runCommand("/usr/bin/python3 " + shellQuote(ref) + " fixture --preset tiny --out " + shellQuote(dir.string()), &log), 0) << log;
  // No full-resolution slide: the lowres PNG with its scale factor, the pixel size from the
  // 55 um spot diameter.
  ASSERT_EQ(runStamp("embed --st " + shellQuote(dataPath.string()) + " --weights " + shellQuote((dir / "model.safetensors").string()) +
                         " --image-only --out " + shellQuote((dir / "heart.h5ad").string()), &log), 0) << log;
  std::string py = "import anndata, numpy as np; a = anndata.read_h5ad('" + (dir / "heart.h5ad").string() +
                   "'); x = a.obsm['X_stamp_image']; assert a.n_obs == 100 and a.n_vars == 100, a; "
                   "assert not np.isnan(x).any(); assert (a.obs['stamp_image_valid'] > 0).sum() > 50";
  ASSERT_EQ(runCommand("/usr/bin/python3 -c " + shellQuote(py), &log), 0) << log;
  fs::remove_all(dir);
}
