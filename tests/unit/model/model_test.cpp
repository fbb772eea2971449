// Model behaviour that parity fixtures do not cover: spots without tokens, the grid-pooling
// quirk, input validation of runTensors.
#include <gtest/gtest.h>

#include <limits>

#include "model/attention.h"
#include "model/model_runner.h"
#include "model_test_util.h"

using namespace stamp::core;
using namespace stamp::core::model;
using stamp::test::tinyInputs;

TEST(StampModel, SpotWithoutTokensIsFlaggedNotNaN) {
  Stamp m(presetTiny());
  m->eval();
  torch::NoGradGuard ng;
  torch::Tensor tokens = torch::randint(30, 230, {3, 48}, torch::kLong);
  tokens[1].zero_();          // no expressed gene at all
  tokens[2].slice(0, 10).zero_();  // ordinary padding
  GeneEmbedding g = m->encodeGenes(tokens);
  EXPECT_TRUE(torch::isfinite(g.feature).all().item<bool>());
  EXPECT_TRUE(torch::isfinite(g.embedding).all().item<bool>());
  EXPECT_TRUE(torch::equal(g.invalid, torch::tensor({false, true, false})));
  EXPECT_EQ(g.feature[1].abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(g.embedding[1].abs().sum().item<float>(), 0.0f);
  EXPECT_NEAR(g.embedding[0].norm().item<float>(), 1.0f, 1e-5);
  // The valid rows do not depend on the invalid row being in the batch.
  GeneEmbedding alone = m->encodeGenes(tokens.index({torch::tensor({0, 2})}));
  EXPECT_TRUE(torch::allclose(alone.embedding, g.embedding.index({torch::tensor({0, 2})}), 1e-5, 1e-6));
}

// Without autograd the attention goes in blocks of heads: the same values as the whole
// scores tensor, for every block size (one head, an uneven split, all), with padded keys.
TEST(StampModel, AttentionInBlocksEqualsTheWholeScores) {
  torch::manual_seed(5);
  const std::int64_t g = 7, n = 33, m = 33, dh = 8;
  auto q = torch::randn({g, n, dh}), k = torch::randn({g, m, dh}), v = torch::randn({g, m, dh});
  auto bias = torch::zeros({g, 1, m});
  bias.slice(2, 20).fill_(-std::numeric_limits<float>::infinity());  // padded keys
  const torch::Tensor whole = scaledAttention(q, k, v, bias, 0.35, std::int64_t(1) << 40);
  torch::NoGradGuard ng;
  const std::int64_t perHead = n * m * 4;
  for (std::int64_t heads : {1, 3, 7}) {
    const torch::Tensor blocks = scaledAttention(q, k, v, bias, 0.35, heads * perHead);
    ASSERT_EQ(blocks.sizes(), whole.sizes());
    EXPECT_TRUE(torch::allclose(blocks, whole, 1e-5, 1e-6)) << heads << " heads a block";
  }
  // Padded keys get no weight: the output ignores their values.
  auto v2 = v.clone();
  v2.slice(1, 20).fill_(1e6);
  EXPECT_TRUE(torch::allclose(scaledAttention(q, k, v2, bias, 0.35, perHead), whole, 1e-5, 1e-6));
}

// In training the blocks recompute their probabilities in backward instead of keeping the
// scores: the gradients of q, k and v must be autograd's through the whole tensor.
TEST(StampModel, AttentionBlocksBackwardEqualsAutograd) {
  torch::manual_seed(6);
  const std::int64_t g = 5, n = 19, m = 19, dh = 4;
  auto bias = torch::zeros({g, 1, m});
  bias.slice(2, 12).fill_(-std::numeric_limits<float>::infinity());
  const auto weights = torch::randn({g, n, dh});  // a loss that weighs every output differently
  auto grads = [&](std::int64_t blockBytes, bool withBias) {
    torch::manual_seed(7);
    auto q = torch::randn({g, n, dh}).requires_grad_(true);
    auto k = torch::randn({g, m, dh}).requires_grad_(true);
    auto v = torch::randn({g, m, dh}).requires_grad_(true);
    auto out = scaledAttention(q, k, v, withBias ? bias : torch::Tensor(), 0.5, blockBytes);
    (out * weights).sum().backward();
    return std::vector<torch::Tensor>{out.detach(), q.grad(), k.grad(), v.grad()};
  };
  for (bool withBias : {true, false}) {
    const auto whole = grads(std::int64_t(1) << 40, withBias);
    for (std::int64_t heads : {1, 2}) {
      const auto blocks = grads(heads * n * m * 4, withBias);
      for (std::size_t i = 0; i < whole.size(); ++i)
        EXPECT_TRUE(torch::allclose(blocks[i], whole[i], 1e-5, 1e-6))
            << "tensor " << i << ", " << heads << " heads a block, bias " << withBias;
    }
  }
}

TEST(StampModel, ShortTokenRowsArePaddedToTheContext) {
  Stamp m(presetTiny());
  m->eval();
  torch::NoGradGuard ng;
  torch::Tensor tokens = torch::randint(30, 230, {2, 20}, torch::kLong);
  torch::Tensor padded = torch::cat({tokens, torch::zeros({2, 28}, torch::kLong)}, 1);
  torch::Tensor longer = torch::cat({padded, torch::randint(30, 230, {2, 7}, torch::kLong)}, 1);
  torch::Tensor a = m->encodeGenes(tokens).feature;
  EXPECT_TRUE(torch::allclose(a, m->encodeGenes(padded).feature, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(a, m->encodeGenes(longer).feature, 1e-5, 1e-6));  // columns past 48 ignored
}

TEST(StampModel, RunTensorsReportsInvalidSpots) {
  Stamp m(presetTiny());
  NamedTensors in = tinyInputs(2);
  in["tokens"][0].zero_();
  auto out = runTensors(m, in);
  ASSERT_TRUE(out.ok()) << out.error().describe();
  ASSERT_EQ(out->count("gene_invalid"), 1u);
  EXPECT_TRUE(torch::equal(out->at("gene_invalid"), torch::tensor({1.0f, 0.0f})));
  EXPECT_TRUE(torch::isfinite(out->at("loss_total")).all().item<bool>());
}

TEST(StampModel, GridPoolReproducesThePublishedViewWithoutPermute) {
  torch::Tensor tokens = torch::randn({2, 196, 5});
  torch::Tensor pooled = gridPool(tokens);
  ASSERT_EQ(pooled.sizes(), torch::IntArrayRef({2, 9, 5}));
  // Window means laid out as (B, D, 3, 3), then read as (B, 9, D) in memory order.
  torch::Tensor grid = tokens.reshape({2, 14, 14, 5});
  torch::Tensor windows = torch::empty({2, 5, 3, 3});
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      windows.select(2, r).select(2, c).copy_(grid.slice(1, 4 * r, 4 * r + 6).slice(2, 4 * c, 4 * c + 6).mean({1, 2}));
  torch::Tensor expected = windows.reshape({2, 9, 5});
  EXPECT_TRUE(torch::allclose(pooled, expected, 1e-5, 1e-6));
  // ... which is not the per-cell layout a permute would give.
  EXPECT_FALSE(torch::allclose(pooled, windows.permute({0, 2, 3, 1}).reshape({2, 9, 5}), 1e-3, 1e-3));
}

TEST(StampModel, OutputsHaveFixtureShapes) {
  Stamp m(presetTiny());
  NamedTensors in = tinyInputs(3);
  StampConfig c = presetTiny();
  torch::Tensor groups = in["tokens"].index({torch::tensor({0, 0, 0, 1, 1, 1, 2, 2, 2})});
  in["pretrain_groups"] = groups;
  torch::Tensor mask = torch::rand(groups.sizes()) < 0.3;
  in["pretrain_masked"] = torch::where(mask, torch::zeros_like(groups), groups);
  in["pretrain_mlm_targets"] = torch::where(mask, groups, torch::full_like(groups, -100));
  auto out = runTensors(m, in);
  ASSERT_TRUE(out.ok()) << out.error().describe();
  EXPECT_EQ(out->at("gene_features").sizes(), torch::IntArrayRef({3, c.geneDim}));
  EXPECT_EQ(out->at("image_features").sizes(), torch::IntArrayRef({3, c.visDim}));
  EXPECT_EQ(out->at("gene_emb").sizes(), torch::IntArrayRef({3, c.outDim}));
  EXPECT_EQ(out->at("image_emb").sizes(), torch::IntArrayRef({3, c.outDim}));
  EXPECT_EQ(out->at("loc_logits").sizes(), torch::IntArrayRef({3, 9}));
  for (const char* k : {"loss_patch_spot", "loss_patch_region", "loss_region_spot", "loss_positioning", "loss_total",
                        "pretrain_mlm_loss", "pretrain_spatial_loss"})
    EXPECT_EQ(out->at(k).sizes(), torch::IntArrayRef({1})) << k;
  float sum = (out->at("loss_patch_spot") + out->at("loss_patch_region") + out->at("loss_region_spot") +
               out->at("loss_positioning")).item<float>();
  EXPECT_NEAR(out->at("loss_total").item<float>(), sum, 1e-5);
}

TEST(StampModel, RunTensorsValidatesInputs) {
  Stamp m(presetTiny());
  auto errorFor = [&](const std::string& name, torch::Tensor value) {
    NamedTensors in = tinyInputs(2);
    in[name] = value;
    auto out = runTensors(m, in);
    EXPECT_FALSE(out.ok()) << name;
    return out.ok() ? std::string() : out.error().describe();
  };
  EXPECT_NE(errorFor("pos_labels", torch::tensor({0, 9})).find("pos_labels"), std::string::npos);
  EXPECT_NE(errorFor("tokens", torch::full({2, 48}, 5000, torch::kLong)).find("tokens"), std::string::npos);
  EXPECT_NE(errorFor("tokens", torch::randn({2, 48})).find("integer"), std::string::npos);
  EXPECT_NE(errorFor("images", torch::randn({2, 3, 128, 128})).find("images"), std::string::npos);
  EXPECT_NE(errorFor("refs", torch::randn({3, 3, 16, 16})).find("batch"), std::string::npos);
  torch::Tensor nan = torch::randn({2, 3, 224, 224});
  nan[0][0][0][0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(errorFor("regions", nan).find("NaN"), std::string::npos);
  EXPECT_FALSE(runTensors(m, NamedTensors{{"unrelated", torch::ones({1})}}).ok());
}
