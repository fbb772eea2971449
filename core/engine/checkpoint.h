#pragma once
/// Training checkpoints: everything a killed run needs to continue as if never stopped.
///
/// Layout under the run folder:
///   checkpoints/step-00000100/model.safetensors  weights (metadata stamp_config) - loadable by
///                             config.json        ModelHandle::fromFiles and `stamp embed`
///                             optimizer.pt       AdamW moments (LibTorch archive)
///                             state.json         step, seed, loss statistics, corpus position
///                             rng.pt             LibTorch's CPU generator state
///   latest.json                                  {"step": N, "dir": "checkpoints/step-..."}
/// A checkpoint folder is written under a temporary name and renamed when complete; latest.json
/// is replaced atomically afterwards, so a kill at any moment leaves the previous one usable.
#include <cstdint>
#include <filesystem>
#include <optional>

#include <torch/torch.h>

#include "common/result.h"
#include "model/stamp_model.h"

namespace stamp::core::engine {

struct TrainState {
  std::int64_t step = 0;     // optimiser steps done (the data position follows from it)
  std::uint64_t seed = 0;
  double lossEma = 0;        // running mean of the total loss (explosion guard)
  std::int64_t lossCount = 0;
  /// Data-order state of a streamed corpus: where its reader stands after the last micro-batch
  /// of `step` (epoch, batch in the epoch) and the corpus rows it was read from. -1: not streamed
  /// (sample runs derive their order from `step` alone).
  std::int64_t dataEpoch = -1, dataBatch = -1, dataRows = 0;
};

/// Writes checkpoint `state.step` and points latest.json at it; keeps the newest `keep`.
Status saveCheckpoint(const std::filesystem::path& runDir, model::Stamp& model, torch::optim::Optimizer& opt,
                      const TrainState& state, int keep);
/// The folder latest.json names; NotFound when the run has none.
Result<std::filesystem::path> latestCheckpoint(const std::filesystem::path& runDir);
/// Restores weights, optimiser moments, state and RNG from a checkpoint folder.
Result<TrainState> loadCheckpoint(const std::filesystem::path& dir, model::Stamp& model, torch::optim::Optimizer& opt);
/// Writes weights (safetensors with stamp_config metadata) and config.json beside them.
Status writeModelFiles(const std::filesystem::path& weightsPath, model::Stamp& model);

}  // namespace stamp::core::engine
