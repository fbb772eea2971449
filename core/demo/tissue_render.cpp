// Pixel shading of the synthetic H&E section. Work happens in optical-density space: each pixel
// gets a haematoxylin and an eosin density, nuclei are blended in, a slight blur stands in for
// the optics, and Beer-Lambert turns densities into RGB with the stain vectors of H&E.
#include "demo/tissue_render.h"

#include <algorithm>
#include <cmath>

#include "demo/noise.h"

namespace stamp::core::demo {
namespace {

constexpr float kTwoPi = 6.2831853f;
// Optical density per unit stain (log10), R, G, B: haematoxylin absorbs red/green (purple-blue),
// eosin mostly green with some blue (pink).
constexpr float kHaem[3] = {0.64f, 0.72f, 0.27f};
constexpr float kEosin[3] = {0.07f, 0.84f, 0.36f};
constexpr float kGlass[3] = {245.0f, 245.0f, 244.0f};

struct Stain {
  float h = 0, e = 0;
};

}  // namespace

float fibrePatchAngle(const TissueModel& m, std::int64_t ci, std::int64_t cj) {
  // Neighbouring bundles run in similar directions (a slow field) with some disorder.
  return 3.2f * valueNoise(m.seed() + 0xF1B4ull, double(ci) / 3.0, double(cj) / 3.0) +
         0.5f * (unitFloat(hash3(m.seed(), ci, cj, 0xF1B5ull)) - 0.5f);
}

float fibreAngleAt(const TissueModel& m, float x, float y) {
  const float cell = float(m.px(150));
  auto ci = std::int64_t(std::floor(x / cell)), cj = std::int64_t(std::floor(y / cell));
  // Fibres run across the patch's noise axis, i.e. at a right angle to its angle.
  return fibrePatchAngle(m, ci, cj) + 1.5707963f;
}

namespace {

// One patch of collagen: thin wavy fibres along a direction, with elongated clefts.
float fibrePatch(const TileStructures::FibrePatch& p, float dx, float dy, float um) {
  float u = (dx * p.cosA + dy * p.sinA) * um, v = (-dx * p.sinA + dy * p.cosA) * um;
  u += 2.5f * std::sin(v * 0.09f + p.phase);  // waviness, ~70 um period
  float fib = valueNoise(p.hash, u / 2.2, v / 45.0);
  float gap = valueNoise(p.hash ^ 0x77ull, u / 9.0, v / 90.0);
  return smoothstep(-0.35f, 0.45f, fib) * (1.0f - 0.85f * smoothstep(0.35f, 0.6f, gap));
}

Stain stroma(const TissueModel& m, const TileStructures& t, const FieldSample& s, float x, float y) {
  // Bundles with their own direction on a 150 um grid, blended bilinearly: interwoven collagen.
  const float cell = t.fibCell;
  float gx = x / cell - 0.5f, gy = y / cell - 0.5f;
  float fx = std::floor(gx), fy = std::floor(gy);
  // Sharpened weights: most pixels belong to one or two bundles (less plaid, less work).
  float tx = smoothstep(0.1f, 0.9f, gx - fx), ty = smoothstep(0.1f, 0.9f, gy - fy);
  float sum = 0;
  for (int k = 0; k < 4; ++k) {
    auto ci = std::int64_t(fx) + (k & 1), cj = std::int64_t(fy) + (k >> 1);
    float w = ((k & 1) ? tx : 1 - tx) * ((k >> 1) ? ty : 1 - ty);
    if (w < 1e-3f) continue;
    float cx = (float(ci) + 0.5f) * cell, cy = (float(cj) + 0.5f) * cell;
    sum += w * fibrePatch(t.fibre(ci, cj), x - cx, y - cy, float(m.mpp()));
  }
  float e = (0.12f + 0.40f * sum) * (1.0f + 0.12f * s[FieldSample::kCleft]);
  return {0.03f + 0.02f * sum, e};
}

Stain gland(const TissueModel& m, const TileStructures& t, const FieldSample& s, float x, float y) {
  for (const Gland& g : t.glands) {
    float r = g.radial(x, y, nullptr);
    if (r >= 1.0f) continue;
    float lumen = g.lumenEdge();
    if (r < lumen) return {0.01f, 0.02f + 0.04f * std::max(0.0f, s[FieldSample::kCleft])};
    // Columnar cells: faint membranes between cells, some goblet cells with pale mucin.
    float theta = 0;
    g.radial(x, y, &theta);
    float pos = (theta / kTwoPi + 0.5f) * float(g.cells);
    float frac = pos - std::floor(pos);
    float depth = (r - lumen) / (1.0f - lumen);  // 0 apical (lumen) .. 1 basal
    Stain st{0.09f, 0.34f};
    // Goblet cells: round cups of pale, slightly bluish mucin (about 9 um) above the nuclei,
    // placed per pair of columnar cells so that they are as wide as they look in sections.
    float pair = pos * 0.5f, pairFrac = pair - std::floor(pair);
    auto pairId = std::uint64_t(std::int64_t(std::floor(pair)));
    if (unitFloat(mix64(g.seed ^ (pairId * 0x9E37ull))) < 0.45f) {
      float pairPx = 2 * kTwoPi * g.radius * (0.5f + 0.5f * g.aspect) / float(g.cells);
      float gu = (pairFrac - 0.5f) * pairPx / float(m.px(4.2));
      float gv = (depth - 0.38f) * g.thickness / float(m.px(5.5));
      if (gu * gu + gv * gv < 1.0f) st = {0.14f, 0.05f};
    }
    float membrane = 1.0f - smoothstep(0.0f, 0.12f, std::min(frac, 1.0f - frac));
    st.e += 0.12f * membrane;
    if (depth > 0.93f) st.e += 0.15f;  // basement membrane
    return st;
  }
  // Lamina propria: loose, lightly stained connective tissue between glands.
  return {0.07f, 0.15f * (1.0f - 0.4f * smoothstep(0.1f, 0.6f, s[FieldSample::kCleft]))};
}

Stain fat(const TissueModel& m, const TileStructures& t, float x, float y) {
  // Slightly warped Voronoi cells: polygonal adipocytes with gently curved membranes.
  const double um = m.mpp();
  float wx = x + float(m.px(6)) * valueNoise(m.seed() + 901, x * um / 45.0, y * um / 45.0);
  float wy = y + float(m.px(6)) * valueNoise(m.seed() + 902, x * um / 45.0, y * um / 45.0);
  float membranePx = float(m.px(1.6));
  float gap = fatMembraneGap(t, wx, wy);
  float membrane = 1.0f - smoothstep(0.4f * membranePx, 1.2f * membranePx, gap);
  return {0.02f * membrane, 0.004f + 0.42f * membrane};
}

Stain shade(const TissueModel& m, const TileStructures& t, const FieldSample& s, float x, float y) {
  switch (TissueModel::pixelClass(s)) {
    case Compartment::Background: return {0.0f, 0.004f};
    case Compartment::Stroma: return stroma(m, t, s, x, y);
    case Compartment::Tumour:  // amphophilic cytoplasm of the carcinoma cells
      return {0.15f + 0.03f * s[FieldSample::kCleft], 0.27f + 0.04f * s[FieldSample::kCleft]};
    case Compartment::Lymphoid: return {0.10f, 0.16f};
    case Compartment::Gland: return gland(m, t, s, x, y);
    case Compartment::Fat: return fat(m, t, x, y);
  }
  return {};
}

std::uint8_t toByte(float v) { return std::uint8_t(std::lround(std::clamp(v, 0.0f, 255.0f))); }

}  // namespace

void renderRegion(const TissueModel& model, std::int64_t x0, std::int64_t y0, int w, int h,
                  std::uint8_t* rgb, std::size_t rowStride) {
  // One pixel of margin on every side feeds the blur, so tile borders do not show.
  const int W = w + 2, H = h + 2;
  const std::int64_t ex = x0 - 1, ey = y0 - 1;
  const std::int64_t pad = 32;  // nuclei up to 16 um away can reach into the tile
  NodeCache cache(model, ex - pad, ey - pad, ex + W + pad, ey + H + pad);
  TileStructures t = collectStructures(model, cache, ex, ey, ex + W, ey + H);
  std::vector<float> hp(std::size_t(W) * std::size_t(H)), ep(hp.size()), gh(hp.size()), ge(hp.size()), mask(hp.size());
  for (int py = 0; py < H; ++py)
    for (int px = 0; px < W; ++px) {
      float X = float(ex + px) + 0.5f, Y = float(ey + py) + 0.5f;
      FieldSample s = cache.sample(X, Y);
      Stain st = shade(model, t, s, X, Y);
      std::size_t o = std::size_t(py) * std::size_t(W) + std::size_t(px);
      hp[o] = st.h;
      ep[o] = st.e;
      bool tissue = TissueModel::inTissue(s);
      mask[o] = tissue ? 1.0f : 0.0f;
      gh[o] = tissue ? s[FieldSample::kStainH] : 1.0f;
      ge[o] = tissue ? s[FieldSample::kStainE] : 1.0f;
    }
  stampNuclei(t.nuclei, ex, ey, W, H, float(model.mpp()), mask, hp, ep);
  for (int py = 0; py < h; ++py) {
    std::uint8_t* row = rgb + std::size_t(py) * rowStride;
    for (int px = 0; px < w; ++px) {
      std::size_t c = std::size_t(py + 1) * std::size_t(W) + std::size_t(px + 1);
      auto blur = [&](const std::vector<float>& p) {
        float v = 4 * p[c] + 2 * (p[c - 1] + p[c + 1] + p[c - W] + p[c + W]) +
                  p[c - W - 1] + p[c - W + 1] + p[c + W - 1] + p[c + W + 1];
        return v * (1.0f / 16.0f);
      };
      float hv = blur(hp) * gh[c], evv = blur(ep) * ge[c];
      std::uint64_t n = hash3(model.seed() ^ 0xA5A5ull, ex + px + 1, ey + py + 1);
      for (int k = 0; k < 3; ++k) {
        float noise = (unitFloat(mix64(n + std::uint64_t(k))) - 0.5f) * 4.0f;
        float od = hv * kHaem[k] + evv * kEosin[k];
        row[px * 3 + k] = toByte(kGlass[k] * std::exp(-2.302585f * od) + noise);
      }
    }
  }
}

}  // namespace stamp::core::demo
