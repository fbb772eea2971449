#pragma once
/// Reading and writing weight files: torch.save zip archives (own zip reader + restricted
/// unpickler, never executes anything) and safetensors. Floating tensors are returned as float32.
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "common/result.h"

namespace stamp::core::model {

/// Named tensors in file order (names as stored, before any prefix handling).
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

struct WeightsFile {
  StateDict tensors;  // float16/bfloat16/float64 converted to float32; integer dtypes kept
  std::map<std::string, std::string> metadata;  // safetensors "__metadata__"
  std::vector<std::string> skipped;  // non-tensor values of a pickled dict (e.g. an epoch number)
  std::string format;                // "torch.save" or "safetensors"
};

/// A torch.save zip archive holding a state_dict: a dict or OrderedDict of tensors, possibly
/// wrapped as {'state_dict': ...} or {'model': ...}. Legacy (pre-1.6, non-zip) files are refused.
Result<WeightsFile> readTorchSave(const std::filesystem::path& path);
/// A safetensors file; the header is fully validated before any tensor is read.
Result<WeightsFile> readSafetensors(const std::filesystem::path& path);
/// Either format, recognised by content (zip magic or not).
Result<WeightsFile> readWeights(const std::filesystem::path& path);

/// Writes a torch.save-compatible archive (OrderedDict, protocol 2) that torch.load reads.
Status writeTorchSave(const std::filesystem::path& path, const StateDict& tensors);
/// Writes safetensors with optional string metadata.
Status writeSafetensors(const std::filesystem::path& path, const StateDict& tensors,
                        const std::map<std::string, std::string>& metadata = {});
/// By extension: ".safetensors" or ".pt"/".pth"/".bin"; InvalidArgument otherwise.
Status writeWeights(const std::filesystem::path& path, const StateDict& tensors,
                    const std::map<std::string, std::string>& metadata = {});

/// The safetensors dtype name ("F32", "BF16", ...) of a scalar type; empty when unsupported.
std::string safetensorsDtypeName(torch::ScalarType t);

}  // namespace stamp::core::model
