#pragma once
/// The STAMP gene encoder ("spot_backbone", STAMP-SPEC §2): token + positional embeddings, a
/// stack of post-norm transformer layers with PyTorch's nn.TransformerEncoderLayer names, and
/// the MLM / spatial pre-training heads.
#include <torch/torch.h>

#include "model/config.h"

namespace stamp::core::model {

/// Self-attention with nn.MultiheadAttention's parameter names (in_proj_weight, in_proj_bias,
/// out_proj). Padded keys are masked; queries are not.
struct GeneSelfAttentionImpl : torch::nn::Module {
  GeneSelfAttentionImpl(std::int64_t dim, std::int64_t heads);
  /// x (B, L, D), keyPad (B, L) bool, true = ignore this key. A row must keep one key.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& keyPad);
  torch::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr};
  std::int64_t heads;
  /// scaledAttention's block size without autograd; 0: attentionBlockBytes (by device).
  /// Benchmarks set it to compare.
  std::int64_t blockBytes = 0;
};
TORCH_MODULE(GeneSelfAttention);

/// Post-norm layer: x = norm1(x + attn(x)); x = norm2(x + linear2(relu(linear1(x)))).
struct GeneEncoderLayerImpl : torch::nn::Module {
  GeneEncoderLayerImpl(const StampConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& keyPad);
  GeneSelfAttention self_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
};
TORCH_MODULE(GeneEncoderLayer);

/// Holds `layers` so that names read encoder.layers.{i}.* as in nn.TransformerEncoder.
struct GeneLayerStackImpl : torch::nn::Module {
  GeneLayerStackImpl(const StampConfig& c);
  torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(GeneLayerStack);

/// Last-layer states plus the rows that had no expressed token at all.
struct GeneHidden {
  torch::Tensor states;   // (B, L, D)
  torch::Tensor invalid;  // (B) bool: every key was padding; states of such rows are zero
};

/// Spot features (mean of positions 3.. including padding, STAMP-SPEC §2 quirk).
struct GeneFeatures {
  torch::Tensor feature;  // (B, D); rows of invalid spots are zero
  torch::Tensor invalid;  // (B) bool
};

struct GeneEncoderImpl : torch::nn::Module {
  explicit GeneEncoderImpl(const StampConfig& c);
  /// tokens (B, L) int64, 0 = padding (mapped to PAD = 1 as the published code does); columns
  /// past `context` are ignored and shorter rows are padded to `context`. A spot whose tokens are all padding would make every attention
  /// key masked (NaN in PyTorch): it is computed unmasked, then zeroed and flagged in `invalid`.
  GeneHidden hidden(torch::Tensor tokens);
  GeneFeatures feature(const torch::Tensor& tokens);

  std::int64_t nTokens;
  std::int64_t context;
  torch::nn::Embedding embeddings{nullptr}, positional_embedding{nullptr};
  GeneLayerStack encoder{nullptr};
  GeneEncoderLayer encoder_layer{nullptr};  // unused template copy the published checkpoint holds
  torch::nn::Linear classifier_head{nullptr}, spatial_classifier_head{nullptr};
};
TORCH_MODULE(GeneEncoder);

/// The first `n` columns of `t` (B, L), right-padded with `fill` when L < n.
torch::Tensor fitColumns(const torch::Tensor& t, std::int64_t n, std::int64_t fill);

}  // namespace stamp::core::model
