#pragma once
/// Automatic tissue detection and the regular patch grid over it, for slides without spots.
#include <cstdint>
#include <vector>

#include "common/result.h"
#include "slide/slide_reader.h"

namespace stamp::core::data {

/// A binary mask of the slide at a low resolution: 1 = tissue.
struct TissueMask {
  int width = 0, height = 0;
  double downsample = 1;  // level-0 pixels per mask pixel
  std::vector<std::uint8_t> mask;
  /// Fraction of tissue in a level-0 square (0..1).
  double tissueFraction(double x0, double y0, double side) const;
};

/// Otsu threshold on saturation (H&E tissue is coloured, glass is grey/white), with small
/// specks removed, computed on the level closest to `targetLongSide` pixels.
Result<TissueMask> detectTissue(const slide::SlideReader& slide, int targetLongSide = 2048);

struct GridPatch {
  double cx = 0, cy = 0;  // level-0 centre
  int row = 0, col = 0;
};

/// Patches of side `side` on a grid of step `step` (level-0 px) whose tissue fraction is at
/// least `minTissue`; row-major order.
std::vector<GridPatch> tissueGrid(const TissueMask& mask, std::int64_t width, std::int64_t height,
                                  double side, double step, double minTissue = 0.5);

}  // namespace stamp::core::data
