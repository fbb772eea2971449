#pragma once
// The torch side of ModelHandle; only engine .cpp files include it.
#include <torch/torch.h>

#include "engine/model_handle.h"
#include "model/stamp_model.h"

namespace stamp::core::engine {

struct ModelHandle::Impl {
  model::Stamp module{nullptr};
  model::StampConfig config;
  torch::Device device{torch::kCPU};
  std::string deviceName = "cpu";
  std::string weightsPath;
  std::string sha256;
  mutable std::mutex mutex;
};

}  // namespace stamp::core::engine
