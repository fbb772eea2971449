#pragma once
/// Procedural H&E rendering of the synthetic section, one rectangle (tile) at a time.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "demo/tissue_model.h"

namespace stamp::core::demo {

/// Renders level-0 pixels [x0, x0 + w) x [y0, y0 + h) as 8-bit RGB into `rgb` (row r starts at
/// rgb + r * rowStride). Pure function of the model and the rectangle: thread-safe, and a pixel
/// gets the same value whichever rectangle contains it (up to the one-pixel blur at borders,
/// which is computed from a margin so that it does not depend on the rectangle either).
void renderRegion(const TissueModel& model, std::int64_t x0, std::int64_t y0, int w, int h,
                  std::uint8_t* rgb, std::size_t rowStride);

// ---- internals shared by the render translation units -------------------------------------

/// A nucleus as an irregular ellipse in level-0 pixels.
struct Nucleus {
  float x = 0, y = 0;       // centre
  float a = 1, b = 1;       // half-axes
  float angle = 0;          // of the `a` axis, radians
  float h = 1;              // haematoxylin density at the centre
  float c2 = 0, s2 = 0, c3 = 0, s3 = 0;  // boundary harmonics (pleomorphism)
  float texture = 0.3f;     // chromatin granularity amplitude
  float nucleolus = 0;      // > 0: nucleolus radius in px
  std::uint64_t seed = 0;
};

/// A gland: a lumen ringed by columnar epithelium with basal nuclei.
struct Gland {
  float x = 0, y = 0, radius = 1, aspect = 1, angle = 0, thickness = 1;
  float cosA = 1, sinA = 0;  // of `angle`
  float c2 = 0, s2 = 0, c3 = 0, s3 = 0;
  int cells = 12;  // epithelial cells around the ring
  std::uint64_t seed = 0;
  /// Normalised radius of (px, py): < 1 inside the outer boundary; sets the polar angle when
  /// `theta` is given. Cheap rejection far from the gland (returns 2).
  float radial(float px, float py, float* theta) const;
  float lumenEdge() const { return 1.0f - thickness / radius; }
};

/// The structures near one rectangle (expanded by a margin), collected before drawing.
struct TileStructures {
  std::vector<Gland> glands;
  std::vector<Nucleus> nuclei;
  // Adipocyte Voronoi seeds on a grid of cells covering the rectangle and a margin.
  std::int64_t fatCx0 = 0, fatCy0 = 0, fatNx = 0, fatNy = 0;
  float fatCell = 1;
  std::vector<float> fatSeeds;  // (x, y) per cell
  // Collagen bundle patches on a grid covering the rectangle and a margin.
  struct FibrePatch {
    float cosA, sinA, phase;
    std::uint64_t hash;
  };
  std::int64_t fibCi0 = 0, fibCj0 = 0, fibNi = 0, fibNj = 0;
  float fibCell = 1;
  std::vector<FibrePatch> fibres;
  const FibrePatch& fibre(std::int64_t ci, std::int64_t cj) const {
    return fibres[std::size_t((cj - fibCj0) * fibNi + (ci - fibCi0))];
  }
};

/// Orientation (radians) of collagen patch (ci, cj); and the direction the fibres run at (x, y).
float fibrePatchAngle(const TissueModel& model, std::int64_t ci, std::int64_t cj);
float fibreAngleAt(const TissueModel& model, float x, float y);

/// Collects glands, adipocyte seeds and all nuclei that can touch [x0, x1) x [y0, y1).
TileStructures collectStructures(const TissueModel& model, const NodeCache& cache, std::int64_t x0,
                                 std::int64_t y0, std::int64_t x1, std::int64_t y1);

/// Distance-to-membrane measure for adipocytes: (d2 - d1) in px, large inside a cell.
float fatMembraneGap(const TileStructures& t, float x, float y);

/// Draws nuclei (only over tissue, per `tissueMask`) into haematoxylin/eosin density planes of the rectangle at (x0, y0), size w x h.
void stampNuclei(const std::vector<Nucleus>& nuclei, std::int64_t x0, std::int64_t y0, int w, int h,
                 float mpp, const std::vector<float>& tissueMask, std::vector<float>& hPlane,
                 std::vector<float>& ePlane);

}  // namespace stamp::core::demo
