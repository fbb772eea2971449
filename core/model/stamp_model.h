#pragma once
/// The STAMP model (STAMP-SPEC §2-§4): gene encoder, prompted ViT, projection heads, the
/// alignment losses and the spatial-aware pre-training losses, with the published state_dict
/// names (named_parameters() == checkpoint keys).
#include <torch/torch.h>

#include "model/config.h"
#include "model/gene_encoder.h"
#include "model/vit.h"

namespace stamp::core::model {

/// Spot embeddings. Spots without any expressed token (`invalid`) get zero feature and zero
/// embedding rows instead of NaN; callers must drop or report them.
struct GeneEmbedding {
  torch::Tensor feature;    // (B, gene_dim)
  torch::Tensor embedding;  // (B, out_dim), L2-normalised
  torch::Tensor invalid;    // (B) bool
};

struct ImageEmbedding {
  torch::Tensor feature;    // (B, vis_dim)
  torch::Tensor embedding;  // (B, out_dim), L2-normalised
};

/// The four alignment terms and their sum (each a 0-dim tensor). `invalidSpots` flags spots
/// that had no expressed token: the terms are finite but those pairs carry no gene signal.
struct AlignmentLosses {
  torch::Tensor patchSpot, patchRegion, regionSpot, positioning, total;
  torch::Tensor invalidSpots;
};

struct PretrainLosses {
  torch::Tensor mlm, spatial;  // 0-dim
};

/// Average-pools the 14 x 14 region tokens into 3 x 3 windows (6 x 6, stride 4) and flattens
/// (B, D, 3, 3) with view(B, 9, D) without permuting, as the released code does (quirk).
torch::Tensor gridPool(const torch::Tensor& tokens);

struct StampImpl : torch::nn::Module {
  explicit StampImpl(const StampConfig& c);

  /// tokens (B, L) int64 (0 = padding).
  GeneEmbedding encodeGenes(const torch::Tensor& tokens);
  /// images (B, 3, 224, 224), normalised, in the checkpoint's channel order.
  ImageEmbedding encodeImages(const torch::Tensor& images);
  /// Position logits (B, 9) of each spot patch `refs` (B, 3, 16, 16) within its region image.
  torch::Tensor localize(const torch::Tensor& regions, const torch::Tensor& refs);
  /// posLabels (B) int64 in [0, 9): the cell of the spot in its region.
  AlignmentLosses losses(const torch::Tensor& tokens, const torch::Tensor& images, const torch::Tensor& regions,
                         const torch::Tensor& refs, const torch::Tensor& posLabels);
  /// groups/masked/mlmTargets (G*9, L): groups of 9 spots, centre first; mlmTargets is -100
  /// where a token was not masked. Throws when nothing is masked (the loss would be NaN).
  PretrainLosses pretrainLosses(const torch::Tensor& groups, const torch::Tensor& masked,
                                const torch::Tensor& mlmTargets);

  const StampConfig& config() const { return config_; }

  GeneEncoder spot_backbone{nullptr};
  PromptedViT visual_backbone{nullptr};
  torch::nn::Linear spot_projection{nullptr}, patch_projection{nullptr}, region_projection{nullptr},
      positioning_projection{nullptr};
  torch::Tensor logit_scale;

 private:
  torch::Tensor positionLogits(const VitOutput& region);
  StampConfig config_;
};
TORCH_MODULE(Stamp);

}  // namespace stamp::core::model
