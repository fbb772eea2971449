#pragma once
/// Layers derived from a STAMP EmbeddingTable: PCA colours, k-means clusters, similarity to a
/// spot and image-gene agreement. Plain C++ (no Qt): the k-means/PCA ones run on workers.
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/embedder.h"
#include "widgets/layer.h"

namespace stamp::app {

enum class EmbeddingSource { Gene, Image };
const char* embeddingSourceName(EmbeddingSource s);
/// The gene or image embedding of `table`; an Error when that part is empty.
core::Result<const core::st::DenseMatrix*> embeddingOf(const core::engine::EmbeddingTable& table,
                                                       EmbeddingSource source);

/// "Gene|Image embedding (PCA RGB)": the first 3 principal components as a colour per row.
core::Result<widgets::Layer> pcaRgbLayer(const core::engine::EmbeddingTable& table,
                                         EmbeddingSource source);
/// "Clusters (k-means, k = N, on gene|image embedding)": categorical, one code per row.
core::Result<widgets::Layer> clusterLayer(const core::engine::EmbeddingTable& table,
                                          EmbeddingSource source, int k);
/// Cosines of the image rows to `query`, NaN where a row was not embedded: a zero vector there
/// means missing, not "orthogonal".
core::Result<std::vector<float>> imageCosines(const core::engine::EmbeddingTable& table,
                                              const std::vector<float>& query);

/// "Similarity to clicked spot": cosine of every row's image embedding to row `spot`'s.
core::Result<widgets::Layer> similarityLayer(const core::engine::EmbeddingTable& table, int spot);
/// "Image–gene agreement": obs stamp_agreement (only with gene embeddings).
core::Result<widgets::Layer> agreementLayer(const core::engine::EmbeddingTable& table);

}  // namespace stamp::app
