#include "query_engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "analysis/embedding_stats.h"
#include "data/crops.h"
#include "embedding_cache.h"
#include "embedding_layers.h"
#include "engine/embedding_io.h"
#include "engine/query.h"
#include "sample_controller.h"
#include "slide/slide_reader.h"
#include "st/h5ad.h"

namespace stamp::app {

using core::ErrorCode;
using core::makeError;
using core::Result;
using core::engine::EmbeddingTable;
using widgets::Layer;

namespace {

// Row indices sorted by decreasing value, NaN last.
std::vector<std::int64_t> rankDescending(const std::vector<float>& v) {
  std::vector<std::int64_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    const float x = v[std::size_t(a)], y = v[std::size_t(b)];
    if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
    return x > y;
  });
  return order;
}

}  // namespace

Result<std::vector<float>> imageEmbeddingRow(const EmbeddingTable& table, std::int64_t row) {
  if (row < 0 || row >= table.image.rows)
    return makeError(ErrorCode::InvalidArgument, "patch " + std::to_string(row) + " is not in the embedding table");
  if (std::size_t(row) < table.imageValid.size() && !table.imageValid[std::size_t(row)])
    return makeError(ErrorCode::InvalidArgument, "patch " + table.ids[std::size_t(row)] +
                                                     " could not be embedded (outside the slide)");
  const auto d = std::size_t(table.image.cols);
  const auto first = table.image.data.begin() + std::ptrdiff_t(std::size_t(row) * d);
  return std::vector<float>(first, first + std::ptrdiff_t(d));
}

Result<Layer> querySimilarityLayer(const EmbeddingTable& table, const std::vector<float>& query,
                                   const std::string& name) {
  STAMP_ASSIGN(auto values, imageCosines(table, query));
  Layer layer;
  layer.name = name;
  layer.values = std::move(values);
  // Patches of one slide are alike (cosines crowd near the top of -1..1), so the map spans the
  // data: from its 1st percentile to the best match, which takes the map's top colour.
  layer.colorMap = widgets::ColorMapId::Viridis;
  layer.autoLimits(/*robust=*/true);
  float best = -std::numeric_limits<float>::infinity();
  for (float v : layer.values)
    if (std::isfinite(v)) best = std::max(best, v);
  if (std::isfinite(best)) layer.vmax = best;
  if (!(layer.vmax > layer.vmin)) layer.vmin = layer.vmax - 1e-3;
  layer.opacity = 0.9f;
  return layer;
}

Result<std::vector<Match>> bestMatches(const EmbeddingTable& table, const std::vector<float>& query,
                                       int k) {
  STAMP_ASSIGN(auto values, imageCosines(table, query));
  std::vector<Match> out;
  for (std::int64_t row : rankDescending(values)) {
    if (int(out.size()) >= k || std::isnan(values[std::size_t(row)])) break;
    const auto i = std::size_t(row);
    out.push_back({row, table.ids[i], table.x[i], table.y[i], values[i]});
  }
  return out;
}

Result<std::vector<float>> embedPatchAt(const core::engine::ModelHandle& model,
                                        const std::string& imagePath, double imageToFrame,
                                        double frameX, double frameY, double halfPatchFramePx) {
  if (!(imageToFrame > 0) || !(halfPatchFramePx > 0))
    return makeError(ErrorCode::InvalidArgument, "the patch size is unknown (compute embeddings first)");
  STAMP_ASSIGN(auto slide, core::slide::openSlide(imagePath));
  const double s = 1.0 / imageToFrame;  // image level-0 px per frame px
  const auto sq = core::data::spotSquare(frameX * s, frameY * s, halfPatchFramePx * s);
  const auto l0 = slide->level(0);
  if (sq.x0 + sq.side <= 0 || sq.y0 + sq.side <= 0 || sq.x0 >= double(l0.width) || sq.y0 >= double(l0.height))
    return makeError(ErrorCode::InvalidArgument, "the clicked point is outside the slide", imagePath);
  STAMP_ASSIGN(auto patch, core::data::cropSquare(*slide, sq, core::data::kPatchPx));
  return core::engine::embedPatch(model, patch);
}

Result<PatchGenes> genesOfPatch(const core::st::SpatialSample& sample, const EmbeddingTable& table,
                                const std::vector<float>& query, int k, int n) {
  if (table.rows() != sample.spotCount())
    return makeError(ErrorCode::Mismatch, "the embeddings do not belong to this sample's spots");
  if (sample.counts.rows == 0) return makeError(ErrorCode::InvalidArgument, "the sample has no expression");
  PatchGenes out;
  out.jointSpace = table.gene.rows == std::int64_t(table.rows());
  const auto& keys = out.jointSpace ? table.gene : table.image;
  if (std::int64_t(query.size()) != keys.cols)
    return makeError(ErrorCode::Mismatch, "the query and the embeddings differ in size");
  auto values = core::analysis::cosineToVector(keys, query);
  const auto& valid = out.jointSpace ? table.geneValid : table.imageValid;
  for (std::size_t i = 0; i < values.size() && i < valid.size(); ++i)
    if (!valid[i]) values[i] = std::nanf("");
  for (std::int64_t row : rankDescending(values)) {
    if (int(out.spots.size()) >= k || std::isnan(values[std::size_t(row)])) break;
    out.spots.push_back(row);
  }
  if (out.spots.empty()) return makeError(ErrorCode::InvalidArgument, "no embedded spot to compare with");
  if (out.spots.size() >= sample.spotCount())
    return makeError(ErrorCode::InvalidArgument, "too few spots: the neighbours would be every spot");
  STAMP_ASSIGN(out.genes, core::analysis::characteristicGenes(sample, out.spots, n));
  return out;
}

// The cache file is the one ModelController uses for that sample (same name, same model), so
// switching to the sample reuses these image embeddings when genes are not asked for.
Result<std::shared_ptr<const EmbeddingTable>> embedOtherSample(const core::engine::ModelHandle& model,
                                                               const LoadedSample& s,
                                                               const std::string& cachePath,
                                                               core::ProgressReporter& progress) {
  const QString path = QString::fromStdString(cachePath);
  if (auto cached = readEmbeddingCache(path, s, false)) return cached;
  STAMP_ASSIGN(EmbeddingTable table, embedLoadedSample(model, s, nullptr, progress));
  writeEmbeddingCache(path, table, s, model);
  return std::make_shared<const EmbeddingTable>(std::move(table));
}

}  // namespace stamp::app
