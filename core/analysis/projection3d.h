#pragma once
/// A joint 3D projection of a spot table's gene and image embeddings, for the 3D embedding view:
/// one PCA fitted on both sets together, so that a spot's gene point and image point lie in the
/// same space and their distance means something. Torch-free interface.
#include <array>
#include <cstdint>
#include <vector>

#include "common/result.h"
#include "st/spatial_sample.h"

namespace stamp::core::analysis {

struct Projection3d {
  using Point = std::array<float, 3>;
  std::vector<Point> gene;   // one per row of the gene table (empty without gene embeddings)
  std::vector<Point> image;  // one per row of the image table
  // 1 = the point is shown; 0 = the row was masked out or not finite (its point is {0,0,0}).
  std::vector<std::uint8_t> geneValid, imageValid;
  std::array<double, 3> explainedFraction{};  // of the joint variance, per axis
  double scale = 1;  // projected = (x - mean) . axes * scale; the shown cloud has RMS radius 1
};

/// Joint PCA (3 axes) of the valid rows of `gene` and `image` (same column count; `gene` may be
/// empty for image-only tables). A row is valid when its mask entry is non-zero (an empty mask
/// keeps every row) and all its values are finite. Fewer than 3 columns pad the missing axes
/// with 0. Errors: mismatched shapes or masks, fewer than 2 valid rows in all.
Result<Projection3d> project3d(const st::DenseMatrix& gene, const st::DenseMatrix& image,
                               const std::vector<std::uint8_t>& geneMask = {},
                               const std::vector<std::uint8_t>& imageMask = {});

}  // namespace stamp::core::analysis
