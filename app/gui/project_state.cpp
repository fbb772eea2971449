// Layer <-> ProjectLayer. Layers carry only a display name, so the kind is recovered from the
// names the layer builders give (spot_layers.cpp, embedding_layers.cpp) and from the sample.
#include "project_state.h"

#include <algorithm>
#include <regex>

#include "embedding_layers.h"

namespace stamp::app {

using core::ProjectLayer;
using widgets::Layer;

namespace {

const widgets::ExpressionScale kScales[] = {widgets::ExpressionScale::Raw, widgets::ExpressionScale::Cp10k,
                                            widgets::ExpressionScale::Log1p};
const char* scaleKey(widgets::ExpressionScale s) {
  return s == widgets::ExpressionScale::Raw ? "raw" : s == widgets::ExpressionScale::Cp10k ? "cp10k" : "log1p";
}

bool describeKind(const Layer& layer, const core::st::SpatialSample* sample, ProjectLayer& p) {
  static const std::regex clusters(R"(Clusters \(k-means, k = (\d+), on (gene|image) embedding\))");
  std::smatch m;
  if (layer.name == "total counts") p.kind = "total_counts";
  else if (layer.name == "Gene embedding (PCA RGB)") p.kind = "pca", p.source = "gene";
  else if (layer.name == "Image embedding (PCA RGB)") p.kind = "pca", p.source = "image";
  else if (layer.name == "Image–gene agreement") p.kind = "agreement";
  else if (std::regex_match(layer.name, m, clusters)) p.kind = "clusters", p.k = std::stoi(m[1]), p.source = m[2];
  else if (layer.name == "Similarity to clicked spot") {
    p.kind = "similarity";  // the reference spot is the one similar to itself (cosine 1)
    p.spot = int(std::max_element(layer.values.begin(), layer.values.end()) - layer.values.begin());
  } else if (sample && sample->obs.count(layer.name)) p.kind = "obs", p.source = layer.name;
  else if (sample) {
    for (auto s : kScales) {
      const std::string suffix = std::string(" (") + widgets::expressionScaleName(s) + ")";
      if (layer.name.size() <= suffix.size() || !layer.name.ends_with(suffix)) continue;
      const std::string gene = layer.name.substr(0, layer.name.size() - suffix.size());
      if (!widgets::findGene(*sample, gene)) continue;
      p.kind = "gene", p.source = gene, p.scale = scaleKey(s);
    }
  }
  return !p.kind.empty();
}

}  // namespace

std::string colorMapKey(widgets::ColorMapId id) {
  switch (id) {
    case widgets::ColorMapId::Viridis: return "viridis";
    case widgets::ColorMapId::Magma: return "magma";
    case widgets::ColorMapId::RdBu: return "RdBu";
    case widgets::ColorMapId::Tab20: return "tab20";
  }
  return "viridis";
}

std::optional<widgets::ColorMapId> colorMapFromKey(const std::string& key) {
  for (auto id : {widgets::ColorMapId::Viridis, widgets::ColorMapId::Magma, widgets::ColorMapId::RdBu,
                  widgets::ColorMapId::Tab20})
    if (colorMapKey(id) == key) return id;
  return std::nullopt;
}

std::optional<ProjectLayer> describeLayer(const Layer& layer, const core::st::SpatialSample* sample) {
  ProjectLayer p;
  p.name = layer.name;
  if (!describeKind(layer, sample, p)) return std::nullopt;
  p.colorMap = colorMapKey(layer.colorMap);
  if (layer.kind == Layer::Kind::Continuous) p.vmin = layer.vmin, p.vmax = layer.vmax;
  p.visible = layer.visible;
  p.opacity = layer.opacity;
  return p;
}

core::Result<Layer> rebuildSampleLayer(const ProjectLayer& spec, const core::st::SpatialSample& sample,
                                       const widgets::SpotTables& tables) {
  if (spec.kind == "total_counts") return widgets::totalCountsLayer(tables);
  if (spec.kind == "obs") {
    auto layer = widgets::obsLayer(sample, spec.source);
    if (!layer) return core::makeError(core::ErrorCode::NotFound, "no obs column '" + spec.source + "' to show", sample.sourcePath);
    return std::move(*layer);
  }
  if (spec.kind == "gene") {
    auto gene = widgets::findGene(sample, spec.source);
    if (!gene) return core::makeError(core::ErrorCode::NotFound, "no gene '" + spec.source + "' in the sample", sample.sourcePath);
    for (auto s : kScales)
      if (spec.scale == scaleKey(s)) return widgets::geneLayer(sample, tables, *gene, s);
    return core::makeError(core::ErrorCode::Format, "unknown expression scale '" + spec.scale + "'");
  }
  return core::makeError(core::ErrorCode::InvalidArgument, "layer kind '" + spec.kind + "' is not a sample layer");
}

bool isEmbeddingKind(const std::string& kind) {
  return kind == "pca" || kind == "clusters" || kind == "similarity" || kind == "agreement";
}

std::optional<EmbeddingLayerMaker> embeddingLayerMaker(const ProjectLayer& spec) {
  const auto source = spec.source == "gene" ? EmbeddingSource::Gene : EmbeddingSource::Image;
  if (spec.kind == "pca") return [source](const core::engine::EmbeddingTable& t) { return pcaRgbLayer(t, source); };
  if (spec.kind == "clusters") {
    const int k = spec.k;
    return [source, k](const core::engine::EmbeddingTable& t) { return clusterLayer(t, source, k); };
  }
  if (spec.kind == "similarity") {
    const int spot = spec.spot;
    return [spot](const core::engine::EmbeddingTable& t) { return similarityLayer(t, spot); };
  }
  if (spec.kind == "agreement") return [](const core::engine::EmbeddingTable& t) { return agreementLayer(t); };
  return std::nullopt;
}

}  // namespace stamp::app
