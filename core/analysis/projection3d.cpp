#include "analysis/projection3d.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "analysis/embedding_stats.h"

namespace stamp::core::analysis {
namespace {

Status checkTable(const st::DenseMatrix& m, const std::vector<std::uint8_t>& mask, const char* what) {
  if (m.rows < 0 || m.cols < 0 || m.data.size() != std::size_t(m.rows * m.cols))
    return makeError(ErrorCode::InvalidArgument, std::string("the ") + what + " embedding is malformed");
  if (!mask.empty() && mask.size() != std::size_t(m.rows))
    return makeError(ErrorCode::InvalidArgument,
                     std::string("the ") + what + " mask has " + std::to_string(mask.size()) +
                         " entries for " + std::to_string(m.rows) + " rows");
  return {};
}

// Which rows take part: mask says so and every value is finite (NaN rows are shown as missing,
// never projected).
std::vector<std::uint8_t> validRows(const st::DenseMatrix& m, const std::vector<std::uint8_t>& mask) {
  std::vector<std::uint8_t> valid(std::size_t(m.rows), 0);
  for (std::int64_t r = 0; r < m.rows; ++r) {
    if (!mask.empty() && !mask[std::size_t(r)]) continue;
    const float* row = m.data.data() + r * m.cols;
    valid[std::size_t(r)] = std::all_of(row, row + m.cols, [](float v) { return std::isfinite(v); });
  }
  return valid;
}

void appendValid(const st::DenseMatrix& m, const std::vector<std::uint8_t>& valid, st::DenseMatrix& out) {
  for (std::int64_t r = 0; r < m.rows; ++r) {
    if (!valid[std::size_t(r)]) continue;
    out.data.insert(out.data.end(), m.data.begin() + r * m.cols, m.data.begin() + (r + 1) * m.cols);
    ++out.rows;
  }
}

std::vector<Projection3d::Point> projectRows(const st::DenseMatrix& m, const std::vector<std::uint8_t>& valid,
                                             const PcaResult& p, double scale) {
  std::vector<Projection3d::Point> pts(std::size_t(m.rows), Projection3d::Point{0, 0, 0});
  for (std::int64_t r = 0; r < m.rows; ++r) {
    if (!valid[std::size_t(r)]) continue;
    for (std::int64_t a = 0; a < p.components.rows; ++a) {
      double s = 0;
      for (std::int64_t c = 0; c < m.cols; ++c)
        s += (double(m.at(r, c)) - p.mean[std::size_t(c)]) * p.components.at(a, c);
      pts[std::size_t(r)][std::size_t(a)] = float(s * scale);
    }
  }
  return pts;
}

}  // namespace

Result<Projection3d> project3d(const st::DenseMatrix& gene, const st::DenseMatrix& image,
                               const std::vector<std::uint8_t>& geneMask,
                               const std::vector<std::uint8_t>& imageMask) {
  STAMP_CHECK(checkTable(gene, geneMask, "gene"));
  STAMP_CHECK(checkTable(image, imageMask, "image"));
  const bool withGene = gene.rows > 0;
  if (withGene && gene.cols != image.cols)
    return makeError(ErrorCode::InvalidArgument,
                     "gene and image embeddings differ in width (" + std::to_string(gene.cols) +
                         " vs " + std::to_string(image.cols) + ")");
  Projection3d out;
  out.imageValid = validRows(image, imageMask);
  if (withGene) out.geneValid = validRows(gene, geneMask);
  st::DenseMatrix joint{0, image.cols, {}};
  if (withGene) appendValid(gene, out.geneValid, joint);
  appendValid(image, out.imageValid, joint);
  if (joint.rows < 2 || joint.cols < 1)
    return makeError(ErrorCode::InvalidArgument, "a 3D projection needs at least 2 valid embedding rows");
  STAMP_ASSIGN(PcaResult p, pca(joint, int(std::min<std::int64_t>(3, joint.cols))));
  double total = 0;
  for (double v : p.explainedVariance) total += std::max(0.0, v);
  double all = 0;  // total variance of the joint table: the denominator of the fractions
  for (std::int64_t c = 0; c < joint.cols; ++c) {
    double m = 0, s = 0;
    for (std::int64_t r = 0; r < joint.rows; ++r) m += joint.at(r, c);
    m /= double(joint.rows);
    for (std::int64_t r = 0; r < joint.rows; ++r) s += (joint.at(r, c) - m) * (joint.at(r, c) - m);
    all += s / double(std::max<std::int64_t>(1, joint.rows - 1));
  }
  for (std::size_t a = 0; a < p.explainedVariance.size(); ++a)
    out.explainedFraction[a] = all > 0 ? std::max(0.0, p.explainedVariance[a]) / all : 0.0;
  // RMS radius 1 in the shown space: the camera and point sizes need no per-model tuning.
  out.scale = total > 1e-20 ? 1.0 / std::sqrt(total) : 1.0;
  out.image = projectRows(image, out.imageValid, p, out.scale);
  if (withGene) out.gene = projectRows(gene, out.geneValid, p, out.scale);
  return out;
}

}  // namespace stamp::core::analysis
