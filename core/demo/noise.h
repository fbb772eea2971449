#pragma once
/// Hashing and value noise for the synthetic tissue. Everything is a pure function of its
/// arguments (no global RNG state) so a tile renders the same pixels whichever thread renders
/// it and whichever neighbour tile was rendered first.
#include <cmath>
#include <cstdint>

namespace stamp::core::demo {

/// SplitMix64 finaliser: a bijective 64-bit mixer.
inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline std::uint64_t hash3(std::uint64_t seed, std::int64_t a, std::int64_t b, std::uint64_t c = 0) {
  std::uint64_t h = mix64(seed ^ 0x5851F42D4C957F2Dull);
  h = mix64(h ^ std::uint64_t(a));
  h = mix64(h ^ (std::uint64_t(b) * 0x2545F4914F6CDD1Dull));
  return mix64(h ^ (c * 0x9E3779B97F4A7C15ull));
}

/// Uniform in [0, 1) from the top 24 bits of a hash.
inline float unitFloat(std::uint64_t h) { return float(h >> 40) * (1.0f / 16777216.0f); }

/// A small deterministic stream of uniforms derived from one hash (per nucleus, per gland).
class HashStream {
 public:
  explicit HashStream(std::uint64_t h) : state_(h) {}
  float next() { return unitFloat(state_ = mix64(state_)); }
  float range(float lo, float hi) { return lo + (hi - lo) * next(); }

 private:
  std::uint64_t state_;
};

/// Value noise in [-1, 1] on the integer lattice, smooth (quintic) interpolation.
inline float valueNoise(std::uint64_t seed, double x, double y) {
  double fx = std::floor(x), fy = std::floor(y);
  auto ix = std::int64_t(fx), iy = std::int64_t(fy);
  float tx = float(x - fx), ty = float(y - fy);
  // One mixing round per lattice corner: this is the innermost loop of the renderer.
  const std::uint64_t base = mix64(seed);
  auto v = [&](std::int64_t a, std::int64_t b) {
    std::uint64_t h = mix64(base + std::uint64_t(a) * 0x9E3779B97F4A7C15ull +
                            std::uint64_t(b) * 0xC2B2AE3D27D4EB4Full);
    return unitFloat(h) * 2.0f - 1.0f;
  };
  auto s = [](float t) { return t * t * t * (t * (t * 6.0f - 15.0f) + 10.0f); };
  float sx = s(tx), sy = s(ty);
  float a = v(ix, iy) + (v(ix + 1, iy) - v(ix, iy)) * sx;
  float b = v(ix, iy + 1) + (v(ix + 1, iy + 1) - v(ix, iy + 1)) * sx;
  return a + (b - a) * sy;
}

/// Fractal sum of `octaves` value-noise layers, normalised to about [-1, 1].
inline float fbm(std::uint64_t seed, double x, double y, int octaves) {
  float sum = 0, amp = 1, norm = 0;
  for (int o = 0; o < octaves; ++o) {
    sum += amp * valueNoise(seed + std::uint64_t(o) * 7919u, x, y);
    norm += amp;
    amp *= 0.5f;
    x = x * 2.03 + 17.1;
    y = y * 2.03 - 9.7;
  }
  return sum / norm;
}

inline float clamp01(float v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }
inline float smoothstep(float a, float b, float x) {
  float t = clamp01((x - a) / (b - a));
  return t * t * (3.0f - 2.0f * t);
}

}  // namespace stamp::core::demo
