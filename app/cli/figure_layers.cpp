#include "figure_layers.h"

#include <sstream>
#include <vector>

#include "analysis/embedding_stats.h"
#include "engine/embedding_io.h"
#include "st/h5ad.h"

namespace stamp::app::cli {
using namespace stamp::core;

namespace {

std::vector<std::string> parts(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string p; std::getline(ss, p, ':');) out.push_back(p);
  return out;
}

Result<engine::EmbeddingTable> readTable(const st::SpatialSample& sample, const std::string& h5ad) {
  STAMP_ASSIGN(auto stored, st::readH5ad(h5ad));
  STAMP_ASSIGN(auto table, engine::embeddingFromSample(stored));
  if (table.rows() != sample.spotCount())
    return makeError(ErrorCode::Mismatch, "embeddings have " + std::to_string(table.rows()) + " rows but the sample has " +
                                              std::to_string(sample.spotCount()) + " spots", h5ad);
  for (std::size_t i = 0; i < table.rows(); ++i)
    if (table.ids[i] != sample.spots[i].barcode)
      return makeError(ErrorCode::Mismatch, "embedding row " + std::to_string(i) + " is '" + table.ids[i] +
                                                "', the sample's spot is '" + sample.spots[i].barcode + "'", h5ad);
  return table;
}

}  // namespace

Result<figure::LayerValues> embeddingLayer(const st::SpatialSample& sample, const std::string& spec,
                                           const std::string& h5ad) {
  const auto p = parts(spec);
  const bool pca = p.size() == 3 && p[1] == "pca", clusters = p.size() == 4 && p[1] == "clusters";
  if ((!pca && !clusters) || (p[2] != "image" && p[2] != "gene"))
    return makeError(ErrorCode::InvalidArgument,
                     "--layer embedding:pca:<image|gene> or embedding:clusters:<image|gene>:<k> expected, got '" + spec + "'");
  int k = 0;
  if (clusters) {
    try { k = std::stoi(p[3]); } catch (...) { k = 0; }
    if (k < 2 || k > 64) return makeError(ErrorCode::InvalidArgument, "cluster count must be 2..64, got '" + p[3] + "'");
  }
  if (h5ad.empty())
    return makeError(ErrorCode::InvalidArgument, "embedding layers need --embeddings H5AD or a --project with saved embeddings");
  STAMP_ASSIGN(auto table, readTable(sample, h5ad));
  const st::DenseMatrix& m = p[2] == "gene" ? table.gene : table.image;
  if (m.rows == 0) return makeError(ErrorCode::NotFound, "no " + p[2] + " embedding in the file", h5ad);
  figure::LayerValues l;
  l.name = spec;
  if (pca) {
    STAMP_ASSIGN(auto colours, analysis::pcaColours(m));
    l.label = (p[2] == "gene" ? "Gene" : "Image") + std::string(" embedding (PCA RGB)");
    for (const auto& c : colours) l.rgb.insert(l.rgb.end(), c.begin(), c.end());
    return l;
  }
  STAMP_ASSIGN(auto km, analysis::kmeans(m, k, /*seed=*/0));
  l.categorical = true;
  l.label = "Clusters (k = " + std::to_string(k) + ", " + p[2] + " embedding)";
  l.codes.assign(km.labels.begin(), km.labels.end());
  for (int c = 0; c < k; ++c) l.categories.push_back("cluster " + std::to_string(c + 1));
  return l;
}

std::optional<std::string> projectLayerSpec(const ProjectLayer& l) {
  if (l.kind == "gene") return "gene:" + l.source + ":" + (l.scale.empty() ? std::string("log1p") : l.scale);
  if (l.kind == "total_counts") return std::string("total_counts");
  if (l.kind == "obs") return "obs:" + l.source;
  if (l.kind == "pca") return "embedding:pca:" + l.source;
  if (l.kind == "clusters") return "embedding:clusters:" + l.source + ":" + std::to_string(l.k);
  return std::nullopt;
}

const ProjectLayer* findProjectLayer(const Project& project, const std::string& name) {
  for (const auto& l : project.layers)
    if (l.name == name) return &l;
  return nullptr;
}

}  // namespace stamp::app::cli
