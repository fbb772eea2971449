#pragma once
// Shared steps of the parity tests: generating reference fixtures and comparing outputs.
#include <filesystem>
#include <string>

#include "model/model_runner.h"

namespace stamp::test {

/// Runs stamp_ref.py fixture into `dir`; returns false (with the output in `log`) on failure.
bool makeReferenceFixture(const std::filesystem::path& dir, const std::string& preset, int seed, int batch,
                          std::string* log);
/// Whether /usr/bin/python3 has torch and numpy and the reference script exists.
bool referenceAvailable();
std::filesystem::path referenceScript();

/// EXPECTs every reference output of `fixture` to be in `ours`: losses (names starting with
/// "loss" or "pretrain") within 1e-5 absolute, everything else element-wise within 1e-4
/// relative to |ref| + mean|ref| (so that entries near zero are judged at the tensor's scale).
void expectOutputsMatch(const core::model::NamedTensors& fixture, const core::model::NamedTensors& ours,
                        const std::string& what);

/// The input tensors of a fixture (everything that is not a reference output).
core::model::NamedTensors fixtureInputs(const core::model::NamedTensors& fixture);

}  // namespace stamp::test
