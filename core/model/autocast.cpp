#include "model/autocast.h"

#include <ATen/autocast_mode.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
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

#if defined(__x86_64__)
namespace {
// CPUID leaf 7: AVX512_BF16 is subleaf 1's EAX bit 5, AMX-BF16 subleaf 0's EDX bit 22; the OS
// must also save their register state (XCR0: AVX-512 bits 1, 2, 5-7; AMX tiles bits 17-18).
bool detectBf16() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return false;  // no OSXSAVE
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  const bool avx512State = (lo & 0xE6u) == 0xE6u, amxState = (lo & (3u << 17)) == (3u << 17);
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool amx = d & (1u << 22);
  const bool avx512bf16 = __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5));
  return (avx512bf16 && avx512State) || (amx && amxState);
}
}  // namespace
#endif

bool cpuComputesBf16() {
#if defined(__x86_64__)
  static const bool has = detectBf16();  // once, whichever thread asks first
  return has;
#else
  return false;
#endif
}

bool autocastActive() { return enabled(c10::DeviceType::CPU) || enabled(c10::DeviceType::CUDA); }

}  // namespace stamp::core::model
