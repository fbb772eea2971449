// stamp info: what a slide or a spatial transcriptomics input holds.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "slide/slide_reader.h"
#include "st/open_spatial.h"

namespace stamp::app::cli {
using namespace stamp::core;
using nlohmann::json;

static json slideJson(const slide::SlideReader& s) {
  json j{{"kind", "slide"}, {"path", s.path()}, {"format", s.format()}};
  for (int i = 0; i < s.levelCount(); ++i)
    j["levels"].push_back({{"width", s.level(i).width}, {"height", s.level(i).height},
                           {"downsample", s.level(i).downsample}});
  j["mpp"] = s.mpp() ? json(*s.mpp()) : json(nullptr);
  j["objective_power"] = s.objectivePower() ? json(*s.objectivePower()) : json(nullptr);
  j["associated_images"] = s.associatedImageNames();
  return j;
}

static json sampleJson(const st::SpatialSample& s) {
  std::size_t inTissue = 0;
  for (const auto& sp : s.spots) inTissue += sp.inTissue;
  json j{{"kind", "spatial"}, {"path", s.sourcePath}, {"name", s.name},
         {"spots", s.spotCount()}, {"spots_in_tissue", inTissue}, {"genes", s.geneCount()},
         {"nonzero_counts", s.counts.nnz()}, {"spot_diameter_px", s.spotDiameterPx()},
         {"fullres_image", s.fullresImage}, {"hires_image", s.hiresImage},
         {"lowres_image", s.lowresImage}, {"metadata", s.metadata}};
  j["scalefactors"] = {{"tissue_hires_scalef", s.scale.hiresScalef},
                       {"tissue_lowres_scalef", s.scale.lowresScalef},
                       {"spot_diameter_fullres", s.scale.spotDiameterFullres}};
  for (const auto& [name, col] : s.obs) j["obs_columns"].push_back(name);
  for (const auto& [name, m] : s.obsm) j["obsm"][name] = {m.rows, m.cols};
  return j;
}

static void printText(const json& j) {
  for (const auto& [k, v] : j.items()) {
    if (k == "levels") {
      std::cout << "levels:\n";
      for (const auto& l : v)
        std::cout << "  " << l["width"] << " x " << l["height"] << "  (downsample " << l["downsample"] << ")\n";
    } else {
      std::cout << k << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
    }
  }
}

static bool looksSpatial(const std::string& p) {
  std::filesystem::path path(p);
  auto ext = path.extension().string();
  return std::filesystem::is_directory(path) || ext == ".h5ad" || ext == ".h5";
}

static int runInfo(Args& a) {
  const std::string path = a.positional()[0];
  json j;
  if (looksSpatial(path)) {
    auto s = st::openSpatial(path);
    if (!s) return fail(s.error().describe());
    j = sampleJson(*s);
  } else {
    auto s = slide::openSlide(path);
    if (!s) return fail(s.error().describe());
    j = slideJson(**s);
  }
  if (a.has("json")) std::cout << j.dump(2) << "\n";
  else printText(j);
  return kOk;
}

Command infoCommand() {
  return {"info",
          "Describe a slide (levels, microns per pixel, magnification, associated images) or a\n"
          "spatial transcriptomics input (spots, genes, scale factors, images, metadata).",
          "FILE [--json]",
          {{"json", "", "print JSON instead of text", false}},
          1, 1, runInfo};
}

}  // namespace stamp::app::cli
