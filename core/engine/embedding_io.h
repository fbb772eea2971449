#pragma once
/// Embedding tables <-> AnnData: what `stamp embed` writes and what the app caches and reads
/// back (obsm X_stamp_gene / X_stamp_image, obs stamp_agreement, provenance in uns["stamp"]).
#include <string>

#include <nlohmann/json.hpp>

#include "engine/embedder.h"

namespace stamp::core::engine {

/// The image a spatial sample's spots are drawn on: its full-resolution slide when known, else
/// the hires (then lowres) PNG, with the scale from full-resolution pixels to that image.
struct SampleImage {
  std::string path;
  double coordScale = 1.0;
};
Result<SampleImage> sampleImage(const st::SpatialSample& sample);

/// An AnnData-ready sample: one obs row per table row, counts of `source` for those rows (when
/// given), embeddings in obsm, flags and agreement in obs, `params` under uns["stamp"].
st::SpatialSample embeddingToSample(const EmbeddingTable& table, const st::SpatialSample* source,
                                    const nlohmann::json& params);
/// Reads the embedding part back (for cached results). Error when obsm lacks X_stamp_image.
Result<EmbeddingTable> embeddingFromSample(const st::SpatialSample& sample);

}  // namespace stamp::core::engine
