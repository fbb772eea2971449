#pragma once
/// Colour maps for spot layers. The tables live in core (core/figure/colormap.h) so that the
/// headless figure renderer and the viewer draw identical colours; this header keeps the
/// widgets' names.
#include "figure/colormap.h"

namespace stamp::widgets {

using core::figure::ColorMapId;
using core::figure::Rgba8;
inline constexpr Rgba8 kMissingColor = core::figure::kMissingColor;
using core::figure::categoricalColor;
using core::figure::colorMapName;
using core::figure::continuousColorMaps;
using core::figure::mapContinuous;
using core::figure::mapValue;

}  // namespace stamp::widgets
