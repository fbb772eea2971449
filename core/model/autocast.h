#pragma once
/// Autocast for a scope, on the device the model runs on, over the LibTorch versions we build
/// against: 1.13 (Debian) has per-device functions (set_enabled / set_cpu_enabled), 2.4 and later
/// take the device type and deprecate the old ones.
#include <torch/torch.h>

#include "model/precision.h"

namespace stamp::core::model {

/// Unsupported when `device` cannot autocast to `p`: fp16 needs CUDA (CPU autocast is bf16).
Status checkPrecision(const torch::Device& device, Precision p);

/// Turns autocast to `p` on for this thread's work on `device` and restores
/// the previous state on exit, also when the scope is left by an exception; the outermost scope
/// clears the cache of cast weights, as `torch.autocast` does. Fp32 changes nothing (it does not
/// turn off an enclosing scope's autocast). Callers check `p` against the device first
/// (checkPrecision).
class AutocastScope {
 public:
  AutocastScope(const torch::Device& device, Precision p);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  c10::DeviceType type_ = c10::DeviceType::CPU;
  bool active_ = false, wasEnabled_ = false;
  at::ScalarType oldDtype_ = at::kFloat;
};

/// Whether autocast is on (CPU or CUDA) on this thread.
bool autocastActive();

}  // namespace stamp::core::model
