#pragma once
/// A loaded STAMP model on a device, shareable across threads, with its provenance. Torch-free
/// header: app controllers hold models without compiling LibTorch.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/result.h"
#include "model/config.h"
#include "model/precision.h"

namespace stamp::core::engine {

/// "cpu", "cuda", "cuda:N" -> validated device string; Unsupported when CUDA is not available.
Result<std::string> resolveDevice(const std::string& requested);
/// Whether this LibTorch build sees a CUDA device.
bool cudaAvailable();

class ModelHandle {
 public:
  struct Impl;  // holds the torch module; defined in engine/model_handle_impl.h
  ~ModelHandle();

  /// Weights (.pt/.safetensors) with the config of `preset`, else from `configPath`, the file's
  /// metadata or a config.json beside it. `partial` loads what fits (e.g. a bare UNI backbone).
  static Result<std::shared_ptr<ModelHandle>> fromFiles(const std::string& weightsPath,
                                                        const std::optional<std::string>& configPath,
                                                        const std::optional<std::string>& preset = std::nullopt,
                                                        const std::string& device = "cpu",
                                                        bool partial = false);
  /// A freshly initialised model of a configuration (for fine-tuning from scratch); seeded.
  static Result<std::shared_ptr<ModelHandle>> fromConfig(const model::StampConfig& config,
                                                         std::uint64_t seed = 0,
                                                         const std::string& device = "cpu");

  const model::StampConfig& config() const;
  const std::string& device() const;
  /// The precision of its forward passes for inference (embeddings, queries, localization):
  /// fp32 (the default), or autocast to bf16 / fp16. Unsupported where the device cannot (fp16
  /// on the CPU). Set it before handing the model to workers. Training keeps its own setting.
  Status setPrecision(model::Precision p);
  model::Precision precision() const;
  /// The weights file and its SHA-256 ("" and "untrained:<seed>" for fromConfig models).
  const std::string& weightsPath() const;
  const std::string& sha256() const;
  /// Serialises use of the module (inference and training may not interleave on one model).
  std::mutex& mutex() const;
  Impl& impl() const { return *impl_; }

 private:
  explicit ModelHandle(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stamp::core::engine
