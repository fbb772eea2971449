#pragma once
/// Colour maps for spot layers: continuous (viridis, magma, RdBu) and categorical (tab20-like).
/// Plain C++ (no Qt): figure export and the viewer widgets (widgets/colormap.h) share these tables.
#include <cstdint>
#include <string>
#include <vector>

namespace stamp::core::figure {

enum class ColorMapId { Viridis, Magma, RdBu, Tab20 };

/// 8-bit straight-alpha colour.
struct Rgba8 {
  std::uint8_t r = 0, g = 0, b = 0, a = 255;
  bool operator==(const Rgba8&) const = default;
};

/// The colour shown for a missing value (NaN or category -1): a neutral translucent grey.
inline constexpr Rgba8 kMissingColor{128, 128, 128, 110};

const char* colorMapName(ColorMapId id);
/// The maps offered for continuous layers, in menu order.
std::vector<ColorMapId> continuousColorMaps();
/// Maps t in [0, 1] (clamped) through a continuous map; NaN gives kMissingColor.
Rgba8 mapContinuous(ColorMapId id, double t);
/// Maps `value` with limits [vmin, vmax]; vmin == vmax maps everything to the middle.
Rgba8 mapValue(ColorMapId id, double value, double vmin, double vmax);
/// Colour of category `code` (cycles after 20); code < 0 gives kMissingColor.
Rgba8 categoricalColor(int code);

}  // namespace stamp::core::figure
