#pragma once
/// Headless STAMP training: alignment fine-tuning (four-term loss, STAMP-SPEC §4) and gene-
/// encoder pre-training (MLM + spatial loss, §2), on one process or many (torchrun/SLURM
/// environment, c10d Gloo/NCCL). Torch-free header for the CLI and the GUI.
#include <cstdint>
#include <functional>
#include <string>

#include "common/progress.h"
#include "common/result.h"
#include "engine/distributed.h"
#include "engine/metrics.h"
#include "engine/train_config.h"

namespace stamp::core::engine {

struct TrainHooks {
  /// "training" phase over the run's steps; its CancelToken stops the run after the step in
  /// progress (a checkpoint is written first).
  ProgressReporter* progress = nullptr;
  MetricsCallback onMetrics;                          // every logged and validation row (rank 0)
  /// On resume (rank 0), before any new row: the rows logged up to the checkpoint, so that a
  /// viewer shows the whole run's curves, not only what comes after the restart.
  std::function<void(const std::vector<MetricsRow>&)> onHistory;
  std::function<void(const std::string&)> onMessage;  // notices (e.g. fp32 fallback), rank 0
  /// Tests: return right after this step without a final checkpoint, as if the process died.
  std::int64_t haltAfterStep = -1;
};

struct TrainSummary {
  std::int64_t step = 0;        // optimiser steps done
  bool cancelled = false;
  bool resumedFrom = false;
  std::int64_t resumeStep = 0;
  std::string finalWeights;     // <output>/model.safetensors when the run completed
  MetricsRow lastValidation;
  std::size_t trainSpots = 0, valSpots = 0;
  int worldSize = 1;
};

/// Runs (or, with `resume`, continues from <output>/latest.json) the run `c` describes, as rank
/// `env.rank` of `env.worldSize`. Errors: bad inputs (named), NaN/exploding loss (Numerical; the
/// last checkpoint stays intact), communication failures.
Result<TrainSummary> runTraining(const TrainConfig& c, const DistEnv& env, bool resume, const TrainHooks& hooks = {});

/// The learning rate of optimiser step `step` (0-based): linear warm-up from lr/warmup to lr,
/// then cosine from lr down to min_lr at the last step.
double learningRate(const TrainConfig& c, std::int64_t step);

}  // namespace stamp::core::engine
