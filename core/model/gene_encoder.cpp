#include "model/gene_encoder.h"

#include "model/attention.h"

#include <cmath>
#include <limits>

namespace stamp::core::model {
namespace F = torch::nn::functional;

constexpr std::int64_t kPad = 1;

GeneSelfAttentionImpl::GeneSelfAttentionImpl(std::int64_t dim, std::int64_t heads_) : heads(heads_) {
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * dim, dim}));
  in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * dim}));
  out_proj = register_module("out_proj", torch::nn::Linear(dim, dim));
  torch::NoGradGuard ng;
  torch::nn::init::xavier_uniform_(in_proj_weight);  // as nn.MultiheadAttention initialises
  out_proj->bias.zero_();
}

torch::Tensor GeneSelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& keyPad) {
  const auto b = x.size(0), n = x.size(1), d = x.size(2), dh = d / heads;
  auto qkv = F::linear(x, in_proj_weight, in_proj_bias).split(d, -1);
  auto split = [&](const torch::Tensor& t) { return t.reshape({b, n, heads, dh}).transpose(1, 2); };
  const auto bh = [&](const torch::Tensor& t) { return split(t).reshape({b * heads, n, dh}); };
  // The key padding (as a 0 / -inf bias per key) and the 1/sqrt(dh) scale ride in one baddbmm:
  // at the published size the (n x n) scores are 288 MB a layer for two spots, and the
  // separate product, division and masked_fill made three of them, and three gradients.
  torch::Tensor bias = torch::zeros({b, 1, 1, n}, x.options())
                           .masked_fill(keyPad.view({b, 1, 1, n}), -std::numeric_limits<float>::infinity())
                           .expand({b, heads, 1, n})
                           .reshape({b * heads, 1, n});
  const std::int64_t block = blockBytes > 0 ? blockBytes : attentionBlockBytes(x);
  torch::Tensor o = scaledAttention(bh(qkv[0]), bh(qkv[1]), bh(qkv[2]), bias, 1.0 / std::sqrt(double(dh)), block);
  return out_proj(o.view({b, heads, n, dh}).transpose(1, 2).reshape({b, n, d}));
}

GeneEncoderLayerImpl::GeneEncoderLayerImpl(const StampConfig& c) {
  self_attn = register_module("self_attn", GeneSelfAttention(c.geneDim, c.geneHeads));
  linear1 = register_module("linear1", torch::nn::Linear(c.geneDim, c.geneFf));
  linear2 = register_module("linear2", torch::nn::Linear(c.geneFf, c.geneDim));
  auto ln = torch::nn::LayerNormOptions({c.geneDim}).eps(1e-12);
  norm1 = register_module("norm1", torch::nn::LayerNorm(ln));
  norm2 = register_module("norm2", torch::nn::LayerNorm(ln));
}

torch::Tensor GeneEncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& keyPad) {
  torch::Tensor h = norm1(x + self_attn(x, keyPad));
  return norm2(h + linear2(torch::relu(linear1(h))));
}

GeneLayerStackImpl::GeneLayerStackImpl(const StampConfig& c) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int i = 0; i < c.geneLayers; ++i) layers->push_back(GeneEncoderLayer(c));
}

static torch::nn::Linear xavierHead(std::int64_t in, std::int64_t out) {
  torch::nn::Linear l(in, out);
  torch::NoGradGuard ng;
  torch::nn::init::xavier_normal_(l->weight);
  l->bias.zero_();
  return l;
}

GeneEncoderImpl::GeneEncoderImpl(const StampConfig& c) : nTokens(c.nTokens()), context(c.context) {
  // Registration order follows the reference module so that saved files list keys alike.
  encoder_layer = register_module("encoder_layer", GeneEncoderLayer(c));
  encoder = register_module("encoder", GeneLayerStack(c));
  classifier_head = register_module("classifier_head", xavierHead(c.geneDim, nTokens));
  spatial_classifier_head = register_module("spatial_classifier_head", xavierHead(c.geneDim, nTokens));
  embeddings = register_module(
      "embeddings", torch::nn::Embedding(torch::nn::EmbeddingOptions(nTokens + 5, c.geneDim).padding_idx(kPad)));
  positional_embedding = register_module("positional_embedding", torch::nn::Embedding(c.context, c.geneDim));
}

torch::Tensor fitColumns(const torch::Tensor& t, std::int64_t n, std::int64_t fill) {
  if (t.size(1) >= n) return t.slice(1, 0, n);
  return torch::constant_pad_nd(t, {0, n - t.size(1)}, fill);
}

GeneHidden GeneEncoderImpl::hidden(torch::Tensor tokens) {
  TORCH_CHECK(tokens.dim() == 2 && tokens.size(1) > 0, "tokens must be (spots, length)");
  // Always exactly `context` columns: the published pipeline pads every spot to 4,096 tokens and
  // reads 1,500, and the spot feature averages padded positions too, so a shorter input must be
  // padded to give the same feature.
  tokens = fitColumns(tokens.to(torch::kLong), context, 0);
  tokens = torch::where(tokens == 0, torch::full_like(tokens, kPad), tokens);
  torch::Tensor keyPad = tokens == kPad;
  torch::Tensor invalid = keyPad.all(1);
  // An all-padding row would softmax over nothing: let it attend everywhere, zero it below.
  torch::Tensor effectivePad = keyPad & invalid.logical_not().unsqueeze(1);
  torch::Tensor pos = torch::arange(tokens.size(1), torch::TensorOptions().dtype(torch::kLong).device(tokens.device()));
  torch::Tensor x = embeddings(tokens) + positional_embedding(pos);
  for (const auto& layer : *encoder->layers) x = layer->as<GeneEncoderLayer>()->forward(x, effectivePad);
  x = x.masked_fill(invalid.view({-1, 1, 1}), 0.0);
  return {x, invalid};
}

GeneFeatures GeneEncoderImpl::feature(const torch::Tensor& tokens) {
  GeneHidden h = hidden(tokens);
  return {h.states.slice(1, 3).mean(1), h.invalid};
}

}  // namespace stamp::core::model
