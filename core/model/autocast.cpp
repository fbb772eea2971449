#include "model/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace stamp::core::model {

namespace {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool enabled(c10::DeviceType t) { return at::autocast::is_autocast_enabled(t); }
void setEnabled(c10::DeviceType t, bool on) { at::autocast::set_autocast_enabled(t, on); }
at::ScalarType dtypeOf(c10::DeviceType t) { return at::autocast::get_autocast_dtype(t); }
void setDtype(c10::DeviceType t, at::ScalarType s) { at::autocast::set_autocast_dtype(t, s); }
#else
bool cuda(c10::DeviceType t) { return t == c10::DeviceType::CUDA; }
bool enabled(c10::DeviceType t) { return cuda(t) ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
void setEnabled(c10::DeviceType t, bool on) {
  if (cuda(t)) at::autocast::set_enabled(on);
  else at::autocast::set_cpu_enabled(on);
}
at::ScalarType dtypeOf(c10::DeviceType t) {
  return cuda(t) ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void setDtype(c10::DeviceType t, at::ScalarType s) {
  if (cuda(t)) at::autocast::set_autocast_gpu_dtype(s);
  else at::autocast::set_autocast_cpu_dtype(s);
}
#endif

}  // namespace

Result<Precision> parsePrecision(const std::string& name) {
  if (name == "fp32" || name == "float32") return Precision::Fp32;
  if (name == "bf16" || name == "bfloat16") return Precision::Bf16;
  if (name == "fp16" || name == "float16") return Precision::Fp16;
  return makeError(ErrorCode::InvalidArgument, "precision must be fp32, bf16 or fp16, got '" + name + "'");
}

const char* precisionName(Precision p) {
  switch (p) {
    case Precision::Bf16: return "bf16";
    case Precision::Fp16: return "fp16";
    default: return "fp32";
  }
}

Status checkPrecision(const torch::Device& device, Precision p) {
  if (p == Precision::Fp16 && !device.is_cuda())
    return makeError(ErrorCode::Unsupported, "fp16 autocast needs a CUDA device; on " + device.str() +
                     " use bf16 or fp32");
  if (p != Precision::Fp32 && !device.is_cuda() && !device.is_cpu())
    return makeError(ErrorCode::Unsupported, std::string(precisionName(p)) + " autocast is not supported on " + device.str());
  return {};
}

AutocastScope::AutocastScope(const torch::Device& device, Precision p) : type_(device.type()) {
  if (p == Precision::Fp32) return;
  active_ = true;
  wasEnabled_ = enabled(type_);
  oldDtype_ = dtypeOf(type_);
  setEnabled(type_, true);
  setDtype(type_, p == Precision::Bf16 ? at::kBFloat16 : at::kHalf);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  setEnabled(type_, wasEnabled_);
  setDtype(type_, oldDtype_);
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
}

bool cpuComputesBf16() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
#else
  return false;
#endif
}

bool autocastActive() { return enabled(c10::DeviceType::CPU) || enabled(c10::DeviceType::CUDA); }

}  // namespace stamp::core::model
