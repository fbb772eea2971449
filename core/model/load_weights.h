#pragma once
/// Putting a state dict into a Stamp model, with a report of what did not fit.
#include <string>
#include <vector>

#include "model/stamp_model.h"
#include "model/weights.h"

namespace stamp::core::model {

struct LoadOptions {
  /// Load what fits and keep the rest at its initial values instead of failing.
  bool partial = false;
};

struct ShapeMismatch {
  std::string key;
  std::vector<std::int64_t> expected, found;
};

struct LoadReport {
  std::vector<std::string> loaded;      // model keys filled from the file
  std::vector<std::string> missing;     // model keys the file lacks (an error unless partial)
  std::vector<std::string> unexpected;  // file keys the model does not have (error unless partial)
  std::vector<ShapeMismatch> shapeMismatch;  // error unless partial
  std::vector<std::string> dtypeMismatch;    // integer/bool data for a float parameter (error unless partial)
  /// Model keys left at their initial values by design: an absent spatial_classifier_head or
  /// encoder_layer template, or everything outside the vision backbone for a bare UNI file.
  std::vector<std::string> optionalMissing;
  bool strippedModulePrefix = false;  // keys came with DataParallel's "module." prefix
  bool backboneOnly = false;          // the file was a bare timm/UNI ViT state dict

  bool clean() const { return missing.empty() && unexpected.empty() && shapeMismatch.empty() && dtypeMismatch.empty(); }
  /// A few lines for logs and error messages.
  std::string summary() const;
};

/// Copies the matching tensors into `model` (under NoGradGuard, converted to the parameter's
/// dtype and device). Handles the "module." prefix and bare UNI ViT files (keys without the
/// `visual_backbone.base_model.` prefix). Fails with Mismatch, naming keys, when anything does
/// not fit and options.partial is false; in that case the model is left unchanged.
Result<LoadReport> loadStateDict(Stamp& model, const StateDict& tensors, const LoadOptions& options = {});

/// Parameters then buffers under their checkpoint names (contiguous CPU float32 copies).
StateDict modelStateDict(Stamp& model);

}  // namespace stamp::core::model
