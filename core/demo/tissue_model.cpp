#include "demo/tissue_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "demo/noise.h"

namespace stamp::core::demo {

const char* compartmentName(Compartment c) {
  switch (c) {
    case Compartment::Background: return "background";
    case Compartment::Tumour: return "tumour";
    case Compartment::Stroma: return "stroma";
    case Compartment::Lymphoid: return "lymphoid";
    case Compartment::Gland: return "gland";
    case Compartment::Fat: return "fat";
  }
  return "background";
}

namespace {
// Field channels get distinct noise seeds derived from the sample seed.
enum Channel : std::uint64_t { kWarpX = 11, kWarpY, kOutlineCh, kHoleCh, kTearCh, kTearGateCh,
                               kNestCh, kStainHCh, kStainECh, kCleftCh };
}  // namespace

TissueModel::TissueModel(std::uint64_t seed, std::int64_t width, std::int64_t height, double mpp)
    : seed_(seed), width_(width), height_(height), mpp_(mpp) {
  // Compartments span a couple of millimetres, but a small sample still shows all of them.
  double minSideUm = double(std::min(width, height)) * mpp;
  cellPx_ = px(std::clamp(minSideUm / 2.2, 150.0, 2200.0));
  cellsX_ = std::int64_t(std::ceil(double(width) / cellPx_));
  cellsY_ = std::int64_t(std::ceil(double(height) / cellPx_));
  placeSeeds();
}

void TissueModel::placeSeeds() {
  const std::int64_t nx = cellsX_ + 2 * kPad, ny = cellsY_ + 2 * kPad;
  seeds_.resize(std::size_t(nx * ny));
  std::vector<std::size_t> inside, outside;
  for (std::int64_t cy = 0; cy < ny; ++cy) {
    for (std::int64_t cx = 0; cx < nx; ++cx) {
      HashStream h(hash3(seed_, cx - kPad, cy - kPad, 101));
      Seed& s = seeds_[std::size_t(cy * nx + cx)];
      s.x = (double(cx - kPad) + h.range(0.2f, 0.8f)) * cellPx_;
      s.y = (double(cy - kPad) + h.range(0.2f, 0.8f)) * cellPx_;
      bool in = s.x >= 0 && s.y >= 0 && s.x < double(width_) && s.y < double(height_);
      (in ? inside : outside).push_back(std::size_t(cy * nx + cx));
    }
  }
  // Seeds inside the image take the pattern first, so every compartment shows up.
  std::mt19937_64 rng(mix64(seed_ ^ 0xC0FFEEull));
  std::shuffle(inside.begin(), inside.end(), rng);
  std::shuffle(outside.begin(), outside.end(), rng);
  static const Compartment pattern[] = {Compartment::Tumour, Compartment::Stroma,
                                        Compartment::Lymphoid, Compartment::Gland,
                                        Compartment::Fat, Compartment::Stroma,
                                        Compartment::Tumour, Compartment::Stroma};
  std::size_t k = 0;
  for (const auto* list : {&inside, &outside})
    for (std::size_t idx : *list) seeds_[idx].comp = std::uint8_t(pattern[k++ % 8]);
}

const TissueModel::Seed* TissueModel::seedAt(std::int64_t cx, std::int64_t cy) const {
  const std::int64_t nx = cellsX_ + 2 * kPad, ny = cellsY_ + 2 * kPad;
  cx += kPad;
  cy += kPad;
  if (cx < 0 || cy < 0 || cx >= nx || cy >= ny) return nullptr;
  return &seeds_[std::size_t(cy * nx + cx)];
}

void TissueModel::compartmentScores(double x, double y, float* out) const {
  // Warped Voronoi: compartment scores are minus the distance to the nearest seed of each.
  double warpScale = cellPx_ * 0.6, warpAmp = cellPx_ * 0.32;
  double wx = x + warpAmp * fbm(seed_ + kWarpX, x / warpScale, y / warpScale, 3);
  double wy = y + warpAmp * fbm(seed_ + kWarpY, x / warpScale, y / warpScale, 3);
  float best[kTissueCompartments];
  std::fill(best, best + kTissueCompartments, 1e9f);
  auto cx = std::int64_t(std::floor(wx / cellPx_)), cy = std::int64_t(std::floor(wy / cellPx_));
  for (std::int64_t dy = -2; dy <= 2; ++dy)
    for (std::int64_t dx = -2; dx <= 2; ++dx) {
      const Seed* s = seedAt(cx + dx, cy + dy);
      if (!s) continue;
      float d = float(std::hypot(s->x - wx, s->y - wy) / cellPx_);
      float& b = best[s->comp - 1];
      b = std::min(b, d);
    }
  for (int c = 0; c < kTissueCompartments; ++c) out[FieldSample::kScore0 + c] = -std::min(best[c], 4.0f);
}

void TissueModel::nodeFields(std::int64_t i, std::int64_t j, float* out) const {
  const double x = double(i * kNodeStride), y = double(j * kNodeStride);
  const double um = mpp_;  // micrometres per pixel
  compartmentScores(x, y, out);
  // Outline: an irregular blob filling most of the slide; holes and tears inside it.
  double rx = (x - 0.5 * double(width_)) / (0.47 * double(width_));
  double ry = (y - 0.5 * double(height_)) / (0.46 * double(height_));
  double outlineScale = 0.35 * double(std::min(width_, height_));
  out[FieldSample::kOutline] = float(1.0 - std::hypot(rx, ry)) +
                               0.22f * fbm(seed_ + kOutlineCh, x / outlineScale, y / outlineScale, 4);
  out[FieldSample::kHole] = fbm(seed_ + kHoleCh, x * um / 260.0, y * um / 260.0, 3);
  out[FieldSample::kTear] = fbm(seed_ + kTearCh, x * um / 1100.0, y * um / 1100.0, 3);
  out[FieldSample::kTearGate] = fbm(seed_ + kTearGateCh, x * um / 1500.0, y * um / 1500.0, 2);
  // Tumour nests (> 0) and the stromal septa between them; germinal centres in lymphoid areas.
  out[FieldSample::kNest] = fbm(seed_ + kNestCh, x * um / 110.0, y * um / 110.0, 3) + 0.3f;
  // Slow stain-intensity drift, as between areas of a real section.
  out[FieldSample::kStainH] = 1.0f + 0.14f * fbm(seed_ + kStainHCh, x * um / 1800.0, y * um / 1800.0, 2);
  out[FieldSample::kStainE] = 1.0f + 0.14f * fbm(seed_ + kStainECh, x * um / 1600.0, y * um / 1600.0, 2);
  out[FieldSample::kCleft] = fbm(seed_ + kCleftCh, x * um / 35.0, y * um / 35.0, 2);
}

FieldSample TissueModel::sampleAt(double x, double y) const {
  std::array<std::array<float, FieldSample::kCount>, 4> buf;
  int next = 0;
  return interpolateFields(x, y, [&](std::int64_t i, std::int64_t j) {
    float* o = buf[std::size_t(next++)].data();
    nodeFields(i, j, o);
    return static_cast<const float*>(o);
  });
}

Compartment TissueModel::region(const FieldSample& s) {
  int best = 0;
  for (int c = 1; c < kTissueCompartments; ++c)
    if (s[FieldSample::kScore0 + c] > s[FieldSample::kScore0 + best]) best = c;
  return Compartment(best + 1);
}

bool TissueModel::inTissue(const FieldSample& s) {
  if (s[FieldSample::kOutline] <= 0) return false;
  if (s[FieldSample::kHole] > 0.6f) return false;
  // Tears: thin cracks along the zero line of a smooth field, only where a gate allows.
  if (s[FieldSample::kTearGate] > 0.25f && std::fabs(s[FieldSample::kTear]) < 0.010f) return false;
  return true;
}

Compartment TissueModel::pixelClass(const FieldSample& s) {
  if (!inTissue(s)) return Compartment::Background;
  Compartment r = region(s);
  if (r == Compartment::Tumour && s[FieldSample::kNest] <= 0) return Compartment::Stroma;
  return r;
}

NodeCache::NodeCache(const TissueModel& model, std::int64_t x0, std::int64_t y0, std::int64_t x1,
                     std::int64_t y1)
    : model_(model) {
  constexpr auto S = TissueModel::kNodeStride;
  auto fl = [](std::int64_t v) { return v >= 0 ? v / S : -((-v + S - 1) / S); };
  i0_ = fl(x0) - 1;
  j0_ = fl(y0) - 1;
  ni_ = fl(x1) + 3 - i0_;
  nj_ = fl(y1) + 3 - j0_;
  values_.resize(std::size_t(ni_ * nj_ * FieldSample::kCount));
  for (std::int64_t j = 0; j < nj_; ++j)
    for (std::int64_t i = 0; i < ni_; ++i)
      model_.nodeFields(i0_ + i, j0_ + j, &values_[std::size_t((j * ni_ + i) * FieldSample::kCount)]);
}

const float* NodeCache::node(std::int64_t i, std::int64_t j) const {
  std::int64_t li = i - i0_, lj = j - j0_;
  if (li >= 0 && lj >= 0 && li < ni_ && lj < nj_)
    return &values_[std::size_t((lj * ni_ + li) * FieldSample::kCount)];
  float* o = spill_[std::size_t(spillNext_)].data();
  spillNext_ = (spillNext_ + 1) % 4;
  model_.nodeFields(i, j, o);
  return o;
}

FieldSample NodeCache::sample(double x, double y) const {
  return interpolateFields(x, y, [this](std::int64_t i, std::int64_t j) { return node(i, j); });
}

}  // namespace stamp::core::demo
