#include "export_jobs.h"

#include <cmath>
#include <cstdio>
#include <regex>
#include <sstream>

#include "common/atomic_file.h"
#include "common/geojson.h"
#include "engine/embedding_io.h"
#include "slide/slide_reader.h"
#include "st/h5ad.h"

namespace stamp::app {

using core::Error;
using core::ErrorCode;
using widgets::Layer;

core::figure::LayerValues figureLayer(const Layer& layer, core::figure::FigureOptions& o) {
  core::figure::LayerValues v;
  v.name = layer.name;
  v.label = layer.name;
  o.opacity = std::clamp(double(layer.opacity), 0.0, 1.0);
  switch (layer.kind) {
    case Layer::Kind::Continuous:
      v.values.assign(layer.values.begin(), layer.values.end());
      o.cmap = layer.colorMap == widgets::ColorMapId::Tab20 ? widgets::ColorMapId::Viridis : layer.colorMap;
      if (layer.vmax > layer.vmin) o.vmin = layer.vmin, o.vmax = layer.vmax;  // what the viewer shows
      break;
    case Layer::Kind::Categorical:
      v.categorical = true;
      v.codes.assign(layer.codes.begin(), layer.codes.end());
      v.categories = layer.categories;
      break;
    case Layer::Kind::Rgb:
      v.rgb = layer.rgb;
      break;
  }
  return v;
}

core::Result<core::figure::FigureLayout> runFigureJob(const FigureJob& job) {
  if (!job.sample) return core::makeError(ErrorCode::InvalidArgument, "figures need a sample with spots");
  STAMP_ASSIGN(auto slide, core::slide::openSlide(job.imagePath));
  core::figure::FigureInput in{job.sample.get(), slide.get(), job.imageScale, job.umPerPx, job.layer};
  return core::figure::writeFigure(in, job.options, job.out, job.provenance);
}

std::string clusterObsKey(const Layer& layer) {
  static const std::regex clusters(R"(Clusters \(k-means, k = (\d+), on (gene|image) embedding\))");
  std::smatch m;
  if (layer.kind != Layer::Kind::Categorical || !std::regex_match(layer.name, m, clusters)) return {};
  return "stamp_clusters_" + std::string(m[2]) + "_k" + std::string(m[1]);
}

core::Status writeEmbeddingsH5ad(const std::string& path, const core::engine::EmbeddingTable& table,
                                 const core::st::SpatialSample* sample, const std::vector<Layer>& layers,
                                 const nlohmann::json& params) {
  core::st::SpatialSample out = core::engine::embeddingToSample(table, sample, params);
  for (const Layer& l : layers) {
    const std::string key = clusterObsKey(l);
    if (key.empty()) continue;
    if (l.codes.size() != out.spotCount())
      return core::makeError(ErrorCode::Mismatch, "layer '" + l.name + "' does not match the embedding rows", path);
    core::st::ObsColumn col;
    col.kind = core::st::ObsColumn::Kind::Categorical;
    col.categories = l.categories;
    col.codes.assign(l.codes.begin(), l.codes.end());
    out.obs[key] = std::move(col);
  }
  return core::st::writeH5ad(path, out);
}

core::Status writeSpotsGeoJson(const std::string& path, const core::st::SpatialSample& sample, double imageScale,
                               const std::vector<int>& selection, const Layer* categories) {
  std::vector<core::GeoFeature> features;
  const double r = sample.spotDiameterPx() / 2 * imageScale;
  auto spotFeature = [&](std::size_t i, const std::string& cls, core::figure::Rgba8 c) {
    const auto& s = sample.spots[i];
    core::GeoFeature f;
    f.ring = core::circleRing(s.x * imageScale, s.y * imageScale, r);
    f.classification = cls;
    f.colour = {c.r, c.g, c.b};
    f.name = s.barcode;
    return f;
  };
  for (int i : selection)
    if (i >= 0 && std::size_t(i) < sample.spotCount() && std::isfinite(sample.spots[std::size_t(i)].x))
      features.push_back(spotFeature(std::size_t(i), "Selection", {255, 200, 0, 255}));
  if (categories && categories->kind == Layer::Kind::Categorical && categories->codes.size() == sample.spotCount()) {
    for (std::size_t i = 0; i < sample.spotCount(); ++i) {
      const int code = categories->codes[i];
      if (code < 0 || std::size_t(code) >= categories->categories.size() || !std::isfinite(sample.spots[i].x)) continue;
      features.push_back(spotFeature(i, categories->categories[std::size_t(code)], widgets::categoricalColor(code)));
    }
  }
  if (features.empty())
    return core::makeError(ErrorCode::InvalidArgument, "nothing to export: no spots selected and no categorical layer", path);
  return core::writeGeoJson(path, features);
}

namespace {

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string cell(const Layer& l, std::size_t i) {
  char buf[32];
  switch (l.kind) {
    case Layer::Kind::Continuous:
      if (!std::isfinite(l.values[i])) return "";  // missing stays empty, never "nan"
      std::snprintf(buf, sizeof buf, "%.6g", double(l.values[i]));
      return buf;
    case Layer::Kind::Categorical: {
      const int c = l.codes[i];
      return c >= 0 && std::size_t(c) < l.categories.size() ? csvField(l.categories[std::size_t(c)]) : "";
    }
    case Layer::Kind::Rgb:
      std::snprintf(buf, sizeof buf, "#%02x%02x%02x", l.rgb[3 * i], l.rgb[3 * i + 1], l.rgb[3 * i + 2]);
      return buf;
  }
  return "";
}

}  // namespace

core::Status writeSpotCsv(const std::string& path, const core::st::SpatialSample& sample, const std::vector<Layer>& layers) {
  for (const Layer& l : layers)
    if (l.spotCount() != sample.spotCount())
      return core::makeError(ErrorCode::Mismatch, "layer '" + l.name + "' does not have one value per spot", path);
  std::ostringstream os;
  os << "barcode,x,y";
  for (const Layer& l : layers) os << ',' << csvField(l.name);
  os << '\n';
  char xy[64];
  for (std::size_t i = 0; i < sample.spotCount(); ++i) {
    const auto& s = sample.spots[i];
    std::snprintf(xy, sizeof xy, ",%.2f,%.2f", s.x, s.y);
    os << csvField(s.barcode) << (std::isfinite(s.x) ? std::string(xy) : std::string(",,"));
    for (const Layer& l : layers) os << ',' << cell(l, i);
    os << '\n';
  }
  return core::writeFileAtomic(path, os.str());
}

}  // namespace stamp::app
