#include "widgets/layer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace stamp::widgets {

Rgba8 Layer::colorOf(std::size_t i) const {
  if (kind == Kind::Rgb)
    return i * 3 + 2 < rgb.size() ? Rgba8{rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 255}
                                  : kMissingColor;
  if (kind == Kind::Categorical) return i < codes.size() ? categoricalColor(codes[i]) : kMissingColor;
  if (i >= values.size()) return kMissingColor;
  return mapValue(colorMap, values[i], vmin, vmax);
}

std::vector<std::uint8_t> Layer::packedColors() const {
  const std::size_t n = spotCount();
  std::vector<std::uint8_t> out(n * 4);
  for (std::size_t i = 0; i < n; ++i) {
    const Rgba8 c = colorOf(i);
    out[i * 4 + 0] = c.r;
    out[i * 4 + 1] = c.g;
    out[i * 4 + 2] = c.b;
    out[i * 4 + 3] = c.a;
  }
  return out;
}

void Layer::autoLimits(bool robust) {
  if (kind != Kind::Continuous) return;
  std::vector<float> finite;
  finite.reserve(values.size());
  for (float v : values)
    if (std::isfinite(v)) finite.push_back(v);
  if (finite.empty()) {
    vmin = 0;
    vmax = 1;
    return;
  }
  std::sort(finite.begin(), finite.end());
  auto at = [&](double q) { return double(finite[std::size_t(q * double(finite.size() - 1))]); };
  vmin = robust ? at(0.01) : finite.front();
  vmax = robust ? at(0.99) : finite.back();
  // A layer whose robust range collapses (mostly zeros) still needs a visible spread.
  if (!(vmax > vmin)) vmax = finite.back() > vmin ? double(finite.back()) : vmin + 1.0;
}

std::string Layer::valueText(std::size_t i) const {
  if (kind == Kind::Rgb) {
    if (i * 3 + 2 >= rgb.size()) return "NA";
    char hex[16];
    std::snprintf(hex, sizeof hex, "#%02x%02x%02x", rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]);
    return hex;
  }
  if (kind == Kind::Categorical) {
    if (i >= codes.size() || codes[i] < 0 || std::size_t(codes[i]) >= categories.size())
      return "NA";
    return categories[std::size_t(codes[i])];
  }
  if (i >= values.size() || std::isnan(values[i])) return "NA";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", double(values[i]));
  return buf;
}

}  // namespace stamp::widgets
