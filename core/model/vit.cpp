#include "model/vit.h"

#include "model/attention.h"

namespace stamp::core::model {

constexpr std::int64_t kImageSize = 224, kPatch = 16, kGrid = kImageSize / kPatch;

PatchEmbedImpl::PatchEmbedImpl(std::int64_t dim) {
  proj = register_module("proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, dim, kPatch).stride(kPatch)));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& x) { return proj(x).flatten(2).transpose(1, 2); }

VitAttentionImpl::VitAttentionImpl(std::int64_t dim, std::int64_t heads_) : heads(heads_) {
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor VitAttentionImpl::forward(const torch::Tensor& x) {
  const auto b = x.size(0), n = x.size(1), d = x.size(2), dh = d / heads;
  torch::Tensor t = qkv(x).reshape({b, n, 3, heads, dh}).permute({2, 0, 3, 1, 4});
  const auto bh = [&](const torch::Tensor& y) { return y.reshape({b * heads, n, dh}); };
  torch::Tensor a = scaledAttention(bh(t[0]), bh(t[1]), bh(t[2]), {}, std::pow(double(dh), -0.5),
                                    attentionBlockBytes(x));
  return proj(a.view({b, heads, n, dh}).transpose(1, 2).reshape({b, n, d}));
}

LayerScaleImpl::LayerScaleImpl(std::int64_t dim) {
  gamma = register_parameter("gamma", torch::full({dim}, 1e-5));
}

VitMlpImpl::VitMlpImpl(std::int64_t dim, std::int64_t hidden) {
  fc1 = register_module("fc1", torch::nn::Linear(dim, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, dim));
}

torch::Tensor VitMlpImpl::forward(const torch::Tensor& x) { return fc2(torch::gelu(fc1(x))); }

VitBlockImpl::VitBlockImpl(std::int64_t dim, std::int64_t heads, std::int64_t hidden) {
  auto ln = torch::nn::LayerNormOptions({dim}).eps(1e-6);
  norm1 = register_module("norm1", torch::nn::LayerNorm(ln));
  attn = register_module("attn", VitAttention(dim, heads));
  ls1 = register_module("ls1", LayerScale(dim));
  norm2 = register_module("norm2", torch::nn::LayerNorm(ln));
  mlp = register_module("mlp", VitMlp(dim, hidden));
  ls2 = register_module("ls2", LayerScale(dim));
}

torch::Tensor VitBlockImpl::forward(const torch::Tensor& x) {
  // x + y * gamma in one pass (addcmul) instead of a product and a sum.
  torch::Tensor h = torch::addcmul(x, attn(norm1(x)), ls1->gamma);
  return torch::addcmul(h, mlp(norm2(h)), ls2->gamma);
}

VisionTransformerImpl::VisionTransformerImpl(const StampConfig& c) {
  const std::int64_t d = c.visDim;
  cls_token = register_parameter("cls_token", torch::zeros({1, 1, d}));
  pos_embed = register_parameter("pos_embed", torch::zeros({1, kGrid * kGrid + 1, d}));
  patch_embed = register_module("patch_embed", PatchEmbed(d));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < c.visDepth; ++i) blocks->push_back(VitBlock(d, c.visHeads, c.visMlp));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(1e-6)));
  torch::NoGradGuard ng;
  torch::nn::init::normal_(cls_token, 0.0, 1e-6);  // timm's init
  pos_embed.normal_(0.0, 0.02).clamp_(-0.04, 0.04);  // timm: trunc_normal(std 0.02)
}

PromptedViTImpl::PromptedViTImpl(const StampConfig& c) {
  p_visual = register_parameter("p_visual", torch::zeros({1, 1, c.visDim}));
  ref_pos_embed = register_module("ref_pos_embed", torch::nn::Linear(c.visDim, c.visDim));
  base_model = register_module("base_model", VisionTransformer(c));
  torch::NoGradGuard ng;
  torch::nn::init::normal_(p_visual, 0.0, 0.02);
}

VitOutput PromptedViTImpl::forward(const torch::Tensor& images, const std::optional<torch::Tensor>& refs) {
  TORCH_CHECK(images.dim() == 4 && images.size(1) == 3 && images.size(2) == kImageSize &&
                  images.size(3) == kImageSize, "images must be (B, 3, 224, 224)");
  auto& m = *base_model;
  const auto b = images.size(0);
  torch::Tensor x = m.patch_embed(images);
  x = torch::cat({m.cls_token.expand({b, -1, -1}), x}, 1) + m.pos_embed;
  torch::Tensor prompt;
  if (!refs) {
    prompt = p_visual.expand({b, -1, -1});
  } else {
    TORCH_CHECK(refs->dim() == 4 && refs->size(0) == b && refs->size(1) == 3 && refs->size(2) == kPatch &&
                    refs->size(3) == kPatch, "refs must be (B, 3, 16, 16)");
    // p_visual * 0 as in the published code: it gives p_visual a (zero) gradient in this branch,
    // which AdamW's weight decay then sees.
    prompt = p_visual * 0 + ref_pos_embed(m.patch_embed(*refs));
  }
  x = torch::cat({x.slice(1, 0, 1), prompt, x.slice(1, 1)}, 1);
  for (const auto& blk : *m.blocks) x = blk->as<VitBlock>()->forward(x);
  x = m.norm(x);
  return {x.select(1, 0), x.select(1, 1), x.slice(1, 2)};
}

}  // namespace stamp::core::model
