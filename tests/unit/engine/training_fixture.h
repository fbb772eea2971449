#pragma once
// Shared by the training tests: a small demo sample (written once per test binary) and run files.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "demo/demo.h"
#include "engine/train_config.h"
#include "model/weights.h"
#include "test_support.h"

namespace stamp::test {

/// A demo sample of width x height px at 0.5 um/px under the scratch folder (cached per size).
inline std::string demoSample(int width, int height) {
  static std::map<std::pair<int, int>, std::string> made;
  auto key = std::pair{width, height};
  if (made.count(key)) return made[key];
  auto dir = scratchDir("train-demo-" + std::to_string(width) + "x" + std::to_string(height));
  core::demo::DemoOptions o;
  o.seed = 5;
  o.width = width;
  o.height = height;
  o.mpp = 0.5;
  o.threads = 2;
  auto p = core::demo::writeDemoSample((dir / "demo").string(), o);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().describe());
  return made[key] = p.ok() ? p->h5ad : std::string();
}

/// A run file object for the tiny structure with the real vocabulary size.
inline nlohmann::json runJson(const std::string& sample, const std::filesystem::path& vocab, const std::filesystem::path& out) {
  return {{"samples", {{{"st", sample}}}},
          {"vocab", vocab.string()},
          {"model", {{"config", {{"preset", "tiny"}, {"n_genes", 20310}, {"context", 32}}}}},
          {"output", out.string()},
          {"steps", 4},
          {"batch_size", 2},
          {"warmup_steps", 2},
          {"checkpoint_every", 2},
          {"validate_every", 0},
          {"max_val_spots", 16},
          {"workers", 1},
          {"augment", {{"flips", true}, {"rot90", true}, {"colour_jitter", 0.05}}}};
}

inline core::engine::TrainConfig configOf(const nlohmann::json& j) {
  auto c = core::engine::parseTrainConfig(j.dump());
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().describe());
  return c.ok() ? c.value() : core::engine::TrainConfig{};
}

/// Largest absolute difference between two weight files' tensors (same names).
inline double maxWeightDiff(const std::filesystem::path& a, const std::filesystem::path& b) {
  auto wa = core::model::readWeights(a).value(), wb = core::model::readWeights(b).value();
  double d = 0;
  EXPECT_EQ(wa.tensors.size(), wb.tensors.size());
  for (std::size_t i = 0; i < wa.tensors.size() && i < wb.tensors.size(); ++i) {
    EXPECT_EQ(wa.tensors[i].first, wb.tensors[i].first);
    d = std::max(d, (wa.tensors[i].second - wb.tensors[i].second).abs().max().item<double>());
  }
  return d;
}

}  // namespace stamp::test
