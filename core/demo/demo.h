#pragma once
/// The demo sample: a deterministic synthetic H&E slide with Visium spots and counts, written as
/// a Space Ranger outs/ folder (plus the pyramidal TIFF) and as a HEST-1k style sample.
///
/// Layout of the output folder (every path below is relative to it):
///   demo.tif                                  pyramidal JPEG TIFF (generic-tiff), px/cm tags
///   outs/filtered_feature_bc_matrix.h5        in-tissue spots
///   outs/raw_feature_bc_matrix.h5             all spots (off-tissue ones carry ambient UMIs)
///   outs/spatial/tissue_positions.csv         all spots, Space Ranger 2 header
///   outs/spatial/scalefactors_json.json
///   outs/spatial/tissue_hires_image.png       2000 px long side (no upscaling)
///   outs/spatial/tissue_lowres_image.png      600 px long side
///   hest/st/demo.h5ad                         in-tissue spots; obs `compartment` (categorical)
///                                             and `fraction_<compartment>` (numeric)
///   hest/wsis/demo.tif                        hard link to demo.tif (a copy where links fail)
///   hest/HEST_v1_demo.csv                     metadata row of sample id `demo`
///   demo_manifest.json                        written last: options, counts, file sizes
/// Completeness: everything is written into a sibling `<out>.partial-<pid>` folder, the manifest
/// last, and the folder is renamed to `<out>` at the end; a reader never sees a half-written
/// sample under `<out>`. A folder that holds a manifest is a complete sample.
#include <cstdint>
#include <string>

#include "common/progress.h"
#include "common/result.h"

namespace stamp::core::demo {

struct DemoOptions {
  std::uint64_t seed = 42;
  std::int64_t width = 20000;  // level-0 pixels
  std::int64_t height = 16000;
  double mpp = 0.5;  // micrometres per pixel
  int threads = 0;   // rendering threads; 0 = all hardware threads
};

/// Checks sizes (512..200,000 px a side) and pixel size (0.1..5 um); names the bad option.
Status validateDemoOptions(const DemoOptions& options);

/// Absolute paths of the files of a demo sample folder.
struct DemoPaths {
  std::string root, slide, outsDir, filteredH5, rawH5, positionsCsv, scalefactorsJson, hiresPng,
      lowresPng, hestRoot, h5ad, hestSlide, hestMetadataCsv, manifest;
  std::string hestId = "demo";
};
DemoPaths demoPathsFor(const std::string& root);

/// Writes the whole sample to `outDir` (see the layout above). `outDir` must not exist, be an
/// empty folder, or hold a previous demo sample (which is then replaced). Progress phases:
/// "Rendering slide" (tiles), "Simulating expression" (spots), "Writing files". Cancellation
/// through the reporter leaves no trace but the removed partial folder.
Result<DemoPaths> writeDemoSample(const std::string& outDir, const DemoOptions& options,
                                  ProgressReporter* progress = nullptr);

/// `$XDG_CACHE_HOME/stamp-studio` (else `$HOME/.cache/stamp-studio`, else a temp folder).
std::string defaultDemoCacheRoot();
/// "demo-<seed>-<width>x<height>" (plus "-<mpp>um" when the pixel size is not 0.5).
std::string demoFolderName(const DemoOptions& options);
/// Reuses `<cacheRoot>/<demoFolderName>` when it holds a complete sample written with the same
/// options (manifest present, every listed file there with its size); otherwise writes it.
Result<DemoPaths> ensureDemoSample(const std::string& cacheRoot, const DemoOptions& options,
                                   ProgressReporter* progress = nullptr);

}  // namespace stamp::core::demo
