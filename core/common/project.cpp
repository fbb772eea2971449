// Project files: JSON <-> Project, relative paths, existence checks and atomic writing.
#include "common/project.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"

namespace stamp::core {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Inside the project folder: relative (the folder can move as a whole); elsewhere: absolute.
std::string storedPath(const std::string& path, const std::string& dir) {
  if (path.empty()) return path;
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec).lexically_normal();
  const fs::path rel = abs.lexically_relative(fs::absolute(dir, ec).lexically_normal());
  if (!rel.empty() && *rel.begin() != "..") return rel.generic_string();
  return abs.string();
}

std::string resolvedPath(const std::string& path, const std::string& dir) {
  if (path.empty()) return path;
  const fs::path p(path);
  return (p.is_absolute() ? p : fs::path(dir) / p).lexically_normal().string();
}

json layerToJson(const ProjectLayer& l) {
  json j = {{"name", l.name}, {"kind", l.kind}, {"source", l.source}, {"scale", l.scale},
            {"colormap", l.colorMap}, {"visible", l.visible}, {"opacity", l.opacity}};
  if (l.kind == "clusters") j["k"] = l.k;
  if (l.kind == "similarity") j["spot"] = l.spot;
  if (l.vmin) j["vmin"] = *l.vmin;
  if (l.vmax) j["vmax"] = *l.vmax;
  return j;
}

ProjectLayer layerFromJson(const json& j) {  // throws json::exception on wrong types
  ProjectLayer l;
  l.name = j.at("name").get<std::string>();
  l.kind = j.at("kind").get<std::string>();
  l.source = j.value("source", std::string());
  l.scale = j.value("scale", std::string());
  l.k = j.value("k", 0);
  l.spot = j.value("spot", -1);
  l.colorMap = j.value("colormap", std::string());
  if (j.contains("vmin") && !j["vmin"].is_null()) l.vmin = j["vmin"].get<double>();
  if (j.contains("vmax") && !j["vmax"].is_null()) l.vmax = j["vmax"].get<double>();
  l.visible = j.value("visible", true);
  l.opacity = j.value("opacity", 0.85);
  return l;
}

Status checkLayer(const ProjectLayer& l, const std::string& source) {
  static const char* kinds[] = {"gene", "total_counts", "obs", "pca", "clusters", "similarity", "agreement"};
  bool known = false;
  for (const char* k : kinds) known = known || l.kind == k;
  if (!known) return makeError(ErrorCode::Format, "layer '" + l.name + "' has unknown kind '" + l.kind + "'", source);
  if (!(l.opacity >= 0 && l.opacity <= 1))
    return makeError(ErrorCode::Format, "layer '" + l.name + "' opacity must be within 0..1", source);
  if (l.kind == "clusters" && (l.k < 2 || l.k > 64))
    return makeError(ErrorCode::Format, "layer '" + l.name + "' needs k in 2..64", source);
  return {};
}

Status mustExist(const std::string& path, const char* what, const std::string& source) {
  std::error_code ec;  // an unreadable folder reads as "not found", never as an exception
  if (path.empty() || fs::exists(path, ec)) return {};
  return makeError(ErrorCode::NotFound, std::string(what) + " of the project not found: " + path, source);
}

}  // namespace

std::string projectEmbeddingsDir(const std::string& projectPath) {
  fs::path p(projectPath);
  std::string name = p.filename().string();
  for (const char* ext : {".stamp.json", ".json"}) {
    const std::string e = ext;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      name.resize(name.size() - e.size());
      break;
    }
  }
  return (p.parent_path() / (name + ".embeddings")).string();
}

json projectToJson(const Project& p, const std::string& dir) {
  json j = {{"format", "stamp-studio-project"}, {"version", kProjectVersion},
            {"slide", storedPath(p.slide, dir)}, {"st", storedPath(p.st, dir)},
            {"slide_is_st_image", p.slideIsStImage}, {"embeddings", storedPath(p.embeddings, dir)},
            {"layers", json::array()}};
  if (p.model)
    j["model"] = {{"preset", p.model->preset}, {"config", storedPath(p.model->config, dir)},
                  {"weights", storedPath(p.model->weights, dir)}, {"sha256", p.model->sha256},
                  {"untrained", p.model->untrained}};
  for (const auto& l : p.layers) j["layers"].push_back(layerToJson(l));
  if (p.view) j["view"] = {{"centre", {p.view->centreX, p.view->centreY}}, {"zoom", p.view->zoom}};
  return j;
}

Result<Project> projectFromJson(const json& j, const std::string& dir, const std::string& source) {
  if (!j.is_object() || j.value("format", std::string()) != "stamp-studio-project")
    return makeError(ErrorCode::Format, "not a STAMP Studio project (no \"format\": \"stamp-studio-project\")", source);
  Project p;
  try {
    p.version = j.at("version").get<int>();
    if (p.version < 1 || p.version > kProjectVersion)
      return makeError(ErrorCode::Unsupported, "project version " + std::to_string(p.version) +
                                                   " is not supported (this build reads up to " +
                                                   std::to_string(kProjectVersion) + ")", source);
    p.slide = resolvedPath(j.value("slide", std::string()), dir);
    p.st = resolvedPath(j.value("st", std::string()), dir);
    p.embeddings = resolvedPath(j.value("embeddings", std::string()), dir);
    p.slideIsStImage = j.value("slide_is_st_image", false);
    if (j.contains("model") && !j["model"].is_null()) {
      const json& m = j["model"];
      p.model = ProjectModel{m.value("preset", std::string()), resolvedPath(m.value("config", std::string()), dir),
                             resolvedPath(m.value("weights", std::string()), dir), m.value("sha256", std::string()),
                             m.value("untrained", false)};
    }
    for (const auto& l : j.value("layers", json::array())) p.layers.push_back(layerFromJson(l));
    if (j.contains("view") && !j["view"].is_null()) {
      const json& v = j["view"];
      p.view = ProjectView{v.at("centre").at(0).get<double>(), v.at("centre").at(1).get<double>(),
                           v.at("zoom").get<double>()};
      if (!(p.view->zoom > 0)) return makeError(ErrorCode::Format, "view zoom must be positive", source);
    }
  } catch (const json::exception& e) {
    return makeError(ErrorCode::Format, std::string("malformed project field: ") + e.what(), source);
  }
  if (p.slide.empty() && p.st.empty())
    return makeError(ErrorCode::Format, "project names neither a slide nor spatial data", source);
  for (const auto& l : p.layers) STAMP_CHECK(checkLayer(l, source));
  return p;
}

Result<Project> readProject(const std::string& path) {
  STAMP_ASSIGN(const std::string text, readFile(path));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return makeError(ErrorCode::Format, "project file is not valid JSON", path);
  const std::string dir = fs::absolute(path).parent_path().string();
  STAMP_ASSIGN(Project p, projectFromJson(j, dir, path));
  STAMP_CHECK(mustExist(p.slide, "slide", path));
  STAMP_CHECK(mustExist(p.st, "spatial input", path));
  if (p.model) {
    STAMP_CHECK(mustExist(p.model->weights, "model weights", path));
    STAMP_CHECK(mustExist(p.model->config, "model config", path));
  }
  std::error_code ec;
  if (!p.embeddings.empty() && !fs::exists(p.embeddings, ec)) {
    p.warnings.push_back("saved embeddings not found (they will be recomputed): " + p.embeddings);
    p.embeddings.clear();
  }
  return p;
}

Status writeProject(const std::string& path, const Project& project) {
  const std::string dir = fs::absolute(path).parent_path().string();
  return writeFileAtomic(path, projectToJson(project, dir).dump(2) + "\n");
}

}  // namespace stamp::core
