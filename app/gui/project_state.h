#pragma once
/// Between the window's live state and a core::Project: how each shown layer can be rebuilt
/// (its kind and source, read from the layer's name and the sample), how to rebuild it, and
/// its look (colour map, limits, visibility, opacity). Plain C++ (no Qt): callable on workers.
#include <functional>
#include <optional>
#include <string>

#include "common/project.h"
#include "common/result.h"
#include "engine/embedder.h"
#include "st/spatial_sample.h"
#include "widgets/layer.h"
#include "widgets/spot_layers.h"

namespace stamp::app {

/// Kind and source of `layer` (its look included), or nullopt for a layer that cannot be
/// rebuilt (none today: every layer the app makes is described).
std::optional<core::ProjectLayer> describeLayer(const widgets::Layer& layer,
                                                const core::st::SpatialSample* sample);

/// Rebuilds a sample layer (gene, total_counts, obs) without its look.
core::Result<widgets::Layer> rebuildSampleLayer(const core::ProjectLayer& spec,
                                                const core::st::SpatialSample& sample,
                                                const widgets::SpotTables& tables);
/// Maker of an embedding layer (pca, clusters, similarity, agreement); nullopt for others.
using EmbeddingLayerMaker = std::function<core::Result<widgets::Layer>(const core::engine::EmbeddingTable&)>;
std::optional<EmbeddingLayerMaker> embeddingLayerMaker(const core::ProjectLayer& spec);
bool isEmbeddingKind(const std::string& kind);

/// Short colour map names used in project files ("viridis", "magma", "RdBu", "tab20").
std::string colorMapKey(widgets::ColorMapId id);
std::optional<widgets::ColorMapId> colorMapFromKey(const std::string& key);

}  // namespace stamp::app
