#pragma once
/// Headless publication figures: a slide region with spots coloured by one layer, a scale bar,
/// a colour bar or legend and a title, written as PNG / TIFF (raster, DPI tags), SVG or PDF (vector
/// spots over an embedded raster background), plus a `<out>.json` sidecar. No Qt: OpenCV draws.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "figure/colormap.h"
#include "slide/slide_reader.h"
#include "st/spatial_sample.h"

namespace stamp::core::figure {

/// A rectangle in full-resolution (spot coordinate) pixels.
struct Region {
  double x = 0, y = 0, w = 0, h = 0;
};

/// One value per spot of the sample: numeric (NaN = missing) or categorical (code -1 = missing).
struct LayerValues {
  std::string name;  // e.g. "gene:EPCAM:log1p"
  std::string label;  // shown beside the colour bar / legend
  bool categorical = false;
  std::vector<double> values;
  std::vector<int> codes;
  std::vector<std::string> categories;
  /// Direct colours (3 bytes per spot, e.g. embedding PCA colours): no colour map, no colour bar.
  std::vector<std::uint8_t> rgb;
  bool isRgb() const { return !categorical && !rgb.empty(); }
};

struct FigureOptions {
  int widthPx = 1600;  // width of the map (the slide region); the legend panel is added right
  int dpi = 300;
  std::string title;
  ColorMapId cmap = ColorMapId::Viridis;
  std::optional<double> vmin, vmax;  // default: the range of the drawn spots' values
  double opacity = 0.85;
  std::optional<Region> region;  // default: the whole image
};

/// What is drawn on. `imageScale` maps full-resolution pixels to level-0 pixels of `slide`
/// (1 for the full-resolution slide, hiresScalef for the hires PNG).
struct FigureInput {
  const st::SpatialSample* sample = nullptr;
  const slide::SlideReader* slide = nullptr;
  double imageScale = 1.0;
  std::optional<double> umPerPx;  // micrometres per full-resolution pixel; none: no scale bar
  LayerValues layer;
};

/// Geometry of a rendered figure: a full-resolution point (x, y) lands at figure pixel
/// (mapX + (x - region.x) * scale, mapY + (y - region.y) * scale).
struct FigureLayout {
  Region region;
  double scale = 1.0;  // figure pixels per full-resolution pixel
  int width = 0, height = 0;  // whole canvas
  int mapX = 0, mapY = 0, mapW = 0, mapH = 0;
  int panelX = 0;  // left edge of the colour bar / legend panel
  double vmin = 0, vmax = 1;
  double spotRadiusPx = 0;  // in figure pixels
  double scaleBarUm = 0;  // 0 when the pixel size is unknown
  double scaleBarPx = 0;
  std::string scaleBarLabel;
  std::vector<std::size_t> drawnSpots;  // indices into the sample's spots
  int backgroundLevel = 0;
};

/// Checks the inputs (region inside the image, width, dpi, opacity, limits, value counts) and
/// computes the layout. Errors name the offending option.
Result<FigureLayout> layoutFigure(const FigureInput& input, const FigureOptions& options);

/// Colour of spot `i` of the layer under the layout's limits (without opacity).
Rgba8 spotColor(const FigureInput& input, const FigureOptions& options, const FigureLayout& layout,
                std::size_t i);

/// Largest 1, 2 or 5 x 10^k micrometres not above `maxUm` (maxUm > 0).
double niceScaleBarUm(double maxUm);
/// "500 µm", "1 mm", "2.5 µm".
std::string formatLength(double um);

/// Renders and writes `outPath` by extension (.png, .tif/.tiff, .svg, .pdf) and `<outPath>.json`,
/// both atomically. `provenance` (slide path, ST input, tool version, ...) is merged into the
/// sidecar. Returns the layout used.
Result<FigureLayout> writeFigure(const FigureInput& input, const FigureOptions& options,
                                 const std::string& outPath, const nlohmann::json& provenance);

/// Sidecar content of a rendered figure (without provenance).
nlohmann::json figureSidecar(const FigureInput& input, const FigureOptions& options,
                             const FigureLayout& layout);

}  // namespace stamp::core::figure
