#pragma once
// Layers of `stamp figure` that come from STAMP embeddings (an h5ad written by `stamp embed`
// or saved in a project) and the translation of a project's layers into --layer specs.
#include <optional>
#include <string>

#include "common/project.h"
#include "figure/figure.h"
#include "st/spatial_sample.h"

namespace stamp::app::cli {

/// "embedding:pca:<image|gene>" (first 3 PCs as RGB) or "embedding:clusters:<image|gene>:<k>"
/// (k-means, seed 0, as the app) from the embeddings in `h5ad`, whose rows must be `sample`'s
/// spots. InvalidArgument for a malformed spec or a missing `h5ad`.
core::Result<core::figure::LayerValues> embeddingLayer(const core::st::SpatialSample& sample,
                                                       const std::string& spec, const std::string& h5ad);

/// The --layer spec of a project layer (gene:SYM:scale, total_counts, obs:col, embedding:...);
/// nullopt for layers the CLI cannot draw (similarity, agreement).
std::optional<std::string> projectLayerSpec(const core::ProjectLayer& layer);

/// The project's layer named `name` (exact), else nullopt.
const core::ProjectLayer* findProjectLayer(const core::Project& project, const std::string& name);

}  // namespace stamp::app::cli
