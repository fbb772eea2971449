#include "model/attention.h"

#include <algorithm>

#include "model/autocast.h"

namespace stamp::core::model {

namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Heads of one block: [h0, h1).
struct HeadBlock {
  std::int64_t h0, h1;
  Tensor of(const Tensor& t) const { return t.slice(0, h0, h1); }
};

// How many heads share a block of at most `blockBytes` of scores (at least one).
std::int64_t headsPerBlock(const Tensor& q, const Tensor& k, std::int64_t blockBytes) {
  const std::int64_t perHead = q.size(1) * k.size(1) * std::int64_t(q.element_size());
  return std::max<std::int64_t>(1, blockBytes / std::max<std::int64_t>(perHead, 1));
}

// softmax(q k^T * scale + bias) of one block. The scale rides in the batched product (alpha)
// and so does the bias (beta = 1), rather than separate passes over the scores; without a
// bias, beta = 0 ignores a zero scalar.
Tensor probabilities(const Tensor& q, const Tensor& k, const Tensor& bias, double scale, const HeadBlock& b) {
  const Tensor term = bias.defined() ? b.of(bias.expand({q.size(0), bias.size(1), k.size(1)}))
                                     : torch::zeros({}, q.options());
  return torch::baddbmm(term, b.of(q), b.of(k).transpose(1, 2), bias.defined() ? 1.0 : 0.0, scale).softmax(-1);
}

// The whole computation in blocks of heads into `out`.
void forwardBlocks(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias, double scale,
                   std::int64_t perBlock, Tensor& out) {
  for (std::int64_t h0 = 0; h0 < q.size(0); h0 += perBlock) {
    const HeadBlock b{h0, std::min(q.size(0), h0 + perBlock)};
    Tensor o = b.of(out);
    torch::bmm_out(o, probabilities(q, k, bias, scale, b), b.of(v));
  }
}

// The bias handed to the autograd function inside a plain struct: a Tensor argument is taken
// as an input that may need a gradient, and an undefined one (no bias) is refused there.
struct BiasArg {
  Tensor tensor;
};

// Training without the scores: forward keeps q, k, v and the output; backward recomputes each
// block's probabilities P and uses dS = P * (dP - rowsum(dO * O)), which is softmax's
// backward (rowsum(dP * P) = dO . O). Memory per layer: the inputs, not (heads x n x n).
struct BlockedAttention : torch::autograd::Function<BlockedAttention> {
  static Tensor forward(AutogradContext* ctx, Tensor q, Tensor k, Tensor v, BiasArg bias, double scale,
                        std::int64_t perBlock) {
    Tensor out = torch::empty({q.size(0), q.size(1), v.size(2)}, q.options());
    forwardBlocks(q, k, v, bias.tensor, scale, perBlock, out);
    ctx->save_for_backward({q, k, v, out});
    ctx->saved_data["hasBias"] = bias.tensor.defined();
    if (bias.tensor.defined()) ctx->saved_data["bias"] = bias.tensor;
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["perBlock"] = perBlock;
    return out;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &q = saved[0], &k = saved[1], &v = saved[2], &out = saved[3];
    const Tensor bias = ctx->saved_data["hasBias"].toBool() ? ctx->saved_data["bias"].toTensor() : Tensor();
    const double scale = ctx->saved_data["scale"].toDouble();
    const std::int64_t perBlock = ctx->saved_data["perBlock"].toInt();
    const Tensor dO = grads[0].contiguous();
    const Tensor rows = (dO * out).sum(-1, /*keepdim=*/true);
    Tensor dq = torch::empty_like(q), dk = torch::empty_like(k), dv = torch::empty_like(v);
    for (std::int64_t h0 = 0; h0 < q.size(0); h0 += perBlock) {
      const HeadBlock b{h0, std::min(q.size(0), h0 + perBlock)};
      const Tensor p = probabilities(q, k, bias, scale, b);
      Tensor dvb = b.of(dv), dqb = b.of(dq), dkb = b.of(dk);
      torch::bmm_out(dvb, p.transpose(1, 2), b.of(dO));
      const Tensor ds = p * (torch::bmm(b.of(dO), b.of(v).transpose(1, 2)) - b.of(rows));
      torch::bmm_out(dqb, ds, b.of(k)).mul_(scale);
      torch::bmm_out(dkb, ds.transpose(1, 2), b.of(q)).mul_(scale);
    }
    return {dq, dk, dv, Tensor(), Tensor(), Tensor()};
  }
};

}  // namespace

torch::Tensor scaledAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const torch::Tensor& bias, double scale, std::int64_t blockBytes) {
  const std::int64_t perBlock = headsPerBlock(q, k, blockBytes);
  const bool grad = torch::GradMode::is_enabled() &&
                    (q.requires_grad() || k.requires_grad() || v.requires_grad());
  TORCH_CHECK(!bias.defined() || !bias.requires_grad(), "scaledAttention: the bias takes no gradient");
  if (perBlock >= q.size(0)) return torch::bmm(probabilities(q, k, bias, scale, HeadBlock{0, q.size(0)}), v);
  if (autocastActive()) {
    // The blocks run in q's type (bf16 from the projections) with autocast kept out of them:
    // their out= products and saved tensors need one type (CUDA autocast would answer the
    // softmax in fp32), and plain autograd would keep every layer's whole scores. Inside the
    // guard autocastActive() is false, so this is the same function without autocast.
    c10::impl::ExcludeDispatchKeyGuard noAutocast(c10::autocast_dispatch_keyset);
    const auto type = q.scalar_type();
    return scaledAttention(q, k.to(type), v.to(type), bias.defined() ? bias.to(type) : bias, scale, blockBytes);
  }
  if (grad) return BlockedAttention::apply(q.contiguous(), k.contiguous(), v.contiguous(), BiasArg{bias}, scale,
                                            perBlock);
  Tensor out = torch::empty({q.size(0), q.size(1), v.size(2)}, q.options());
  forwardBlocks(q, k, v, bias, scale, perBlock, out);
  return out;
}

}  // namespace stamp::core::model
