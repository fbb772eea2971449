#pragma once
/// STAMP crops (STAMP-SPEC §5): the spot patch, the 3 x 3 region with the spot's cell, the 16 px
/// reference patch, and the pixel normalisation the model expects. Torch-free.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "slide/slide_reader.h"

namespace stamp::core::data {

enum class ChannelOrder { RGB, BGR };
Result<ChannelOrder> parseChannelOrder(const std::string& s);

inline constexpr int kPatchPx = 224;  // model input size
inline constexpr int kRefPx = 16;     // reference patch: exactly one ViT token

/// Half patch size in level-0 pixels for a magnification (20x: 112, 40x: 224, 10x: 56).
inline double halfPatchPx(double magnification) { return 112.0 * magnification / 20.0; }

/// Magnification used for cropping: the user's value, else 10 / mpp (0.5 um/px = 20x; this is
/// how the published pipeline treats pixel size), else the objective power. Error when none.
Result<double> cropMagnification(const slide::SlideReader& slide, std::optional<double> user);

/// Level-0 square [x0, x0 + side) x [y0, y0 + side).
struct Square {
  double x0 = 0, y0 = 0, side = 0;
};

/// The spot patch square: 2ps centred on (x, y).
inline Square spotSquare(double x, double y, double ps) { return {x - ps, y - ps, 2 * ps}; }
/// The region square (6ps) in which the spot lies at the centre of cell = 3 * row + col.
inline Square regionSquare(double x, double y, double ps, int cell) {
  const int row = cell / 3, col = cell % 3;
  return {x - (2 * col + 1) * ps, y - (2 * row + 1) * ps, 6 * ps};
}
bool squareInside(const Square& s, std::int64_t width, std::int64_t height);
/// Cells (0..8) whose region lies fully inside a width x height image.
std::vector<int> validCells(double x, double y, double ps, std::int64_t width, std::int64_t height);

/// 8-bit RGB pixels, row-major.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
};

/// Reads `sq` from the slide (the best level for the output size, so a 40x patch is not read at
/// full resolution when a half-resolution level exists) and resizes it bilinearly to out x out.
/// Parts outside the slide come back white.
Result<RgbImage> cropSquare(const slide::SlideReader& slide, const Square& sq, int out);
/// Bilinear resize (OpenCV INTER_LINEAR, as the published pipeline).
RgbImage resizeRgb(const RgbImage& in, int w, int h);
RgbImage fromRgba(const slide::Image& img);
/// The 16 x 16 reference patch the region branch takes: the 224 px spot patch resized.
inline RgbImage refPatch(const RgbImage& spotPatch) { return resizeRgb(spotPatch, kRefPx, kRefPx); }

/// ImageNet-normalised CHW floats in the checkpoint's channel order, written to `out`
/// (3 * h * w floats).
void normalizeToChw(const RgbImage& img, ChannelOrder order, float* out);

}  // namespace stamp::core::data
