#include "parity_support.h"

#include <gtest/gtest.h>

#include <set>

#include "test_support.h"

namespace stamp::test {
namespace fs = std::filesystem;

static const std::set<std::string> kInputs = {"tokens", "images", "regions", "refs", "pos_labels",
                                              "pretrain_groups", "pretrain_masked", "pretrain_mlm_targets"};

fs::path referenceScript() { return sourceDir().parent_path() / "shared" / "reference" / "stamp_ref.py"; }

bool referenceAvailable() { return fs::exists(referenceScript()) && pythonHas("torch, numpy"); }

bool makeReferenceFixture(const fs::path& dir, const std::string& preset, int seed, int batch, std::string* log) {
  std::string cmd = "/usr/bin/python3 " + shellQuote(referenceScript().string()) + " fixture --preset " + preset +
                    " --out " + shellQuote(dir.string()) + " --seed " + std::to_string(seed) + " --batch " +
                    std::to_string(batch);
  return runCommand(cmd, log) == 0;
}

core::model::NamedTensors fixtureInputs(const core::model::NamedTensors& fixture) {
  core::model::NamedTensors in;
  for (const auto& [k, v] : fixture)
    if (kInputs.count(k)) in[k] = v;
  return in;
}

void expectOutputsMatch(const core::model::NamedTensors& fixture, const core::model::NamedTensors& ours,
                        const std::string& what) {
  int compared = 0;
  for (const auto& [name, ref] : fixture) {
    if (kInputs.count(name)) continue;
    auto it = ours.find(name);
    if (it == ours.end()) {
      ADD_FAILURE() << what << ": output '" << name << "' missing";
      continue;
    }
    const torch::Tensor& got = it->second;
    ASSERT_EQ(got.sizes(), ref.sizes()) << what << ": shape of " << name;
    double diff = (got - ref).abs().max().item<double>();
    bool loss = name.rfind("loss", 0) == 0 || name.rfind("pretrain", 0) == 0;
    // Relative to the tensor's scale: embeddings hold values near zero whose elementwise
    // relative error is meaningless, so the bound is 1e-4 of the largest magnitude.
    double bound = loss ? 1e-5 : 1e-4 * std::max(1e-6, ref.abs().max().item<double>());
    EXPECT_LE(diff, bound) << what << ": " << name << " differs by " << diff;
    ++compared;
  }
  EXPECT_GE(compared, 12) << what << ": fewer reference outputs than expected";
}

}  // namespace stamp::test
