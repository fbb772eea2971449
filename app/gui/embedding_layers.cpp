#include "embedding_layers.h"

#include <cmath>

#include "analysis/embedding_stats.h"

namespace stamp::app {

using core::Error;
using core::ErrorCode;
using core::Result;
using core::makeError;
using core::engine::EmbeddingTable;
using widgets::Layer;

const char* embeddingSourceName(EmbeddingSource s) {
  return s == EmbeddingSource::Gene ? "gene" : "image";
}

Result<const core::st::DenseMatrix*> embeddingOf(const EmbeddingTable& table,
                                                 EmbeddingSource source) {
  const auto& m = source == EmbeddingSource::Gene ? table.gene : table.image;
  if (m.rows == 0 || m.cols == 0)
    return Error{ErrorCode::InvalidArgument,
                 std::string("no ") + embeddingSourceName(source) + " embedding computed", ""};
  return &m;
}

Result<Layer> pcaRgbLayer(const EmbeddingTable& table, EmbeddingSource source) {
  STAMP_ASSIGN(const core::st::DenseMatrix* m, embeddingOf(table, source));
  STAMP_ASSIGN(auto colours, core::analysis::pcaColours(*m));
  Layer layer;
  layer.name = source == EmbeddingSource::Gene ? "Gene embedding (PCA RGB)"
                                               : "Image embedding (PCA RGB)";
  layer.kind = Layer::Kind::Rgb;
  layer.rgb.reserve(colours.size() * 3);
  for (const auto& c : colours) layer.rgb.insert(layer.rgb.end(), c.begin(), c.end());
  layer.opacity = 1.0f;
  return layer;
}

Result<Layer> clusterLayer(const EmbeddingTable& table, EmbeddingSource source, int k) {
  STAMP_ASSIGN(const core::st::DenseMatrix* m, embeddingOf(table, source));
  STAMP_ASSIGN(auto km, core::analysis::kmeans(*m, k, /*seed=*/0));
  Layer layer;
  layer.name = "Clusters (k-means, k = " + std::to_string(k) + ", on " +
               embeddingSourceName(source) + " embedding)";
  layer.kind = Layer::Kind::Categorical;
  layer.codes.assign(km.labels.begin(), km.labels.end());
  for (int c = 0; c < k; ++c) layer.categories.push_back("cluster " + std::to_string(c + 1));
  layer.colorMap = widgets::ColorMapId::Tab20;
  layer.opacity = 1.0f;
  return layer;
}

// Cosines of the image rows to `query`, NaN where a row was not embedded (missing, not 0).
Result<std::vector<float>> imageCosines(const EmbeddingTable& table, const std::vector<float>& query) {
  if (table.image.rows == 0) return makeError(ErrorCode::InvalidArgument, "no image embeddings computed");
  if (std::int64_t(query.size()) != table.image.cols)
    return makeError(ErrorCode::Mismatch, "the query has " + std::to_string(query.size()) +
                                              " dimensions, the embeddings " +
                                              std::to_string(table.image.cols));
  for (float v : query)
    if (!std::isfinite(v)) return makeError(ErrorCode::InvalidArgument, "the query embedding is not finite");
  auto values = core::analysis::cosineToVector(table.image, query);
  for (std::size_t i = 0; i < values.size() && i < table.imageValid.size(); ++i)
    if (!table.imageValid[i]) values[i] = std::nanf("");
  return values;
}

Result<Layer> similarityLayer(const EmbeddingTable& table, int spot) {
  STAMP_ASSIGN(const core::st::DenseMatrix* m, embeddingOf(table, EmbeddingSource::Image));
  if (spot < 0 || spot >= m->rows)
    return Error{ErrorCode::InvalidArgument, "spot " + std::to_string(spot) + " out of range", ""};
  const std::size_t d = std::size_t(m->cols);
  std::vector<float> query(m->data.begin() + std::ptrdiff_t(std::size_t(spot) * d),
                           m->data.begin() + std::ptrdiff_t(std::size_t(spot) * d + d));
  Layer layer;
  layer.name = "Similarity to clicked spot";
  STAMP_ASSIGN(layer.values, imageCosines(table, query));
  layer.colorMap = widgets::ColorMapId::RdBu;
  layer.vmin = -1;  // diverging around 0 (orthogonal)
  layer.vmax = 1;
  return layer;
}

Result<Layer> agreementLayer(const EmbeddingTable& table) {
  if (table.agreement.empty())
    return Error{ErrorCode::InvalidArgument, "no image-gene agreement (image-only embedding)", ""};
  Layer layer;
  layer.name = "Image–gene agreement";
  layer.values = table.agreement;
  for (std::size_t i = 0; i < layer.values.size(); ++i) {
    const bool ok = i < table.geneValid.size() && table.geneValid[i] && table.imageValid[i];
    if (!ok) layer.values[i] = std::nanf("");
  }
  layer.colorMap = widgets::ColorMapId::RdBu;
  layer.vmin = -1;
  layer.vmax = 1;
  return layer;
}

}  // namespace stamp::app
