#include <gtest/gtest.h>

#include <cmath>

#include "analysis/differential.h"

using namespace stamp::core;
using namespace stamp::core::analysis;

namespace {

/// 20 spots: gene UP is high in spots 0..9, FLAT is equal everywhere, RARE only in spot 15;
/// a filler gene makes every spot's total 210.
st::SpatialSample twoGroupSample() {
  st::SpatialSample s;
  s.genes = {{"g0", "UP"}, {"g1", "FLAT"}, {"g2", "RARE"}, {"g3", "FILL"}};
  s.counts.rows = 20;
  s.counts.cols = 4;
  s.counts.indptr.push_back(0);
  for (int r = 0; r < 20; ++r) {
    s.spots.push_back({"s" + std::to_string(r)});
    auto add = [&](int c, float v) { s.counts.indices.push_back(c); s.counts.data.push_back(v); };
    const float up = r < 10 ? 50.f + float(r) : 1.f;
    add(0, up);
    add(1, 10.f);
    if (r == 15) add(2, 3.f);
    add(3, 200.f - up - (r == 15 ? 3.f : 0.f));  // equal totals: FLAT's CP10k is the same everywhere
    s.counts.indptr.push_back(std::int64_t(s.counts.data.size()));
  }
  return s;
}

}  // namespace

TEST(Differential, FindsTheUpregulatedGeneWithAStrongTest) {
  auto s = twoGroupSample();
  std::vector<std::int64_t> a, b;
  for (int r = 0; r < 20; ++r) (r < 10 ? a : b).push_back(r);
  auto rows = compareGroups(s, a, b);
  ASSERT_TRUE(rows.ok()) << rows.error().describe();
  ASSERT_FALSE(rows->empty());
  EXPECT_EQ(rows->front().gene, "UP");
  EXPECT_GT(rows->front().log2FoldChange, 3.0);
  // Perfect separation of 10 vs 10: exact two-sided Mann-Whitney p = 1.08e-5; the normal
  // approximation with continuity correction gives about 1.8e-4.
  EXPECT_LT(rows->front().pValue, 1e-3);
  for (const auto& d : *rows)
    if (d.gene == "FLAT") {
      EXPECT_GT(d.pValue, 0.5);
    }
}

TEST(Differential, CharacteristicGenesAndBadGroups) {
  auto s = twoGroupSample();
  auto top = characteristicGenes(s, {0, 1, 2, 3, 4}, 2);
  ASSERT_TRUE(top.ok());
  ASSERT_GE(top->size(), 1u);
  EXPECT_EQ(top->front().gene, "UP");
  EXPECT_FALSE(compareGroups(s, {}, {1}).ok());
  EXPECT_FALSE(compareGroups(s, {1, 2}, {2, 3}).ok());  // overlapping
  EXPECT_FALSE(compareGroups(s, {99}, {1}).ok());
}

TEST(Differential, GeneValuesNormalise) {
  auto s = twoGroupSample();
  auto raw = geneValues(s, 1, Normalisation::Raw);
  EXPECT_FLOAT_EQ(raw[3], 10.f);
  auto cp = geneValues(s, 1, Normalisation::Cp10k);
  EXPECT_NEAR(cp[12], 10.0 * 1e4 / 210.0, 1e-2);
  auto lg = geneValues(s, 1, Normalisation::Log1p);
  EXPECT_NEAR(lg[12], std::log1p(10.0 * 1e4 / 210.0), 1e-4);
}
