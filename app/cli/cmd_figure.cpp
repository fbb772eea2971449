// stamp figure: a publication figure of one spot layer over the slide (PNG, TIFF or SVG).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/differential.h"
#include "commands.h"
#include "common/project.h"
#include "figure_layers.h"
#include "engine/embedding_io.h"
#include "figure/figure.h"
#include "slide/slide_reader.h"
#include "st/open_spatial.h"

// The build may define the version; otherwise the project() version of the top CMakeLists.
#ifndef STAMP_VERSION_STRING
#define STAMP_VERSION_STRING "0.1.0"
#endif

namespace stamp::app::cli {
using namespace stamp::core;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, sep);) out.push_back(part);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

Result<figure::LayerValues> geneLayer(const st::SpatialSample& s, const std::vector<std::string>& p) {
  if (p.size() < 2 || p.size() > 3 || p[1].empty())
    return makeError(ErrorCode::InvalidArgument, "--layer gene:<SYMBOL>[:raw|cp10k|log1p] expected");
  const std::string norm = p.size() == 3 ? p[2] : "log1p";
  analysis::Normalisation how;
  if (norm == "raw") how = analysis::Normalisation::Raw;
  else if (norm == "cp10k") how = analysis::Normalisation::Cp10k;
  else if (norm == "log1p") how = analysis::Normalisation::Log1p;
  else return makeError(ErrorCode::InvalidArgument, "unknown normalisation '" + norm + "': use raw, cp10k or log1p");
  for (std::size_t g = 0; g < s.genes.size(); ++g) {
    if (s.genes[g].symbol != p[1] && s.genes[g].id != p[1]) continue;
    auto v = analysis::geneValues(s, std::int64_t(g), how);
    figure::LayerValues l;
    l.name = "gene:" + p[1] + ":" + norm;
    l.label = p[1] + (norm == "raw" ? " (counts)" : norm == "cp10k" ? " (CP10k)" : " log1p(CP10k)");
    l.values.assign(v.begin(), v.end());
    return l;
  }
  return makeError(ErrorCode::NotFound, "unknown gene '" + p[1] + "'", s.sourcePath);
}

figure::LayerValues totalCounts(const st::SpatialSample& s) {
  figure::LayerValues l;
  l.name = "total_counts";
  l.label = "total counts";
  l.values = s.counts.rowSums();
  l.values.resize(s.spotCount(), std::nan(""));
  return l;
}

Result<figure::LayerValues> obsLayer(const st::SpatialSample& s, const std::string& name) {
  auto it = s.obs.find(name);
  if (it == s.obs.end()) {
    std::string known;
    for (const auto& [k, v] : s.obs) known += (known.empty() ? "" : ", ") + k;
    return makeError(ErrorCode::NotFound, "unknown obs column '" + name + "' (available: " +
                                              (known.empty() ? "none" : known) + ")", s.sourcePath);
  }
  const auto& col = it->second;
  figure::LayerValues l;
  l.name = "obs:" + name;
  l.label = name;
  if (col.kind == st::ObsColumn::Kind::Numeric) {
    l.values = col.numbers;
    return l;
  }
  l.categorical = true;
  if (col.kind == st::ObsColumn::Kind::Categorical) {
    l.categories = col.categories;
    l.codes.assign(col.codes.begin(), col.codes.end());
    return l;
  }
  for (const auto& v : col.strings) {  // a plain string column: categories in first-seen order
    auto f = std::find(l.categories.begin(), l.categories.end(), v);
    if (f == l.categories.end()) l.categories.push_back(v), f = l.categories.end() - 1;
    l.codes.push_back(int(f - l.categories.begin()));
  }
  return l;
}

Result<figure::LayerValues> resolveLayer(const st::SpatialSample& s, const std::string& spec,
                                         const std::string& embeddings) {
  if (spec == "total_counts") return totalCounts(s);
  if (spec.rfind("gene:", 0) == 0) return geneLayer(s, split(spec, ':'));
  if (spec.rfind("obs:", 0) == 0 && spec.size() > 4) return obsLayer(s, spec.substr(4));
  if (spec.rfind("embedding:", 0) == 0) return embeddingLayer(s, spec, embeddings);
  return makeError(ErrorCode::InvalidArgument,
                   "unknown --layer '" + spec + "': use gene:<SYMBOL>[:raw|cp10k|log1p], total_counts, obs:<column>, "
                   "embedding:pca:<image|gene>, embedding:clusters:<image|gene>:<k> or a project layer's name");
}

// What to draw: from --slide/--st, or from a project (its sample, embeddings and, when --layer
// names one of its layers, that layer's spec and look unless options override them).
struct Sources {
  std::string slide, st, embeddings, layer;
  bool ownImage = false;  // draw on the spatial input's own image
  std::optional<core::Project> project;
};

Result<Sources> readSources(Args& a, figure::FigureOptions& o) {
  Sources src;
  src.layer = a.getOr("layer", "");
  src.embeddings = a.getOr("embeddings", "");
  if (!a.has("project")) {
    if (!a.has("slide")) return makeError(ErrorCode::InvalidArgument, "--slide or --project is required");
    src.slide = *a.get("slide");
    src.st = a.getOr("st", src.slide);
    src.ownImage = !a.has("st");
    return src;
  }
  STAMP_ASSIGN(src.project, core::readProject(*a.get("project")));
  const auto& p = *src.project;
  if (p.st.empty()) return makeError(ErrorCode::InvalidArgument, "the project has no spatial input: figures draw spots", *a.get("project"));
  src.st = p.st;
  src.slide = a.getOr("slide", p.slide);
  src.ownImage = src.slide.empty();
  if (src.embeddings.empty()) src.embeddings = p.embeddings;
  if (const auto* l = findProjectLayer(p, src.layer)) {
    auto spec = projectLayerSpec(*l);
    if (!spec) return makeError(ErrorCode::Unsupported, "project layer '" + l->name + "' (" + l->kind + ") cannot be drawn headless");
    src.layer = *spec;
    if (!a.has("cmap") && (l->colorMap == "magma" || l->colorMap == "RdBu")) o.cmap = l->colorMap == "magma" ? figure::ColorMapId::Magma : figure::ColorMapId::RdBu;
    if (!a.has("vmin") && !a.has("vmax") && l->vmin && l->vmax && *l->vmax > *l->vmin) o.vmin = l->vmin, o.vmax = l->vmax;
    if (!a.has("opacity")) o.opacity = l->opacity;
  }
  return src;
}

std::optional<figure::Region> parseRegion(const std::string& s) {
  auto p = split(s, ',');
  if (p.size() != 4) return std::nullopt;
  double v[4];
  for (int i = 0; i < 4; ++i) {
    try {
      std::size_t used = 0;
      v[i] = std::stod(p[std::size_t(i)], &used);
      if (used != p[std::size_t(i)].size() || !std::isfinite(v[i])) return std::nullopt;
    } catch (...) {
      return std::nullopt;
    }
  }
  return figure::Region{v[0], v[1], v[2], v[3]};
}

// Options that are malformed (not a number, unknown name) are usage errors (exit 2).
std::optional<std::string> readOptions(Args& a, figure::FigureOptions& o) {
  o.widthPx = int(a.getInt("width", 1600));
  o.dpi = int(a.getInt("dpi", 300));
  o.opacity = a.getDouble("opacity", 0.85);
  if (a.has("vmin")) o.vmin = a.getDouble("vmin", 0);
  if (a.has("vmax")) o.vmax = a.getDouble("vmax", 0);
  if (!a.error().empty()) return a.error();
  if (o.dpi < 1 || o.dpi > 10000) return "--dpi must be 1..10000, got " + std::to_string(o.dpi);
  o.title = a.getOr("title", "");
  const std::string cmap = a.getOr("cmap", "viridis");
  if (cmap == "viridis") o.cmap = figure::ColorMapId::Viridis;
  else if (cmap == "magma") o.cmap = figure::ColorMapId::Magma;
  else if (cmap == "rdbu" || cmap == "RdBu") o.cmap = figure::ColorMapId::RdBu;
  else return "--cmap must be viridis, magma or rdbu, got '" + cmap + "'";
  if (a.has("region")) {
    o.region = parseRegion(*a.get("region"));
    if (!o.region) return "--region expects X,Y,W,H in full-resolution pixels, got '" + *a.get("region") + "'";
  }
  return std::nullopt;
}

// The image scale of `slidePath` relative to the spot coordinates: the sample's hires/lowres
// PNGs carry their scale factors; anything else is taken as the full-resolution image.
double imageScaleFor(const st::SpatialSample& s, const std::string& slidePath) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto same = [&](const std::string& p) { return !p.empty() && fs::equivalent(p, slidePath, ec); };
  if (same(s.hiresImage) && s.scale.hiresScalef > 0) return s.scale.hiresScalef;
  if (same(s.lowresImage) && s.scale.lowresScalef > 0) return s.scale.lowresScalef;
  return 1.0;
}

int runFigure(Args& a) {
  figure::FigureOptions opts;
  if (auto bad = readOptions(a, opts)) return usageError(figureCommand(), *bad);
  auto src = readSources(a, opts);
  if (!src) {  // a missing input option is a usage error; a bad project file is a failure
    const bool usage = src.error().code == ErrorCode::InvalidArgument && src.error().context.empty();
    return usage ? usageError(figureCommand(), src.error().describe()) : fail(src.error().describe());
  }
  const std::string stPath = src->st;
  auto sample = st::openSpatial(stPath);
  if (!sample) return fail(sample.error().describe());
  std::string slidePath = src->slide;
  if (src->ownImage) {  // the spatial input is drawn on its own image
    auto img = engine::sampleImage(*sample);
    if (!img) return fail(img.error().describe());
    slidePath = img->path;
  }
  auto slide = slide::openSlide(slidePath);
  if (!slide) return fail(slide.error().describe());
  auto layer = resolveLayer(*sample, src->layer, src->embeddings);
  if (!layer) return layer.error().code == ErrorCode::InvalidArgument ? usageError(figureCommand(), layer.error().describe())
                                                                     : fail(layer.error().describe());
  figure::FigureInput in{&*sample, slide->get(), imageScaleFor(*sample, slidePath), std::nullopt, std::move(*layer)};
  const auto mpp = (*slide)->mpp();
  if (in.imageScale == 1.0 && mpp) in.umPerPx = *mpp;
  else if (auto um = sample->pixelSizeUm()) in.umPerPx = *um;
  else if (mpp) in.umPerPx = *mpp * in.imageScale;
  nlohmann::json prov{{"slide", slidePath}, {"st", stPath}, {"tool", "stamp figure"}, {"tool_version", STAMP_VERSION_STRING}};
  if (src->project) {
    prov["project"] = *a.get("project");
    if (src->project->model) prov["checkpoint_sha256"] = src->project->model->sha256;
  }
  if (!src->embeddings.empty()) prov["embeddings"] = src->embeddings;
  const std::string out = *a.get("out");
  auto done = figure::writeFigure(in, opts, out, prov);
  if (!done) return fail(done.error().describe());
  std::cout << "wrote " << out << " (" << done->width << " x " << done->height << " px, "
            << done->drawnSpots.size() << " spots) and " << out << ".json\n";
  return kOk;
}

}  // namespace

Command figureCommand() {
  return {"figure",
          "Render a publication figure: the slide region with spots coloured by one layer, a scale\n"
          "bar, a colour bar or legend and a title. Output by extension: .png, .tif/.tiff (DPI\n"
          "tags), .svg or .pdf (vector spots over an embedded background); a <out>.json sidecar records\n"
          "the inputs, limits and geometry.",
          "(--slide S [--st ST] | --project P) --layer L --out FILE [options]",
          {{"slide", "PATH", "slide image; without --st, a spatial input drawn on its own image"},
           {"project", "FILE", "a STAMP Studio project: its sample, image, embeddings and layers"},
           {"embeddings", "H5AD", "STAMP embeddings (stamp embed output) for embedding:* layers"},
           {"st", "PATH", "spatial transcriptomics input whose spots are drawn on --slide"},
           {"layer", "L", "gene:<SYMBOL>[:raw|cp10k|log1p] (log1p default), total_counts, obs:<column>,\n"
                          "embedding:pca:<image|gene>, embedding:clusters:<image|gene>:<k>, or a project layer's name", true},
           {"out", "FILE", "output .png, .tif, .tiff, .svg or .pdf", true},
           {"region", "X,Y,W,H", "region in full-resolution pixels (default: whole slide)"},
           {"width", "PX", "map width in pixels (default 1600)"},
           {"dpi", "N", "print resolution written to the file (default 300)"},
           {"title", "TEXT", "title above the map"},
           {"cmap", "NAME", "viridis (default), magma or rdbu"},
           {"vmin", "A", "lower colour limit (default: data minimum)"},
           {"vmax", "B", "upper colour limit (default: data maximum)"},
           {"opacity", "O", "spot opacity 0..1 (default 0.85)"}},
          0,
          0,
          runFigure};
}

}  // namespace stamp::app::cli
