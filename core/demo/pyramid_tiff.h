#pragma once
/// A streaming writer of tiled, JPEG-compressed, pyramidal TIFF (levels as successive
/// directories, as `vips tiffsave --tile --pyramid` writes and OpenSlide reads as generic-tiff).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "common/result.h"

namespace stamp::core::demo {

/// Fills level-0 pixels [x0, x0 + w) x [y0, y0 + h) as RGB; called from several threads at once.
using RegionRenderer = std::function<void(std::int64_t x0, std::int64_t y0, int w, int h,
                                          std::uint8_t* rgb, std::size_t rowStride)>;

struct PyramidOptions {
  std::int64_t width = 0, height = 0;
  double mpp = 0.5;      // micrometres per level-0 pixel, written as px/cm resolution tags
  int tileSize = 256;
  int jpegQuality = 85;
  int minLevelSide = 1024;  // stop adding levels once the long side is below this
  int threads = 2;       // rendering threads
  int previewMaxSide = 4096;  // keep the first level at most this long in memory (see below)
};

/// An RGB raster in memory (row-major, 3 bytes per pixel).
struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
};

struct PyramidInfo {
  std::vector<std::pair<std::int64_t, std::int64_t>> levels;  // width, height per level
  RgbImage preview;  // the largest level whose long side is <= previewMaxSide
  double previewDownsample = 1;  // level-0 pixels per preview pixel (width ratio)
};

/// Renders level 0 row of tiles by row of tiles with `render` on `threads` threads and writes the
/// pyramid to `path` (not atomically: callers use writeViaTemp). Memory stays bounded: lower
/// levels are built by 2x2 box averaging on the fly and spooled to temporary files beside
/// `path` until their directory is written. Deterministic for a given renderer.
Result<PyramidInfo> writePyramidTiff(const std::string& path, const PyramidOptions& options,
                                     const RegionRenderer& render, ProgressReporter* progress);

}  // namespace stamp::core::demo
