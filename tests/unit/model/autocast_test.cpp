// Mixed precision (autocast) of the model's forward passes. This machine has no GPU, so bf16
// runs on the CPU here; fp16 and CUDA are refused with a clear error rather than attempted.
#include <gtest/gtest.h>

#include <stdexcept>

#include "model/attention.h"
#include "model/autocast.h"
#include "model/model_runner.h"
#include "model_test_util.h"

using namespace stamp::core;
using namespace stamp::core::model;

namespace {

/// The smallest cosine similarity between matching rows of two (rows, dim) tensors.
float minRowCosine(const torch::Tensor& a, const torch::Tensor& b) {
  return torch::cosine_similarity(a.to(torch::kFloat), b.to(torch::kFloat), 1).min().item<float>();
}

torch::ScalarType productType() { return torch::mm(torch::randn({4, 4}), torch::randn({4, 4})).scalar_type(); }

}  // namespace

TEST(Autocast, PrecisionNamesParseAndUnknownOnesAreNamed) {
  EXPECT_EQ(parsePrecision("bf16").value(), Precision::Bf16);
  EXPECT_EQ(parsePrecision("float16").value(), Precision::Fp16);
  EXPECT_EQ(parsePrecision("fp32").value(), Precision::Fp32);
  auto bad = parsePrecision("fp8");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().describe().find("'fp8'"), std::string::npos);
  EXPECT_STREQ(precisionName(Precision::Bf16), "bf16");
}

TEST(Autocast, Fp16IsRefusedOnTheCpu) {
  auto st = checkPrecision(torch::kCPU, Precision::Fp16);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::Unsupported);
  EXPECT_NE(st.error().describe().find("CUDA"), std::string::npos);
  EXPECT_TRUE(checkPrecision(torch::kCPU, Precision::Bf16).ok());
  Stamp m(presetTiny());
  auto out = runTensors(m, stamp::test::tinyInputs(2), Precision::Fp16);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().describe().find("fp16"), std::string::npos);
}

TEST(Autocast, ScopeRestoresTheStateItFoundAlsoOnAnException) {
  ASSERT_FALSE(autocastActive());
  {
    AutocastScope outer(torch::kCPU, Precision::Bf16);
    EXPECT_TRUE(autocastActive());
    EXPECT_EQ(productType(), torch::kBFloat16);
    try {
      AutocastScope inner(torch::kCPU, Precision::Bf16);
      throw std::runtime_error("a failing forward pass");
    } catch (const std::runtime_error&) {
    }
    EXPECT_TRUE(autocastActive());  // the inner scope put back the outer's state, not "off"
    EXPECT_EQ(productType(), torch::kBFloat16);
  }
  EXPECT_FALSE(autocastActive());
  EXPECT_EQ(productType(), torch::kFloat);
  { AutocastScope none(torch::kCPU, Precision::Fp32); EXPECT_FALSE(autocastActive()); }
}

TEST(Autocast, Bf16ForwardStaysCloseToFp32) {
  Stamp m(presetTiny());
  const NamedTensors in = stamp::test::tinyInputs(4);
  auto fp32 = runTensors(m, in);
  auto bf16 = runTensors(m, in, Precision::Bf16);
  ASSERT_TRUE(fp32.ok()) << fp32.error().describe();
  ASSERT_TRUE(bf16.ok()) << bf16.error().describe();
  EXPECT_FALSE(autocastActive());
  for (const char* name : {"gene_features", "image_features", "gene_emb", "image_emb"}) {
    const torch::Tensor &a = fp32->at(name), &b = bf16->at(name);
    EXPECT_EQ(b.scalar_type(), torch::kFloat) << name;
    EXPECT_FALSE(torch::equal(a, b)) << name << ": autocast did not engage";
    EXPECT_GT(minRowCosine(a, b), 0.99f) << name;
  }
  const float total = fp32->at("loss_total").item<float>();
  EXPECT_NEAR(bf16->at("loss_total").item<float>(), total, 0.05 * std::abs(total));
}

TEST(Autocast, AttentionInBlocksOfHeadsRunsUnderAutocast) {
  torch::manual_seed(1);
  c10::InferenceMode guard;
  const auto q = torch::randn({8, 40, 16}), k = torch::randn({8, 40, 16}), v = torch::randn({8, 40, 16});
  const torch::Tensor whole = scaledAttention(q, k, v, {}, 0.25, std::int64_t(1) << 30);
  AutocastScope ac(torch::kCPU, Precision::Bf16);
  // The gene encoder's q, k, v come from linear layers, which autocast answers in bf16.
  const torch::Tensor blocks = scaledAttention(q.to(torch::kBFloat16), k.to(torch::kBFloat16),
                                               v.to(torch::kBFloat16), {}, 0.25, 40 * 40 * 2);
  EXPECT_EQ(blocks.scalar_type(), torch::kBFloat16);
  EXPECT_LT((blocks.to(torch::kFloat) - whole).abs().max().item<float>(), 0.05f);
}

TEST(Autocast, TrainingAttentionUnderAutocastStaysInBlocks) {
  torch::manual_seed(2);
  auto leaf = [] { return torch::randn({6, 40, 16}).requires_grad_(); };
  const torch::Tensor q = leaf(), k = leaf(), v = leaf();
  scaledAttention(q, k, v, {}, 0.25, std::int64_t(1) << 30).pow(2).sum().backward();  // fp32, whole
  const torch::Tensor dq = q.grad().clone(), dv = v.grad().clone();
  q.grad().zero_(), k.grad().zero_(), v.grad().zero_();
  torch::Tensor out;
  {
    AutocastScope ac(torch::kCPU, Precision::Bf16);
    // As the gene encoder's bf16 projections hand them over; one head a block.
    out = scaledAttention(q.to(torch::kBFloat16), k.to(torch::kBFloat16), v.to(torch::kBFloat16), {}, 0.25,
                          40 * 40 * 2);
  }
  EXPECT_EQ(out.scalar_type(), torch::kBFloat16);
  // The blocks' autograd function, not plain autograd keeping the whole scores.
  ASSERT_TRUE(out.grad_fn());
  EXPECT_NE(out.grad_fn()->name().find("BlockedAttention"), std::string::npos) << out.grad_fn()->name();
  out.to(torch::kFloat).pow(2).sum().backward();
  auto rel = [](const torch::Tensor& a, const torch::Tensor& b) {
    return ((a - b).abs().max() / b.abs().max()).item<float>();
  };
  EXPECT_LT(rel(q.grad(), dq), 3e-2f);  // bf16 throughout the blocks
  EXPECT_LT(rel(v.grad(), dv), 3e-2f);
}
