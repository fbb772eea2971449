#include "data/augment.h"

#include <algorithm>
#include <cmath>

namespace stamp::core::data {

GeometricTransform drawGeometric(const AugmentOptions& o, std::mt19937_64& rng) {
  GeometricTransform t;
  // Both draws always happen so that switching one option does not shift later random numbers.
  const auto a = rng(), b = rng();
  if (o.flips) t.flip = (a & 1u) != 0;
  if (o.rot90) t.quarterTurns = int(b % 4u);
  return t;
}

ColourTransform drawColour(const AugmentOptions& o, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const double j = std::clamp(o.colourJitter, 0.0, 0.5);
  const double b = u(rng), c = u(rng), s = u(rng);
  if (j <= 0) return {};
  return {1 + j * b, 1 + j * c, 1 + j * s};
}

namespace {

/// Source pixel of destination (x, y) for one clockwise quarter turn of a w x h image
/// (destination is h x w): dst(x, y) = src(y, h' - 1 - x) with h' = destination width.
RgbImage rotateOnce(const RgbImage& in) {
  RgbImage out;
  out.width = in.height;
  out.height = in.width;
  out.rgb.resize(in.rgb.size());
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      const int sx = y, sy = in.height - 1 - x;
      const auto* s = &in.rgb[(std::size_t(sy) * std::size_t(in.width) + std::size_t(sx)) * 3];
      std::copy_n(s, 3, &out.rgb[(std::size_t(y) * std::size_t(out.width) + std::size_t(x)) * 3]);
    }
  return out;
}

RgbImage flipH(const RgbImage& in) {
  RgbImage out = in;
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < in.width; ++x) {
      const auto* s = &in.rgb[(std::size_t(y) * std::size_t(in.width) + std::size_t(in.width - 1 - x)) * 3];
      std::copy_n(s, 3, &out.rgb[(std::size_t(y) * std::size_t(in.width) + std::size_t(x)) * 3]);
    }
  return out;
}

}  // namespace

RgbImage applyGeometric(const RgbImage& in, const GeometricTransform& t) {
  RgbImage out = t.flip ? flipH(in) : in;
  for (int k = 0; k < (t.quarterTurns & 3); ++k) out = rotateOnce(out);
  return out;
}

int transformCell(int cell, const GeometricTransform& t) {
  int row = cell / 3, col = cell % 3;
  if (t.flip) col = 2 - col;
  for (int k = 0; k < (t.quarterTurns & 3); ++k) {
    // Clockwise turn of a 3 x 3 grid: (row, col) -> (col, 2 - row), the inverse of rotateOnce's
    // source mapping.
    const int r = col, c = 2 - row;
    row = r;
    col = c;
  }
  return 3 * row + col;
}

void applyColour(RgbImage& img, const ColourTransform& t) {
  if (t.brightness == 1 && t.contrast == 1 && t.saturation == 1) return;
  const std::size_t n = img.rgb.size() / 3;
  double mean = 0;
  for (std::size_t i = 0; i < n; ++i)
    mean += 0.299 * img.rgb[3 * i] + 0.587 * img.rgb[3 * i + 1] + 0.114 * img.rgb[3 * i + 2];
  mean = n ? mean / double(n) : 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto* p = &img.rgb[3 * i];
    const double grey = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    for (int c = 0; c < 3; ++c) {
      double v = grey + (p[c] - grey) * t.saturation;
      v = mean + (v - mean) * t.contrast;
      v *= t.brightness;
      p[c] = std::uint8_t(std::clamp(std::lround(v), 0L, 255L));
    }
  }
}

}  // namespace stamp::core::data
