#pragma once
// Helpers for the model unit tests: running small Python scripts that write test files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "model/model_runner.h"
#include "test_support.h"

namespace stamp::test {

/// Writes `script` to dir/name.py and runs it with /usr/bin/python3 in `dir`; returns the exit
/// status, output in `log`.
inline int runPython(const std::filesystem::path& dir, const std::string& name, const std::string& script,
                     std::string* log) {
  std::filesystem::path py = dir / (name + ".py");
  std::ofstream(py) << script;
  return runCommand("cd " + shellQuote(dir.string()) + " && /usr/bin/python3 " + shellQuote(py.string()), log);
}

/// Random inputs of every kind runTensors takes, for `b` spots of the tiny model (seeded).
inline core::model::NamedTensors tinyInputs(std::int64_t b) {
  torch::manual_seed(3);
  const core::model::StampConfig c = core::model::presetTiny();
  core::model::NamedTensors in;
  in["tokens"] = torch::randint(30, c.nTokens(), {b, c.context}, torch::kLong);
  in["images"] = torch::randn({b, 3, 224, 224});
  in["regions"] = torch::randn({b, 3, 224, 224});
  in["refs"] = torch::randn({b, 3, 16, 16});
  in["pos_labels"] = torch::randint(0, 9, {b}, torch::kLong);
  return in;
}

}  // namespace stamp::test

#define STAMP_REQUIRE_PYTORCH()                                                              \
  if (!::stamp::test::pythonHas("torch, numpy"))                                              \
  GTEST_SKIP() << "/usr/bin/python3 with torch and numpy is needed to write PyTorch test files"
