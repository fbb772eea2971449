#pragma once
// Steps of writeDemoSample shared between demo.cpp (folder handling) and demo_sample.cpp.
#include <string>
#include <vector>

#include "common/progress.h"
#include "common/result.h"
#include "demo/demo.h"
#include "demo/pyramid_tiff.h"
#include "demo/tissue_model.h"
#include "st/spatial_sample.h"

namespace stamp::core::demo {

/// Every spot of the layout with its compartment mixture and counts.
struct SimulatedSpots {
  std::vector<st::Spot> spots;
  std::vector<std::vector<double>> fractions;
  st::CsrMatrix counts;  // spots x demoGenes()
};

SimulatedSpots simulateSpots(const TissueModel& model, ProgressReporter* progress);

/// A SpatialSample of the spots for which `keep[i]` holds, with genes, scale factors, metadata,
/// obs `compartment` / `fraction_*` and image paths filled in.
st::SpatialSample makeSample(const TissueModel& model, const SimulatedSpots& sim,
                             const std::vector<bool>& keep, const DemoPaths& paths);

st::ScaleFactors demoScaleFactors(const TissueModel& model);

/// Renders and writes the pyramidal TIFF atomically; returns its preview level.
Result<PyramidInfo> writeDemoSlide(const std::string& path, const TissueModel& model, int threads,
                                   ProgressReporter* progress);

/// tissue_hires_image.png and tissue_lowres_image.png from the preview level.
Status writeSpatialImages(const PyramidInfo& info, const TissueModel& model, const DemoPaths& paths);

/// The HEST-1k metadata table with the demo's row.
std::string hestMetadataCsv(const TissueModel& model, const std::string& id);

}  // namespace stamp::core::demo
