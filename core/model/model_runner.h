#pragma once
/// Building a ready model from files (weights + config resolution) and running it on a named
/// set of tensors (the parity fixture's inputs), as `stamp run-tensors` does.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "model/load_weights.h"
#include "model/precision.h"

namespace stamp::core::model {

using NamedTensors = std::map<std::string, torch::Tensor>;

/// The model configuration for a weights file: `explicitConfig` if given, else the
/// safetensors metadata ("stamp_config" JSON, or "preset"), else config.json beside the weights;
/// NotFound with what was tried otherwise.
Result<StampConfig> resolveConfig(const std::filesystem::path& weightsPath, const WeightsFile& weights,
                                  const std::optional<std::filesystem::path>& explicitConfig);

struct LoadedModel {
  Stamp model{nullptr};
  StampConfig config;
  LoadReport report;
};

/// Reads the weights, resolves the config, builds the model in eval mode and loads it.
Result<LoadedModel> loadModel(const std::filesystem::path& weightsPath,
                              const std::optional<std::filesystem::path>& configPath = std::nullopt,
                              const LoadOptions& options = {});

/// Runs every computation whose inputs are present:
///  tokens + images           -> gene_features, image_features, gene_emb, image_emb
///  regions + refs            -> loc_logits
///  all of the above + pos_labels -> loss_patch_spot, loss_patch_region, loss_region_spot,
///                               loss_positioning, loss_total (shape [1])
///  pretrain_groups/_masked/_mlm_targets -> pretrain_mlm_loss, pretrain_spatial_loss ([1])
/// Inputs are validated (shapes, token ids, labels) with errors naming the tensor. Spots without
/// an expressed token are reported through `gene_invalid` (1 where invalid; present only when
/// any spot is invalid) and their gene rows are zero. The inputs go to the model's device and
/// run there under `precision` (autocast); outputs come back to the CPU as float32.
Result<NamedTensors> runTensors(Stamp& model, const NamedTensors& inputs, Precision precision = Precision::Fp32);

/// Whether `name` is one of runTensors' input tensors (tokens, images, ..., pretrain_*).
bool isInputName(const std::string& name);

/// One output compared with the reference's tensor of the same name.
struct OutputCheck {
  std::string name;
  bool missing = false;
  bool shapeMatches = true;
  double maxAbsDiff = 0;
  /// Largest |ours - ref| / (|ref| + mean |ref|): relative, with entries near zero held to the
  /// tensor's typical magnitude (fp32 sums in another order differ by ~1e-5 of it).
  double worstRelative = 0;
};

/// Every tensor of `expected` that is not an input, in name order; one that `ours` lacks comes
/// back with `missing` set.
std::vector<OutputCheck> compareOutputs(const NamedTensors& ours, const NamedTensors& expected);

/// Reads a safetensors file of named tensors (floating point as float32, integers as int64).
Result<NamedTensors> readTensorFile(const std::filesystem::path& path);
/// Writes named tensors as safetensors (atomic).
Status writeTensorFile(const std::filesystem::path& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace stamp::core::model
