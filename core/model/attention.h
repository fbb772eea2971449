#pragma once
/// Scaled dot-product attention for LibTorch 1.13 (which has no fused CPU attention), shared
/// by the gene encoder and the ViT.
#include <torch/torch.h>

#include <cstdint>

namespace stamp::core::model {

/// softmax(q k^T * scale + bias) v for q (G, N, dh), k and v (G, M, dh) and a bias that
/// broadcasts to (G, N, M) (undefined: none). Without autograd the heads go in blocks whose
/// scores take at most `blockBytes`: the gene encoder's whole scores tensor is 144 MB a spot at
/// the published size (4.6 GB for a batch of 32, twice with its softmax), while a block stays
/// in cache, and the values are the same. With autograd the blocks are recomputed in
/// backward instead of keeping the scores for it (a custom autograd function, also under
/// autocast, in q's type); where one block holds every head, this is plain autograd over the
/// whole tensor.
torch::Tensor scaledAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const torch::Tensor& bias, double scale,
                              std::int64_t blockBytes);

/// The block size for attention on `x`'s device: 16 MB on the CPU (a block in cache; twice
/// the speed of the whole tensor for the gene encoder, bench_inference), 1 GB on a GPU (small
/// blocks would starve it).
inline std::int64_t attentionBlockBytes(const torch::Tensor& x) {
  return std::int64_t(x.is_cuda() ? 1024 : 16) << 20;
}

}  // namespace stamp::core::model
