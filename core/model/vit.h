#pragma once
/// The STAMP visual encoder (STAMP-SPEC §3): a timm-named ViT (UNI ViT-L/16 in the published
/// model) with one prompt token inserted after CLS.
#include <optional>

#include <torch/torch.h>

#include "model/config.h"

namespace stamp::core::model {

struct PatchEmbedImpl : torch::nn::Module {
  explicit PatchEmbedImpl(std::int64_t dim);
  /// (B, 3, H, W) -> (B, H/16 * W/16, D)
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d proj{nullptr};
};
TORCH_MODULE(PatchEmbed);

struct VitAttentionImpl : torch::nn::Module {
  VitAttentionImpl(std::int64_t dim, std::int64_t heads);
  torch::Tensor forward(const torch::Tensor& x);
  std::int64_t heads;
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
};
TORCH_MODULE(VitAttention);

/// Holds `gamma` under the checkpoint's name; the block applies it in one addcmul.
struct LayerScaleImpl : torch::nn::Module {
  explicit LayerScaleImpl(std::int64_t dim);
  torch::Tensor gamma;
};
TORCH_MODULE(LayerScale);

struct VitMlpImpl : torch::nn::Module {
  VitMlpImpl(std::int64_t dim, std::int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);  // fc2(gelu(fc1 x)), exact (erf) GELU
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(VitMlp);

/// Pre-norm block with LayerScale: x + ls1(attn(norm1 x)), then x + ls2(mlp(norm2 x)).
struct VitBlockImpl : torch::nn::Module {
  VitBlockImpl(std::int64_t dim, std::int64_t heads, std::int64_t mlp);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  VitAttention attn{nullptr};
  LayerScale ls1{nullptr}, ls2{nullptr};
  VitMlp mlp{nullptr};
};
TORCH_MODULE(VitBlock);

/// timm VisionTransformer parameters (224 px, patch 16, no head). Its forward is done by
/// PromptedViT, which inserts the prompt token between the embedding and the blocks.
struct VisionTransformerImpl : torch::nn::Module {
  explicit VisionTransformerImpl(const StampConfig& c);
  torch::Tensor cls_token, pos_embed;
  PatchEmbed patch_embed{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(VisionTransformer);

struct VitOutput {
  torch::Tensor cls;      // (B, D) final-norm CLS token: the image feature
  torch::Tensor prompt;   // (B, D) output at the prompt position (the region branch's ref_token)
  torch::Tensor patches;  // (B, 196, D)
};

struct PromptedViTImpl : torch::nn::Module {
  explicit PromptedViTImpl(const StampConfig& c);
  /// images (B, 3, 224, 224). Without `refs` the prompt is p_visual; with refs (B, 3, 16, 16)
  /// it is ref_pos_embed(patch_embed(refs)).
  VitOutput forward(const torch::Tensor& images, const std::optional<torch::Tensor>& refs = std::nullopt);
  torch::Tensor p_visual;
  torch::nn::Linear ref_pos_embed{nullptr};
  VisionTransformer base_model{nullptr};
};
TORCH_MODULE(PromptedViT);

}  // namespace stamp::core::model
