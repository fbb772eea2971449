#pragma once
/// Layer: per-spot values or categories + colour map + limits. Every overlay (gene expression,
/// total counts, obs columns, embeddings later) is one of these. Plain C++, GUI thread only once
/// handed to a LayerModel; built on workers as a value.
#include <cstdint>
#include <string>
#include <vector>

#include "widgets/colormap.h"

namespace stamp::widgets {

struct Layer {
  // Rgb: a colour per spot given directly (e.g. embedding PCA colours), no colour map.
  enum class Kind { Continuous, Categorical, Rgb };
  std::string name;
  Kind kind = Kind::Continuous;
  std::vector<float> values;           // Continuous: one per spot, NaN = missing
  std::vector<std::int32_t> codes;     // Categorical: one per spot, -1 = missing
  std::vector<std::string> categories; // Categorical: code -> label
  std::vector<std::uint8_t> rgb;       // Rgb: 3 bytes per spot
  ColorMapId colorMap = ColorMapId::Viridis;
  double vmin = 0, vmax = 1;
  bool visible = true;
  float opacity = 0.85f;

  std::size_t spotCount() const {
    if (kind == Kind::Rgb) return rgb.size() / 3;
    return kind == Kind::Continuous ? values.size() : codes.size();
  }
  /// The colour of spot i (straight alpha; opacity is applied when drawing).
  Rgba8 colorOf(std::size_t i) const;
  /// Colours of all spots packed as RGBA bytes (4 per spot), for the GPU colour buffer.
  std::vector<std::uint8_t> packedColors() const;
  /// Sets vmin/vmax to the data's finite range (robust: 1st..99th percentile when `robust`).
  void autoLimits(bool robust = true);
  /// Human-readable value of spot i ("3.2", a category label, or "NA").
  std::string valueText(std::size_t i) const;
};

}  // namespace stamp::widgets
