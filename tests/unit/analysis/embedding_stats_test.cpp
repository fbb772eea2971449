#include <gtest/gtest.h>

#include <random>

#include "analysis/embedding_stats.h"

using namespace stamp::core;
using namespace stamp::core::analysis;

namespace {

/// `clusters` well-separated Gaussian blobs in `d` dimensions, `per` points each.
DenseMatrix blobs(int clusters, int per, int d, std::vector<int>* truth, std::uint64_t seed = 3) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0.f, 0.3f);
  DenseMatrix m{clusters * per, d, {}};
  for (int c = 0; c < clusters; ++c)
    for (int i = 0; i < per; ++i) {
      for (int j = 0; j < d; ++j) m.data.push_back((j % clusters == c ? 5.f : 0.f) + noise(rng));
      truth->push_back(c);
    }
  return m;
}

}  // namespace

TEST(Analysis, AdjustedRandIndexKnownValues) {
  EXPECT_DOUBLE_EQ(*adjustedRandIndex({0, 0, 1, 1}, {5, 5, 7, 7}), 1.0);  // same partition, other names
  // Classic example: sklearn.metrics.adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714
  EXPECT_NEAR(*adjustedRandIndex({0, 0, 1, 1}, {0, 0, 1, 2}), 0.5714285714, 1e-9);
  // Contingency [[2,1],[1,2]]: (2 - 36/15) / (6 - 36/15) = -1/9.
  EXPECT_NEAR(*adjustedRandIndex({0, 0, 0, 1, 1, 1}, {0, 1, 0, 1, 0, 1}), -1.0 / 9.0, 1e-9);
  EXPECT_FALSE(adjustedRandIndex({0, 1}, {0}).ok());
}

TEST(Analysis, KMeansRecoversSeparatedClusters) {
  std::vector<int> truth;
  DenseMatrix x = blobs(4, 50, 8, &truth);
  auto r = kmeans(x, 4, 1);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_NEAR(*adjustedRandIndex(r->labels, truth), 1.0, 1e-9);
  EXPECT_EQ(r->centroids.rows, 4);
  auto again = kmeans(x, 4, 1);
  EXPECT_EQ(again->labels, r->labels);  // seeded: reproducible
  EXPECT_FALSE(kmeans(x, 0).ok());
  EXPECT_FALSE(kmeans(x, 1000).ok());
}

TEST(Analysis, PcaFindsTheDominantAxisAndRefusesNaN) {
  std::mt19937_64 rng(2);
  std::normal_distribution<float> n(0.f, 1.f);
  DenseMatrix x{500, 3, {}};
  for (int i = 0; i < 500; ++i) {
    float t = n(rng);
    x.data.insert(x.data.end(), {10 * t, 0.1f * n(rng), 0.1f * n(rng)});
  }
  auto p = pca(x, 2);
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(std::abs(p->components.at(0, 0)), 1.0, 1e-3);
  EXPECT_GT(p->components.at(0, 0), 0);  // sign convention
  EXPECT_GT(p->explainedVariance[0], 50 * p->explainedVariance[1]);
  x.data[7] = std::nanf("");
  auto bad = pca(x, 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::Numerical);
}

TEST(Analysis, RecallAndCosine) {
  DenseMatrix q{3, 2, {1, 0, 0, 1, -1, 0}};
  DenseMatrix k{3, 2, {1, 0.1f, 0.1f, 1, 0.9f, 0.1f}};  // third key is closer to query 0 than query 2
  auto r = recallAtK(q, k, {1, 2, 3});
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR((*r)[0], 2.0 / 3.0, 1e-9);
  EXPECT_NEAR((*r)[2], 1.0, 1e-9);
  auto c = cosineToVector(q, {1, 0});
  EXPECT_FLOAT_EQ(c[0], 1.f);
  EXPECT_FLOAT_EQ(c[2], -1.f);
  auto rc = rowCosine(q, q);
  ASSERT_TRUE(rc.ok());
  EXPECT_FLOAT_EQ((*rc)[1], 1.f);
}

TEST(Analysis, PcaColoursSpreadOverTheRange) {
  std::vector<int> truth;
  DenseMatrix x = blobs(3, 40, 6, &truth);
  auto c = pcaColours(x);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 120u);
  EXPECT_NE((*c)[0], (*c)[60]);  // different clusters, different colours
}
