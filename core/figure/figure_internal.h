#pragma once
// Shared by the figure renderer's translation units: text metrics and the raster / SVG writers.
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "figure/figure.h"

namespace stamp::core::figure::detail {

/// Text size derived from the map width so that a figure scaled to a journal column keeps
/// legible labels: `px` is the cap height in figure pixels.
struct TextStyle {
  double px = 20;
  double fontScale = 1;
  int thickness = 1;
};
TextStyle textStyle(int mapWidth, double factor = 1.0);
/// Width in pixels of `text` drawn with OpenCV's Hershey simplex font ("µ" counted as "u").
int textWidth(const std::string& text, const TextStyle& style);
/// "%.3g" without trailing noise.
std::string formatNumber(double v);
std::string hexColor(Rgba8 c);

/// Where the vector writers (SVG, PDF) put the decorations, in figure pixels (y down): the
/// scale bar's light box with the bar in it, and the colour bar (its top is vmax).
struct ScaleBarBox {
  double x = 0, y = 0, w = 0, h = 0;            // the box
  double barX = 0, barY = 0, barW = 0, barH = 0;  // the bar; its label sits above it
};
ScaleBarBox scaleBarBox(const FigureLayout& layout, const TextStyle& style);
struct ColorBarRect {
  double x = 0, top = 0, w = 0, len = 0;
};
ColorBarRect colorBarRect(const FigureLayout& layout, const TextStyle& style);

/// The map's background: the slide region resampled to mapW x mapH, BGR 8-bit.
Result<cv::Mat> renderBackground(const FigureInput& input, const FigureLayout& layout);
/// The whole raster figure (BGR 8-bit) drawn on `background`.
cv::Mat renderRaster(const FigureInput& input, const FigureOptions& options,
                     const FigureLayout& layout, const cv::Mat& background);
/// PNG bytes with a pHYs chunk saying `dpi`.
Result<std::vector<std::uint8_t>> encodePng(const cv::Mat& bgr, int dpi);
/// RGB TIFF (deflate) with X/YResolution = dpi per inch.
Status writeTiff(const std::string& path, const cv::Mat& bgr, int dpi);
/// SVG document: embedded PNG background, one <circle> per drawn spot, vector decorations.
Result<std::string> renderSvg(const FigureInput& input, const FigureOptions& options,
                              const FigureLayout& layout, const cv::Mat& background);

/// PDF 1.4 document: the background as a Flate-compressed RGB image, spots as filled Bézier
/// circles, vector scale bar / colour bar / legend, Helvetica text. Page size from the DPI.
Result<std::vector<std::uint8_t>> renderPdf(const FigureInput& input, const FigureOptions& options,
                                            const FigureLayout& layout, const cv::Mat& background);

}  // namespace stamp::core::figure::detail
