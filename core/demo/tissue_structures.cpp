// Glands, adipocytes and nuclei of the synthetic section. Each kind is placed on its own jittered
// grid in micrometres, with a hash of (seed, kind, cell) deciding everything about it, so a tile
// finds exactly the structures overlapping it without knowing about other tiles.
#include <algorithm>
#include <cmath>

#include "demo/noise.h"
#include "demo/tissue_render.h"

namespace stamp::core::demo {
namespace {

constexpr float kPi = 3.14159265f;

enum Kind : std::uint64_t { kTumourK = 1, kStromaK, kLymphK, kLaminaK, kGlandK, kFatK, kGlandNucK };

// Radial harmonics evaluated from the unit direction (c, s) without trigonometry.
inline float harmonics(float c, float s, float c2, float s2, float c3, float s3) {
  float cos2 = c * c - s * s, sin2 = 2 * c * s;
  float cos3 = c * (4 * c * c - 3), sin3 = s * (3 - 4 * s * s);
  return 1.0f + c2 * cos2 + s2 * sin2 + c3 * cos3 + s3 * sin3;
}

struct Rect {
  std::int64_t x0, y0, x1, y1;
};

// Calls fn(cellX, cellY) for every cell of size `cell` px whose centre jitter can reach `r`.
template <class Fn>
void forCells(const Rect& r, double cell, double reach, Fn&& fn) {
  auto c0 = std::int64_t(std::floor((double(r.x0) - reach) / cell)) - 1;
  auto c1 = std::int64_t(std::floor((double(r.x1) + reach) / cell)) + 1;
  auto d0 = std::int64_t(std::floor((double(r.y0) - reach) / cell)) - 1;
  auto d1 = std::int64_t(std::floor((double(r.y1) + reach) / cell)) + 1;
  for (std::int64_t cy = d0; cy <= d1; ++cy)
    for (std::int64_t cx = c0; cx <= c1; ++cx) fn(cx, cy);
}

bool touches(const Rect& r, float x, float y, float reach) {
  return x + reach >= float(r.x0) && x - reach <= float(r.x1) && y + reach >= float(r.y0) &&
         y - reach <= float(r.y1);
}

void irregular(Nucleus& n, HashStream& h, float amount) {
  n.c2 = h.range(-amount, amount);
  n.s2 = h.range(-amount, amount);
  n.c3 = h.range(-amount, amount) * 0.6f;
  n.s3 = h.range(-amount, amount) * 0.6f;
}

void addTumourNucleus(const TissueModel& m, float x, float y, HashStream& h, std::vector<Nucleus>& out) {
  Nucleus n;
  n.x = x;
  n.y = y;
  // Pleomorphism: log-normal size, occasional giant nuclei.
  float size = std::exp(h.range(-0.3f, 0.35f)) * (h.next() < 0.04f ? 1.6f : 1.0f);
  float r = float(m.px(5.0)) * size;
  n.a = r * h.range(1.0f, 1.3f);
  n.b = r * h.range(0.7f, 0.95f);
  n.angle = h.range(0, kPi);
  n.h = h.range(0.75f, 1.3f);
  irregular(n, h, 0.13f);
  n.texture = h.range(0.45f, 0.75f);
  n.nucleolus = h.next() < 0.45f ? float(m.px(h.range(0.6f, 1.1f))) : 0.0f;
  n.seed = h.next() * 1e9f;
  out.push_back(n);
}

void addRoundNucleus(float r, float dark, float x, float y, HashStream& h, std::vector<Nucleus>& out) {
  Nucleus n;
  n.x = x;
  n.y = y;
  n.a = r * h.range(0.95f, 1.12f);
  n.b = r * h.range(0.88f, 1.0f);
  n.angle = h.range(0, kPi);
  n.h = dark * h.range(0.9f, 1.1f);
  irregular(n, h, 0.05f);
  n.texture = 0.2f;
  n.seed = h.next() * 1e9f;
  out.push_back(n);
}

void addSpindle(const TissueModel& m, float x, float y, HashStream& h, std::vector<Nucleus>& out) {
  // Fibroblast nuclei lie along the collagen bundle they sit in.
  Nucleus n;
  n.x = x;
  n.y = y;
  n.a = float(m.px(h.range(5.5f, 9.0f)));
  n.b = float(m.px(h.range(1.1f, 1.7f)));
  n.angle = fibreAngleAt(m, x, y) + h.range(-0.15f, 0.15f);
  n.h = h.range(0.9f, 1.25f);
  irregular(n, h, 0.04f);
  n.texture = 0.15f;
  n.seed = h.next() * 1e9f;
  out.push_back(n);
}

// Nuclei of one jittered grid: `kind` names it, `cellUm` its spacing, `keep` the presence rule.
template <class Make>
void scatter(const TissueModel& m, const NodeCache& cache, const Rect& r, Kind kind, double cellUm,
             float prob, Compartment where, Make&& make, std::vector<Nucleus>& out) {
  double cell = m.px(cellUm), reach = m.px(16);
  forCells(r, cell, reach, [&](std::int64_t cx, std::int64_t cy) {
    HashStream h(hash3(m.seed(), cx, cy, kind));
    if (h.next() >= prob) return;
    float x = float((double(cx) + h.range(0.05f, 0.95f)) * cell);
    float y = float((double(cy) + h.range(0.05f, 0.95f)) * cell);
    if (!touches(r, x, y, float(reach))) return;
    if (TissueModel::pixelClass(cache.sample(x, y)) != where) return;
    make(x, y, h);
  });
}

}  // namespace

float Gland::radial(float px, float py, float* theta) const {
  float dx = px - x, dy = py - y;
  float reach = radius * 1.25f;
  if (dx > reach || dx < -reach || dy > reach || dy < -reach) return 2.0f;
  float u = dx * cosA + dy * sinA, v = (-dx * sinA + dy * cosA) / aspect;
  float rho = std::sqrt(u * u + v * v);
  if (rho < 1e-3f) {
    if (theta) *theta = 0;
    return 0;
  }
  if (theta) *theta = std::atan2(v, u);
  return rho / (radius * harmonics(u / rho, v / rho, c2, s2, c3, s3));
}

namespace {

void collectGlands(const TissueModel& m, const NodeCache& cache, const Rect& r,
                   std::vector<Gland>& out) {
  double cell = m.px(175);
  forCells(r, cell, m.px(120), [&](std::int64_t cx, std::int64_t cy) {
    HashStream h(hash3(m.seed(), cx, cy, kGlandK));
    Gland g;
    if (h.next() < 0.12f) return;
    g.x = float((double(cx) + h.range(0.4f, 0.6f)) * cell);
    g.y = float((double(cy) + h.range(0.4f, 0.6f)) * cell);
    g.radius = float(m.px(h.range(50, 68)));
    if (!touches(r, g.x, g.y, g.radius * 1.2f)) return;
    if (TissueModel::pixelClass(cache.sample(g.x, g.y)) != Compartment::Gland) return;
    g.aspect = h.range(0.6f, 1.0f);
    g.angle = h.range(0, kPi);
    g.cosA = std::cos(g.angle);
    g.sinA = std::sin(g.angle);
    g.thickness = float(m.px(h.range(26, 34)));
    g.c2 = h.range(-0.06f, 0.06f);
    g.s2 = h.range(-0.06f, 0.06f);
    g.c3 = h.range(-0.04f, 0.04f);
    g.s3 = h.range(-0.04f, 0.04f);
    float circumference = 2 * kPi * g.radius * (0.5f + 0.5f * g.aspect);
    g.cells = std::max(8, int(circumference / float(m.px(6.5))));
    g.seed = hash3(m.seed(), cx, cy, kGlandNucK);
    out.push_back(g);
  });
}

// Basal nuclei of a gland's columnar cells, elongated along the radius.
void glandNuclei(const TissueModel& m, const Gland& g, const Rect& r, std::vector<Nucleus>& out) {
  float ca = std::cos(g.angle), sa = std::sin(g.angle);
  for (int k = 0; k < g.cells; ++k) {
    HashStream h(mix64(g.seed + std::uint64_t(k)));
    float th = 2 * kPi * (float(k) + 0.5f + h.range(-0.15f, 0.15f)) / float(g.cells);
    float c = std::cos(th), s = std::sin(th);
    float rho = g.radius * harmonics(c, s, g.c2, g.s2, g.c3, g.s3) *
                (1.0f - h.range(0.14f, 0.26f) * g.thickness / g.radius);
    float u = rho * c, v = rho * s * g.aspect;
    Nucleus n;
    n.x = g.x + u * ca - v * sa;
    n.y = g.y + u * sa + v * ca;
    if (!touches(r, n.x, n.y, float(m.px(8)))) continue;
    n.a = float(m.px(h.range(3.8f, 5.0f)));
    n.b = float(m.px(h.range(1.6f, 2.1f)));
    n.angle = std::atan2(n.y - g.y, n.x - g.x);
    n.h = h.range(0.95f, 1.2f);
    irregular(n, h, 0.04f);
    n.texture = 0.2f;
    n.seed = h.next() * 1e9f;
    out.push_back(n);
  }
}

void collectFatSeeds(const TissueModel& m, const Rect& r, TileStructures& t) {
  t.fatCell = float(m.px(78));
  t.fatCx0 = std::int64_t(std::floor(double(r.x0) / t.fatCell)) - 2;
  t.fatCy0 = std::int64_t(std::floor(double(r.y0) / t.fatCell)) - 2;
  t.fatNx = std::int64_t(std::floor(double(r.x1) / t.fatCell)) + 3 - t.fatCx0;
  t.fatNy = std::int64_t(std::floor(double(r.y1) / t.fatCell)) + 3 - t.fatCy0;
  t.fatSeeds.resize(std::size_t(t.fatNx * t.fatNy * 2));
  for (std::int64_t j = 0; j < t.fatNy; ++j)
    for (std::int64_t i = 0; i < t.fatNx; ++i) {
      HashStream h(hash3(m.seed(), t.fatCx0 + i, t.fatCy0 + j, kFatK));
      std::size_t o = std::size_t((j * t.fatNx + i) * 2);
      t.fatSeeds[o] = (float(t.fatCx0 + i) + h.range(0.1f, 0.9f)) * t.fatCell;
      t.fatSeeds[o + 1] = (float(t.fatCy0 + j) + h.range(0.1f, 0.9f)) * t.fatCell;
    }
}

void collectFibrePatches(const TissueModel& m, const Rect& r, TileStructures& t) {
  t.fibCell = float(m.px(150));
  t.fibCi0 = std::int64_t(std::floor(double(r.x0) / t.fibCell)) - 2;
  t.fibCj0 = std::int64_t(std::floor(double(r.y0) / t.fibCell)) - 2;
  t.fibNi = std::int64_t(std::floor(double(r.x1) / t.fibCell)) + 3 - t.fibCi0;
  t.fibNj = std::int64_t(std::floor(double(r.y1) / t.fibCell)) + 3 - t.fibCj0;
  t.fibres.resize(std::size_t(t.fibNi * t.fibNj));
  for (std::int64_t j = 0; j < t.fibNj; ++j)
    for (std::int64_t i = 0; i < t.fibNi; ++i) {
      float a = fibrePatchAngle(m, t.fibCi0 + i, t.fibCj0 + j);
      std::uint64_t h = hash3(m.seed(), t.fibCi0 + i, t.fibCj0 + j, 0xF1B3ull);
      t.fibres[std::size_t(j * t.fibNi + i)] = {std::cos(a), std::sin(a), unitFloat(mix64(h)) * 2 * kPi, h};
    }
}

}  // namespace

float fatMembraneGap(const TileStructures& t, float x, float y) {
  auto ci = std::int64_t(std::floor(x / t.fatCell)) - t.fatCx0;
  auto cj = std::int64_t(std::floor(y / t.fatCell)) - t.fatCy0;
  float d1 = 1e9f, d2 = 1e9f;
  for (std::int64_t j = std::max<std::int64_t>(cj - 1, 0); j <= std::min(cj + 1, t.fatNy - 1); ++j)
    for (std::int64_t i = std::max<std::int64_t>(ci - 1, 0); i <= std::min(ci + 1, t.fatNx - 1); ++i) {
      std::size_t o = std::size_t((j * t.fatNx + i) * 2);
      float dx = t.fatSeeds[o] - x, dy = t.fatSeeds[o + 1] - y;
      float d = std::sqrt(dx * dx + dy * dy);
      if (d < d1) {
        d2 = d1;
        d1 = d;
      } else if (d < d2) {
        d2 = d;
      }
    }
  return d2 - d1;
}

TileStructures collectStructures(const TissueModel& m, const NodeCache& cache, std::int64_t x0,
                                 std::int64_t y0, std::int64_t x1, std::int64_t y1) {
  TileStructures t;
  Rect r{x0, y0, x1, y1};
  collectGlands(m, cache, r, t.glands);
  collectFatSeeds(m, r, t);
  collectFibrePatches(m, r, t);
  auto& out = t.nuclei;
  scatter(m, cache, r, kTumourK, 13.0, 0.9f, Compartment::Tumour,
          [&](float x, float y, HashStream& h) { addTumourNucleus(m, x, y, h, out); }, out);
  scatter(m, cache, r, kStromaK, 20.0, 0.5f, Compartment::Stroma, [&](float x, float y, HashStream& h) {
    if (h.next() < 0.1f) addRoundNucleus(float(m.px(2.8)), 1.55f, x, y, h, out);  // lymphocyte
    else addSpindle(m, x, y, h, out);
  }, out);
  scatter(m, cache, r, kLymphK, 6.3, 0.93f, Compartment::Lymphoid, [&](float x, float y, HashStream& h) {
    // Germinal centres (where the nest field is high): sparser, larger, paler centroblasts.
    bool centre = cache.sample(x, y)[FieldSample::kNest] > 0.55f;
    if (centre && h.next() < 0.3f) return;
    bool large = h.next() < (centre ? 0.6f : 0.05f);
    addRoundNucleus(float(m.px(large ? 4.3 : h.range(2.5f, 3.1f))), large ? 0.85f : 1.5f, x, y, h, out);
  }, out);
  scatter(m, cache, r, kLaminaK, 11.0, 0.55f, Compartment::Gland, [&](float x, float y, HashStream& h) {
    for (const Gland& g : t.glands)
      if (g.radial(x, y, nullptr) < 1.12f) return;  // the lamina propria lies between glands
    addRoundNucleus(float(m.px(h.range(2.7f, 3.4f))), 1.45f, x, y, h, out);
  }, out);
  for (const Gland& g : t.glands) glandNuclei(m, g, r, out);
  return t;
}

void stampNuclei(const std::vector<Nucleus>& nuclei, std::int64_t x0, std::int64_t y0, int w, int h,
                 float mpp, const std::vector<float>& tissueMask, std::vector<float>& hPlane,
                 std::vector<float>& ePlane) {
  const double texScale = mpp / 1.0;  // chromatin granules of about 1 um
  for (const Nucleus& n : nuclei) {
    float reach = std::max(n.a, n.b) * 1.3f + 1.5f;
    int px0 = std::max(0, int(std::floor(n.x - reach - float(x0))));
    int px1 = std::min(w - 1, int(std::ceil(n.x + reach - float(x0))));
    int py0 = std::max(0, int(std::floor(n.y - reach - float(y0))));
    int py1 = std::min(h - 1, int(std::ceil(n.y + reach - float(y0))));
    float ca = std::cos(n.angle), sa = std::sin(n.angle);
    float nx = n.x + 0.25f * n.a * ca, ny = n.y + 0.25f * n.a * sa;  // nucleolus, off-centre
    for (int py = py0; py <= py1; ++py)
      for (int px = px0; px <= px1; ++px) {
        float X = float(x0 + px) + 0.5f, Y = float(y0 + py) + 0.5f;
        float dx = X - n.x, dy = Y - n.y;
        float u = (dx * ca + dy * sa) / n.a, v = (-dx * sa + dy * ca) / n.b;
        float rho = std::sqrt(u * u + v * v);
        if (rho > 1.35f) continue;
        float d = rho < 1e-4f ? 0 : rho / harmonics(u / rho, v / rho, n.c2, n.s2, n.c3, n.s3);
        float cov = clamp01((1.0f - d) * n.b * 1.1f + 0.5f);
        if (cov <= 0) continue;
        float tex = valueNoise(n.seed, double(X) * texScale, double(Y) * texScale);
        float hn = n.h * (0.82f + n.texture * tex) + (d > 0.78f ? 0.18f * n.h : 0.0f);
        float en = 0.10f;
        if (n.nucleolus > 0 && std::hypot(X - nx, Y - ny) < n.nucleolus) {
          hn += 0.2f;
          en += 0.45f;
        }
        std::size_t o = std::size_t(py) * std::size_t(w) + std::size_t(px);
        cov *= tissueMask[o];
        hPlane[o] = hPlane[o] * (1 - cov) + hn * cov;
        ePlane[o] = ePlane[o] * (1 - cov) + en * cov;
      }
  }
}

}  // namespace stamp::core::demo
