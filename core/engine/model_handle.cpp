#include "engine/model_handle.h"

#include "common/sha256.h"
#include "engine/model_handle_impl.h"
#include "model/model_runner.h"

namespace stamp::core::engine {

bool cudaAvailable() { return torch::cuda::is_available(); }

Result<std::string> resolveDevice(const std::string& requested) {
  if (requested.empty() || requested == "cpu") return std::string("cpu");
  if (requested.rfind("cuda", 0) != 0)
    return makeError(ErrorCode::InvalidArgument, "device must be 'cpu', 'cuda' or 'cuda:N', got '" + requested + "'");
  if (!cudaAvailable())
    return makeError(ErrorCode::Unsupported, "device '" + requested + "' asked for, but this LibTorch build sees no CUDA device; use --device cpu");
  try {
    torch::Device d(requested);
    if (d.has_index() && std::size_t(d.index()) >= torch::cuda::device_count())
      return makeError(ErrorCode::InvalidArgument, "no such CUDA device: " + requested);
  } catch (const std::exception&) {
    return makeError(ErrorCode::InvalidArgument, "cannot parse device '" + requested + "'");
  }
  return requested;
}

ModelHandle::ModelHandle(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ModelHandle::~ModelHandle() = default;
const model::StampConfig& ModelHandle::config() const { return impl_->config; }
const std::string& ModelHandle::device() const { return impl_->deviceName; }
const std::string& ModelHandle::weightsPath() const { return impl_->weightsPath; }
const std::string& ModelHandle::sha256() const { return impl_->sha256; }
std::mutex& ModelHandle::mutex() const { return impl_->mutex; }
model::Precision ModelHandle::precision() const { return impl_->precision; }

Status ModelHandle::setPrecision(model::Precision p) {
  STAMP_CHECK(model::checkPrecision(impl_->device, p));
  std::lock_guard lock(impl_->mutex);  // not while a pass runs
  impl_->precision = p;
  return {};
}

Error forwardFailed(const ModelHandle::Impl& impl, const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  return makeError(ErrorCode::Internal, std::string("the model's forward pass failed (") +
                   model::precisionName(impl.precision) + " on " + impl.deviceName +
                   "): " + (c10 ? c10->what_without_backtrace() : e.what()));
}

Status checkFinite(const ModelHandle::Impl& impl, const torch::Tensor& t, const std::string& what) {
  if (torch::isfinite(t).all().item<bool>()) return {};
  return makeError(ErrorCode::Numerical, what + " is not finite (NaN or Inf) at " + model::precisionName(impl.precision) +
                   (impl.precision == model::Precision::Fp16 ? "; fp16's range overflowed: use bf16 or fp32" : ""));
}

Result<std::shared_ptr<ModelHandle>> ModelHandle::fromFiles(const std::string& weightsPath,
                                                            const std::optional<std::string>& configPath,
                                                            const std::optional<std::string>& preset,
                                                            const std::string& device, bool partial) {
  STAMP_ASSIGN(std::string dev, resolveDevice(device));
  STAMP_ASSIGN(model::WeightsFile weights, model::readWeights(weightsPath));
  model::StampConfig config;
  if (preset) {
    STAMP_ASSIGN(config, model::presetByName(*preset));
  } else {
    std::optional<std::filesystem::path> cfg;
    if (configPath) cfg = *configPath;
    STAMP_ASSIGN(config, model::resolveConfig(weightsPath, weights, cfg));
  }
  model::LoadOptions opt;
  opt.partial = partial;
  model::Stamp module(config);
  STAMP_ASSIGN(model::LoadReport report, model::loadStateDict(module, weights.tensors, opt));
  (void)report;
  STAMP_ASSIGN(std::string digest, sha256File(weightsPath));
  auto impl = std::make_unique<Impl>();
  impl->module = module;
  impl->config = config;
  impl->device = torch::Device(dev);
  impl->deviceName = dev;
  impl->weightsPath = weightsPath;
  impl->sha256 = digest;
  impl->module->to(impl->device);
  impl->module->eval();
  return std::shared_ptr<ModelHandle>(new ModelHandle(std::move(impl)));
}

Result<std::shared_ptr<ModelHandle>> ModelHandle::fromConfig(const model::StampConfig& config,
                                                             std::uint64_t seed, const std::string& device) {
  STAMP_CHECK(model::validateConfig(config));
  STAMP_ASSIGN(std::string dev, resolveDevice(device));
  auto impl = std::make_unique<Impl>();
  torch::manual_seed(seed);
  impl->module = model::Stamp(config);
  impl->config = config;
  impl->device = torch::Device(dev);
  impl->deviceName = dev;
  impl->sha256 = "untrained:" + std::to_string(seed);
  impl->module->to(impl->device);
  impl->module->eval();
  return std::shared_ptr<ModelHandle>(new ModelHandle(std::move(impl)));
}

}  // namespace stamp::core::engine
