#include "figure/colormap.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace stamp::core::figure {
namespace {

using Stop = std::array<std::uint8_t, 3>;

// Nine evenly spaced stops of matplotlib's viridis and magma; linear interpolation between them
// stays within a few levels of the 256-entry originals.
constexpr std::array<Stop, 9> kViridis{{{68, 1, 84},
                                        {72, 40, 120},
                                        {62, 74, 137},
                                        {49, 104, 142},
                                        {38, 130, 142},
                                        {31, 158, 137},
                                        {53, 183, 121},
                                        {109, 205, 89},
                                        {253, 231, 37}}};
constexpr std::array<Stop, 9> kMagma{{{0, 0, 4},
                                      {28, 16, 68},
                                      {79, 18, 123},
                                      {129, 37, 129},
                                      {181, 54, 122},
                                      {229, 80, 100},
                                      {251, 136, 97},
                                      {254, 194, 135},
                                      {252, 253, 191}}};
// ColorBrewer RdBu (11 classes), ordered blue (low) to red (high) as expression plots expect.
constexpr std::array<Stop, 11> kRdBu{{{5, 48, 97},
                                      {33, 102, 172},
                                      {67, 147, 195},
                                      {146, 197, 222},
                                      {209, 229, 240},
                                      {247, 247, 247},
                                      {253, 219, 199},
                                      {244, 165, 130},
                                      {214, 96, 77},
                                      {178, 24, 43},
                                      {103, 0, 31}}};
// tab20 with the ten saturated colours first, so that few categories get distinct hues.
constexpr std::array<Stop, 20> kTab20{{{31, 119, 180},  {255, 127, 14},  {44, 160, 44},
                                       {214, 39, 40},   {148, 103, 189}, {140, 86, 75},
                                       {227, 119, 194}, {127, 127, 127}, {188, 189, 34},
                                       {23, 190, 207},  {174, 199, 232}, {255, 187, 120},
                                       {152, 223, 138}, {255, 152, 150}, {197, 176, 213},
                                       {196, 156, 148}, {247, 182, 210}, {199, 199, 199},
                                       {219, 219, 141}, {158, 218, 229}}};

template <std::size_t N>
Rgba8 interpolate(const std::array<Stop, N>& stops, double t) {
  const double pos = std::clamp(t, 0.0, 1.0) * double(N - 1);
  const std::size_t i = std::min<std::size_t>(std::size_t(pos), N - 2);
  const double f = pos - double(i);
  // Rounds half up by truncation: the mix is never negative, and std::lround is a library
  // call that dominated recolouring 100,000 spots.
  auto mix = [&](int c) {
    return std::uint8_t(stops[i][c] * (1.0 - f) + stops[i + 1][c] * f + 0.5);
  };
  return Rgba8{mix(0), mix(1), mix(2), 255};
}

}  // namespace

const char* colorMapName(ColorMapId id) {
  switch (id) {
    case ColorMapId::Viridis: return "viridis";
    case ColorMapId::Magma: return "magma";
    case ColorMapId::RdBu: return "RdBu (diverging)";
    case ColorMapId::Tab20: return "tab20 (categorical)";
  }
  return "?";
}

std::vector<ColorMapId> continuousColorMaps() {
  return {ColorMapId::Viridis, ColorMapId::Magma, ColorMapId::RdBu};
}

Rgba8 mapContinuous(ColorMapId id, double t) {
  if (std::isnan(t)) return kMissingColor;
  switch (id) {
    case ColorMapId::Viridis: return interpolate(kViridis, t);
    case ColorMapId::Magma: return interpolate(kMagma, t);
    case ColorMapId::RdBu: return interpolate(kRdBu, t);
    case ColorMapId::Tab20:
      return categoricalColor(int(std::clamp(t, 0.0, 1.0) * 19.0 + 0.5));
  }
  return kMissingColor;
}

Rgba8 mapValue(ColorMapId id, double value, double vmin, double vmax) {
  if (std::isnan(value)) return kMissingColor;
  if (!(vmax > vmin)) return mapContinuous(id, 0.5);
  return mapContinuous(id, (value - vmin) / (vmax - vmin));
}

Rgba8 categoricalColor(int code) {
  if (code < 0) return kMissingColor;
  const Stop& s = kTab20[std::size_t(code) % kTab20.size()];
  return Rgba8{s[0], s[1], s[2], 255};
}

}  // namespace stamp::core::figure
