#pragma once
/// STAMP Studio project files (`*.stamp.json`): which slide and spatial input were open, the
/// model (with its weights' sha256), where its embeddings were saved (an h5ad in a folder
/// beside the project, so reopening reads them instead of recomputing), the layers (how to
/// rebuild each one, plus its look) and the view. Versioned JSON, written atomically. Paths
/// inside the project's folder are stored relative to it; reading resolves them back to
/// absolute paths. Plain C++ (no Qt): the app and `stamp figure --project` share it.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace stamp::core {

inline constexpr int kProjectVersion = 1;

struct ProjectModel {
  std::string preset;   // "tiny" / "uni" (also the preset of an untrained model)
  std::string config;   // config JSON path, optional
  std::string weights;  // weights path; empty for an untrained model
  std::string sha256;   // of the weights ("untrained:<seed>" for untrained models)
  bool untrained = false;
};

/// How to rebuild one layer. `kind`: gene, total_counts, obs, pca, clusters, similarity,
/// agreement. `source`: gene symbol, obs column, or "image"/"gene" embedding.
struct ProjectLayer {
  std::string name;  // as shown in the layers panel
  std::string kind;
  std::string source;
  std::string scale;  // gene layers: raw, cp10k, log1p
  int k = 0;          // clusters
  int spot = -1;      // similarity: the reference spot
  std::string colorMap;  // viridis, magma, RdBu, tab20
  std::optional<double> vmin, vmax;
  bool visible = true;
  double opacity = 0.85;
};

struct ProjectView {
  double centreX = 0, centreY = 0;  // full-resolution pixels
  double zoom = 1;                  // screen pixels per full-resolution pixel
};

struct Project {
  int version = kProjectVersion;
  std::string slide;       // image shown (absolute once read)
  std::string st;          // spatial input; empty when only a slide was open
  bool slideIsStImage = false;  // `slide` is the spatial input's own image (its scale factors apply)
  std::optional<ProjectModel> model;
  std::string embeddings;  // h5ad with the computed embeddings; empty when none
  std::vector<ProjectLayer> layers;  // index 0 = top of the layer list
  std::optional<ProjectView> view;
  /// Filled by readProject, never written: e.g. saved embeddings that have gone missing (they
  /// can be recomputed, so that is not an error).
  std::vector<std::string> warnings;
};

/// The folder for a project's saved embeddings: "<dir>/<name>.embeddings" for
/// "<dir>/<name>.stamp.json" (or "<dir>/<name>.json").
std::string projectEmbeddingsDir(const std::string& projectPath);

nlohmann::json projectToJson(const Project& project, const std::string& projectDir);
/// Parses and validates; relative paths resolve against `projectDir`. Errors name `source`.
Result<Project> projectFromJson(const nlohmann::json& j, const std::string& projectDir,
                                const std::string& source);

/// Reads a project file. Errors (naming the file): missing, not JSON, a newer version, wrong
/// field types, and referenced slide / ST / weights / config files that do not exist. Missing
/// embeddings only add a warning and clear `embeddings`.
Result<Project> readProject(const std::string& path);
/// Writes atomically (temp + rename).
Status writeProject(const std::string& path, const Project& project);

}  // namespace stamp::core
