#pragma once
/// TissueModel: where the synthetic section has tissue and which compartment each point belongs
/// to. Low-frequency fields are evaluated on a global lattice of nodes (every kNodeStride px) and
/// bilinearly interpolated, so that a point's answer is a pure function of its coordinates: a
/// nucleus near a tile border is seen identically by both tiles.
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace stamp::core::demo {

enum class Compartment : std::uint8_t { Background = 0, Tumour, Stroma, Lymphoid, Gland, Fat };
constexpr int kCompartmentCount = 6;
constexpr int kTissueCompartments = 5;  // Tumour..Fat
const char* compartmentName(Compartment c);

/// The interpolated fields at one point.
struct FieldSample {
  enum Index {
    kScore0 = 0,  // kScore0 + (compartment - 1): Voronoi score of each tissue compartment
    kOutline = 5, kHole, kTear, kTearGate, kNest, kStainH, kStainE, kCleft, kCount
  };
  std::array<float, kCount> f{};
  float operator[](int i) const { return f[std::size_t(i)]; }
};

class TissueModel {
 public:
  static constexpr int kNodeStride = 8;  // px between lattice nodes

  TissueModel(std::uint64_t seed, std::int64_t width, std::int64_t height, double mpp);

  std::uint64_t seed() const { return seed_; }
  std::int64_t width() const { return width_; }
  std::int64_t height() const { return height_; }
  double mpp() const { return mpp_; }
  /// Micrometres to pixels.
  double px(double um) const { return um / mpp_; }

  /// The raw fields at lattice node (i, j), i.e. pixel (i * kNodeStride, j * kNodeStride).
  void nodeFields(std::int64_t i, std::int64_t j, float* out) const;
  /// Interpolated fields at a pixel position, computing the four nodes directly.
  FieldSample sampleAt(double x, double y) const;

  /// The compartment region (Voronoi of warped seeds), ignoring holes and the outline.
  static Compartment region(const FieldSample& s);
  static bool inTissue(const FieldSample& s);
  /// What a point looks like: Background off tissue, Stroma in the septa between tumour nests,
  /// else its region. This is the class the expression model mixes under each spot.
  static Compartment pixelClass(const FieldSample& s);
  Compartment classAt(double x, double y) const { return pixelClass(sampleAt(x, y)); }

 private:
  struct Seed {
    double x, y;
    std::uint8_t comp;
  };
  void placeSeeds();
  void compartmentScores(double x, double y, float* out) const;
  const Seed* seedAt(std::int64_t cx, std::int64_t cy) const;

  std::uint64_t seed_;
  std::int64_t width_, height_;
  double mpp_;
  double cellPx_;  // Voronoi cell size of the compartment layout
  std::int64_t cellsX_ = 0, cellsY_ = 0;
  std::vector<Seed> seeds_;  // (cellsY_ + 2 * kPad) x (cellsX_ + 2 * kPad)
  static constexpr int kPad = 3;
};

/// Interpolation shared by TissueModel::sampleAt and the per-tile NodeCache, so both give
/// bit-identical answers. `node(i, j)` returns a pointer to FieldSample::kCount floats.
template <class NodeFn>
FieldSample interpolateFields(double x, double y, NodeFn&& node) {
  constexpr double inv = 1.0 / TissueModel::kNodeStride;
  double gx = x * inv, gy = y * inv;
  double fi = std::floor(gx), fj = std::floor(gy);
  auto i = std::int64_t(fi), j = std::int64_t(fj);
  float tx = float(gx - fi), ty = float(gy - fj);
  const float* a = node(i, j);
  const float* b = node(i + 1, j);
  const float* c = node(i, j + 1);
  const float* d = node(i + 1, j + 1);
  FieldSample s;
  for (int k = 0; k < FieldSample::kCount; ++k) {
    float top = a[k] + (b[k] - a[k]) * tx;
    float bottom = c[k] + (d[k] - c[k]) * tx;
    s.f[std::size_t(k)] = top + (bottom - top) * ty;
  }
  return s;
}

/// The lattice nodes covering a pixel rectangle [x0, x1) x [y0, y1), computed once per tile.
class NodeCache {
 public:
  NodeCache(const TissueModel& model, std::int64_t x0, std::int64_t y0, std::int64_t x1,
            std::int64_t y1);
  FieldSample sample(double x, double y) const;

 private:
  const float* node(std::int64_t i, std::int64_t j) const;
  const TissueModel& model_;
  std::int64_t i0_, j0_, ni_, nj_;
  std::vector<float> values_;
  // Nodes outside the cached rectangle are computed on demand into a small ring.
  mutable std::array<std::array<float, FieldSample::kCount>, 4> spill_{};
  mutable int spillNext_ = 0;
};

}  // namespace stamp::core::demo
