#pragma once
// The torch side of ModelHandle; only engine .cpp files include it.
#include <torch/torch.h>

#include "engine/model_handle.h"
#include "model/autocast.h"
#include "model/stamp_model.h"

namespace stamp::core::engine {

struct ModelHandle::Impl {
  model::Stamp module{nullptr};
  model::StampConfig config;
  torch::Device device{torch::kCPU};
  std::string deviceName = "cpu";
  model::Precision precision = model::Precision::Fp32;
  std::string weightsPath;
  std::string sha256;
  mutable std::mutex mutex;
};

/// The error of a forward pass that threw (out of GPU memory, an op the precision lacks), naming
/// the device and precision.
Error forwardFailed(const ModelHandle::Impl& impl, const std::exception& e);
/// Numerical, naming `what`, when `t` holds NaN or Inf (at fp16 the range can overflow: the
/// message then suggests bf16 or fp32).
Status checkFinite(const ModelHandle::Impl& impl, const torch::Tensor& t, const std::string& what);

/// What every inference pass over a handle's module holds: the module to itself, no autograd,
/// eval mode, and autocast to the handle's precision.
class InferencePass {
 public:
  explicit InferencePass(ModelHandle::Impl& impl) : lock_(impl.mutex), autocast_(impl.device, impl.precision) {
    impl.module->eval();
  }

 private:
  std::lock_guard<std::mutex> lock_;
  c10::InferenceMode guard_;
  model::AutocastScope autocast_;
};

/// `forward(impl)` in an InferencePass, its tensor brought to the CPU as float32: an error when
/// it throws or holds NaN/Inf (`what` names it), never a silent bad value.
template <typename Forward>
Result<torch::Tensor> inferOnCpu(ModelHandle::Impl& impl, const std::string& what, Forward forward) {
  try {
    InferencePass pass(impl);
    torch::Tensor t = forward(impl).to(torch::kCPU, torch::kFloat32).contiguous();
    STAMP_CHECK(checkFinite(impl, t, what));
    return t;
  } catch (const std::exception& e) {
    return forwardFailed(impl, e);
  }
}

}  // namespace stamp::core::engine
