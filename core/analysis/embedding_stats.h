#pragma once
/// Analysis of embedding tables: PCA, k-means, similarity, agreement with labels, retrieval.
/// Torch-free interface (plain matrices) so that app controllers and tests use it directly.
#include <array>
#include <cstdint>
#include <vector>

#include "common/result.h"
#include "st/spatial_sample.h"

namespace stamp::core::analysis {

using st::DenseMatrix;

struct PcaResult {
  DenseMatrix scores;                // n x k
  std::vector<float> mean;           // d
  DenseMatrix components;            // k x d (rows are unit principal axes)
  std::vector<double> explainedVariance;  // k
};

/// Principal components of the rows of X (centred; covariance eigendecomposition in float64).
/// Deterministic: each axis' sign is fixed so that its largest-magnitude loading is positive.
Result<PcaResult> pca(const DenseMatrix& x, int k);

struct KMeansResult {
  std::vector<int> labels;  // n, in 0..k-1
  DenseMatrix centroids;    // k x d
  double inertia = 0;
  int iterations = 0;
};

/// k-means++ initialisation, Lloyd iterations, best of `restarts` runs; seeded.
Result<KMeansResult> kmeans(const DenseMatrix& x, int k, std::uint64_t seed = 0, int restarts = 4,
                            int maxIterations = 100);

/// Cosine similarity of every row of X to `query` (length d). Rows of zero norm give 0.
std::vector<float> cosineToVector(const DenseMatrix& x, const std::vector<float>& query);
/// Row-wise cosine between two tables of equal shape (e.g. gene vs image embedding per spot).
Result<std::vector<float>> rowCosine(const DenseMatrix& a, const DenseMatrix& b);

/// Adjusted Rand index between two labelings of the same items (Hubert & Arabie).
Result<double> adjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b);

/// Fraction of queries (rows of `queries`) whose matching row of `keys` (same index) is among
/// the k most cosine-similar keys, for each k in `ks`.
Result<std::vector<double>> recallAtK(const DenseMatrix& queries, const DenseMatrix& keys,
                                      const std::vector<int>& ks);

/// The first three principal components scaled to 0..255 per axis (2nd and 98th percentiles),
/// as RGB colours per row: the "embedding colours" layer.
Result<std::vector<std::array<std::uint8_t, 3>>> pcaColours(const DenseMatrix& x);

}  // namespace stamp::core::analysis
