#pragma once
/// The torch side of training, shared by the trainer, the pre-trainer and their tests.
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "data/loader.h"
#include "engine/train_config.h"
#include "model/stamp_model.h"

namespace stamp::core::engine {

/// Marks parameters trainable per `scope` (requires_grad) and returns the trainable ones in
/// named_parameters() order. Error when the scope selects nothing.
Result<std::vector<torch::Tensor>> selectTrainable(model::Stamp& m, TrainScope scope, int lastBlocks);

struct BatchTensors {
  torch::Tensor tokens, patches, regions, refs, labels;  // labels: -100 where no cell fits
};
BatchTensors toTensors(const data::PairBatch& b, const torch::Device& dev);

/// The four alignment terms; positioning leaves out rows without a cell (label -100) and is 0
/// when no row has one. `total` is recomputed accordingly.
model::AlignmentLosses alignmentLosses(model::Stamp& m, const BatchTensors& t);

struct GroupTensors {
  torch::Tensor tokens, masked, targets;
};
GroupTensors toTensors(const data::GroupBatch& b, const torch::Device& dev);

}  // namespace stamp::core::engine
