#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "analysis/projection3d.h"

using namespace stamp::core;
using namespace stamp::core::analysis;
using stamp::core::st::DenseMatrix;

namespace {

// Rows lie (up to tiny noise) in the plane spanned by two random directions of R^d, offset by
// `shift` along a third one: gene and image sets that differ by a known translation.
DenseMatrix planeSet(int n, int d, float shift, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0.f, 1.f);
  std::mt19937_64 axesRng(42);  // same axes for both sets
  std::vector<float> a(static_cast<std::size_t>(d)), b(a), c(a);
  for (int j = 0; j < d; ++j) {
    a[std::size_t(j)] = g(axesRng);
    b[std::size_t(j)] = g(axesRng);
    c[std::size_t(j)] = g(axesRng);
  }
  DenseMatrix m{n, d, {}};
  for (int i = 0; i < n; ++i) {
    const float u = 3 * g(rng), v = g(rng);
    for (int j = 0; j < d; ++j)
      m.data.push_back(u * a[std::size_t(j)] + v * b[std::size_t(j)] + shift * c[std::size_t(j)] +
                       1e-3f * g(rng));
  }
  return m;
}

double dist(const Projection3d::Point& p, const Projection3d::Point& q) {
  return std::sqrt(double(p[0] - q[0]) * (p[0] - q[0]) + double(p[1] - q[1]) * (p[1] - q[1]) +
                   double(p[2] - q[2]) * (p[2] - q[2]));
}

}  // namespace

TEST(Projection3d, JointPcaKeepsDistancesOfAThreeDimensionalSet) {
  const DenseMatrix gene = planeSet(200, 16, -1.f, 1), image = planeSet(200, 16, 1.f, 2);
  auto p = project3d(gene, image);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  ASSERT_EQ(p->gene.size(), 200u);
  ASSERT_EQ(p->image.size(), 200u);
  // Data are 3-dimensional: the three axes hold all the variance, so projected distances are
  // the original ones times the scale.
  EXPECT_NEAR(p->explainedFraction[0] + p->explainedFraction[1] + p->explainedFraction[2], 1.0, 1e-4);
  EXPECT_GT(p->explainedFraction[0], p->explainedFraction[1]);
  for (int i : {0, 17, 123}) {
    double orig = 0;
    for (int j = 0; j < 16; ++j) orig += std::pow(double(gene.at(i, j)) - image.at(i + 1, j), 2);
    EXPECT_NEAR(dist(p->gene[std::size_t(i)], p->image[std::size_t(i + 1)]), std::sqrt(orig) * p->scale, 1e-3);
  }
  // RMS radius 1 around the joint mean (which is the origin).
  double ss = 0;
  for (const auto& q : p->gene) ss += q[0] * q[0] + q[1] * q[1] + q[2] * q[2];
  for (const auto& q : p->image) ss += q[0] * q[0] + q[1] * q[1] + q[2] * q[2];
  EXPECT_NEAR(std::sqrt(ss / 400.0), 1.0, 0.01);
}

TEST(Projection3d, MasksAndNonFiniteRowsAreLeftOut) {
  DenseMatrix gene = planeSet(50, 8, 0.f, 3), image = planeSet(50, 8, 0.f, 4);
  gene.data[5 * 8 + 2] = std::numeric_limits<float>::quiet_NaN();
  image.data[7 * 8] = std::numeric_limits<float>::infinity();
  std::vector<std::uint8_t> imageMask(50, 1);
  imageMask[9] = 0;
  auto p = project3d(gene, image, {}, imageMask);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->geneValid[5], 0);
  EXPECT_EQ(p->imageValid[7], 0);
  EXPECT_EQ(p->imageValid[9], 0);
  EXPECT_EQ(p->imageValid[8], 1);
  for (float v : p->gene[5]) EXPECT_EQ(v, 0.f);
  for (const auto& q : p->image)
    for (float v : q) EXPECT_TRUE(std::isfinite(v));
  // A masked row does not influence the fit: changing it changes nothing.
  image.data[9 * 8 + 1] = 1e6f;
  auto p2 = project3d(gene, image, {}, imageMask);
  ASSERT_TRUE(p2.ok());
  EXPECT_NEAR(dist(p->image[3], p2->image[3]), 0.0, 1e-5);
}

TEST(Projection3d, ImageOnlyAndNarrowTables) {
  DenseMatrix image{4, 2, {0, 0, 1, 0, 0, 2, 1, 2}};
  auto p = project3d({}, image);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_TRUE(p->gene.empty());
  ASSERT_EQ(p->image.size(), 4u);
  for (const auto& q : p->image) EXPECT_EQ(q[2], 0.f);  // only two axes exist
  EXPECT_NEAR(dist(p->image[0], p->image[3]), std::sqrt(5.0) * p->scale, 1e-5);
}

TEST(Projection3d, BadInputIsAnError) {
  DenseMatrix a{3, 4, std::vector<float>(12, 1.f)}, b{3, 5, std::vector<float>(15, 1.f)};
  auto widths = project3d(a, b);
  ASSERT_FALSE(widths.ok());
  EXPECT_NE(widths.error().describe().find("width"), std::string::npos);
  DenseMatrix broken{3, 4, std::vector<float>(7, 1.f)};
  EXPECT_FALSE(project3d({}, broken).ok());
  EXPECT_FALSE(project3d({}, a, {}, {1, 0}).ok());  // mask length
  auto tooFew = project3d({}, a, {}, {1, 0, 0});
  ASSERT_FALSE(tooFew.ok());
  EXPECT_NE(tooFew.error().describe().find("at least 2"), std::string::npos);
  DenseMatrix nan{2, 2, {std::nanf(""), 1, 2, 3}};
  EXPECT_FALSE(project3d({}, nan).ok());  // one valid row left
}
