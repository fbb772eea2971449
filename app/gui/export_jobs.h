#pragma once
/// The work behind File > Export, as plain functions (no Qt) that run on workers: figures
/// through core/figure, embeddings + clusters as h5ad, QuPath GeoJSON, spot-value CSV.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/embedder.h"
#include "figure/figure.h"
#include "st/spatial_sample.h"
#include "widgets/layer.h"

namespace stamp::app {

/// A viewer layer as figure values plus its look (colour map, limits, opacity) in `options`.
core::figure::LayerValues figureLayer(const widgets::Layer& layer, core::figure::FigureOptions& options);

struct FigureJob {
  std::shared_ptr<const core::st::SpatialSample> sample;
  std::string imagePath;  // opened afresh on the worker (the view's reader serves tiles)
  double imageScale = 1;  // image level-0 px per full-resolution px
  std::optional<double> umPerPx;
  core::figure::LayerValues layer;
  core::figure::FigureOptions options;
  nlohmann::json provenance;
  std::string out;
};
core::Result<core::figure::FigureLayout> runFigureJob(const FigureJob& job);

/// Obs column name for a cluster layer ("stamp_clusters_image_k6"), "" for other layers.
std::string clusterObsKey(const widgets::Layer& layer);
/// The embeddings (obsm X_stamp_*), `sample`'s counts when given, and one categorical obs
/// column per cluster layer in `layers` (others are ignored), written atomically.
core::Status writeEmbeddingsH5ad(const std::string& path, const core::engine::EmbeddingTable& table,
                                 const core::st::SpatialSample* sample,
                                 const std::vector<widgets::Layer>& layers, const nlohmann::json& params);

/// QuPath GeoJSON: the selected spots (class "Selection") and, when `categories` is given,
/// every spot classified by its category (e.g. its cluster). Coordinates are image level-0
/// pixels: full-resolution px * `imageScale`.
core::Status writeSpotsGeoJson(const std::string& path, const core::st::SpatialSample& sample,
                               double imageScale, const std::vector<int>& selection,
                               const widgets::Layer* categories);

/// barcode,x,y then one column per layer (numbers, category labels, #rrggbb for colours).
core::Status writeSpotCsv(const std::string& path, const core::st::SpatialSample& sample,
                          const std::vector<widgets::Layer>& layers);

}  // namespace stamp::app
