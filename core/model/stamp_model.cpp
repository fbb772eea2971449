#include "model/stamp_model.h"

#include <cmath>

namespace stamp::core::model {
namespace F = torch::nn::functional;

namespace {

torch::Tensor l2normalize(const torch::Tensor& x) { return F::normalize(x, F::NormalizeFuncOptions().dim(-1)); }

torch::Tensor crossEntropy(const torch::Tensor& logits, const torch::Tensor& labels) {
  return F::cross_entropy(logits, labels);
}

// Symmetric InfoNCE: mean of the a->b and b->a cross-entropies.
torch::Tensor symmetric(const torch::Tensor& scale, const torch::Tensor& a, const torch::Tensor& b,
                        const torch::Tensor& labels) {
  torch::Tensor lg = scale * torch::matmul(a, b.t());
  return (crossEntropy(lg, labels) + crossEntropy(lg.t(), labels)) / 2;
}

}  // namespace

torch::Tensor gridPool(const torch::Tensor& tokens) {
  TORCH_CHECK(tokens.dim() == 3 && tokens.size(1) == 196, "region tokens must be (B, 196, D)");
  const auto b = tokens.size(0), d = tokens.size(2);
  torch::Tensor g = tokens.reshape({b, 14, 14, d}).permute({0, 3, 1, 2});
  g = g.unfold(2, 6, 4).unfold(3, 6, 4).contiguous().view({b, d, 3, 3, -1}).mean(-1);
  return g.view({b, -1, d});
}

StampImpl::StampImpl(const StampConfig& c) : config_(c) {
  spot_backbone = register_module("spot_backbone", GeneEncoder(c));
  visual_backbone = register_module("visual_backbone", PromptedViT(c));
  spot_projection = register_module("spot_projection", torch::nn::Linear(c.geneDim, c.outDim));
  patch_projection = register_module("patch_projection", torch::nn::Linear(c.visDim, c.outDim));
  region_projection = register_module("region_projection", torch::nn::Linear(c.visDim, c.outDim));
  positioning_projection = register_module("positioning_projection", torch::nn::Linear(c.visDim, c.outDim));
  logit_scale = register_parameter("logit_scale", torch::full({}, std::log(1 / 0.07)));
}

GeneEmbedding StampImpl::encodeGenes(const torch::Tensor& tokens) {
  GeneFeatures f = spot_backbone->feature(tokens);
  torch::Tensor emb = l2normalize(spot_projection(f.feature));
  emb = emb.masked_fill(f.invalid.unsqueeze(1), 0.0);
  return {f.feature, emb, f.invalid};
}

ImageEmbedding StampImpl::encodeImages(const torch::Tensor& images) {
  torch::Tensor feature = visual_backbone(images).cls;
  return {feature, l2normalize(patch_projection(feature))};
}

torch::Tensor StampImpl::positionLogits(const VitOutput& region) {
  torch::Tensor cells = l2normalize(positioning_projection(gridPool(region.patches)));
  torch::Tensor ref = l2normalize(positioning_projection(region.prompt));
  return logit_scale.exp() * (cells * ref.unsqueeze(1)).sum(-1);
}

torch::Tensor StampImpl::localize(const torch::Tensor& regions, const torch::Tensor& refs) {
  return positionLogits(visual_backbone(regions, refs));
}

AlignmentLosses StampImpl::losses(const torch::Tensor& tokens, const torch::Tensor& images,
                                  const torch::Tensor& regions, const torch::Tensor& refs,
                                  const torch::Tensor& posLabels) {
  TORCH_CHECK(tokens.size(0) == images.size(0) && images.size(0) == regions.size(0) &&
                  posLabels.dim() == 1 && posLabels.size(0) == tokens.size(0),
              "tokens, images, regions, refs and pos_labels must have the same batch size");
  GeneEmbedding spot = encodeGenes(tokens);
  torch::Tensor patch = encodeImages(images).embedding;
  VitOutput region = visual_backbone(regions, refs);
  torch::Tensor regionEmb = l2normalize(region_projection(region.cls));
  torch::Tensor s = logit_scale.exp();
  torch::Tensor labels = torch::arange(tokens.size(0), torch::TensorOptions().dtype(torch::kLong).device(tokens.device()));
  AlignmentLosses out;
  out.patchSpot = symmetric(s, patch, spot.embedding, labels);
  out.patchRegion = crossEntropy(s * torch::matmul(patch, regionEmb.t()), labels);
  out.regionSpot = symmetric(s, regionEmb, spot.embedding, labels);
  out.positioning = crossEntropy(positionLogits(region), posLabels.to(torch::kLong));
  out.total = out.patchSpot + out.patchRegion + out.regionSpot + out.positioning;
  out.invalidSpots = spot.invalid;
  return out;
}

PretrainLosses StampImpl::pretrainLosses(const torch::Tensor& groups, const torch::Tensor& masked,
                                         const torch::Tensor& mlmTargets) {
  TORCH_CHECK(groups.dim() == 2 && groups.size(0) % 9 == 0 && groups.sizes() == masked.sizes() &&
                  masked.sizes() == mlmTargets.sizes(), "pre-training tensors must be (G*9, L) and alike");
  auto& gb = *spot_backbone;
  torch::Tensor h = gb.hidden(masked).states;
  const auto L = h.size(1), D = h.size(2);
  // Cross-entropy over the ignore-filtered positions only: the same mean as the reference's
  // ignore_index=-100, without (G*9, L, n_tokens) logits (2 GB for the published size).
  torch::Tensor targets = fitColumns(mlmTargets.to(torch::kLong), L, -100).reshape({-1});
  torch::Tensor keep = (targets != -100).nonzero().squeeze(1);
  TORCH_CHECK(keep.numel() > 0, "no masked token to compute the MLM loss on");
  torch::Tensor mlm = crossEntropy(gb.classifier_head(h.reshape({-1, D}).index_select(0, keep)),
                                   targets.index_select(0, keep));
  torch::Tensor neighbours = h.reshape({-1, 9, L, D}).slice(1, 1).mean(1);  // (G, L, D)
  torch::Tensor centre = fitColumns(groups.to(torch::kLong), L, 0).reshape({-1, 9, L}).select(1, 0);
  torch::Tensor target = centre.reshape({-1});
  torch::Tensor valid = ((target != 0) & (target != 1)).nonzero().squeeze(1);
  TORCH_CHECK(valid.numel() > 0, "no expressed token in any centre spot for the spatial loss");
  torch::Tensor spatial = crossEntropy(gb.spatial_classifier_head(neighbours.reshape({-1, D}).index_select(0, valid)),
                                       target.index_select(0, valid));
  return {mlm, spatial};
}

}  // namespace stamp::core::model
