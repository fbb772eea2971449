#pragma once
/// Asking the model: embed a single patch or a gene list, for similarity heatmaps and
/// cross-modal retrieval against an embedding table. Torch-free header.
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "data/crops.h"
#include "engine/model_handle.h"
#include "st/vocabulary.h"

namespace stamp::core::engine {

/// L2-normalised image embedding of one patch (any size; resized to 224).
Result<std::vector<float>> embedPatch(const ModelHandle& model, const data::RgbImage& patch);

/// L2-normalised gene embedding of a pseudo-spot expressing `genes` (symbol or Ensembl id, with
/// a relative weight, e.g. counts of a spot's profile or 1 each for a typed list). Unknown genes
/// are listed in `unknown`; an empty result is an error naming them.
Result<std::vector<float>> embedGenes(const ModelHandle& model, const st::Vocabulary& vocab,
                                      const std::vector<std::pair<std::string, double>>& genes,
                                      std::vector<std::string>* unknown = nullptr);

}  // namespace stamp::core::engine
