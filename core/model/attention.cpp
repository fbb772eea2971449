#include "model/attention.h"

#include <algorithm>

namespace stamp::core::model {

torch::Tensor scaledAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const torch::Tensor& bias, double scale, std::int64_t blockBytes) {
  const auto g = q.size(0), n = q.size(1), m = k.size(1);
  const std::int64_t perHead = n * m * std::int64_t(q.element_size());
  const std::int64_t block = std::max<std::int64_t>(1, blockBytes / std::max<std::int64_t>(perHead, 1));
  const torch::Tensor kt = k.transpose(1, 2);
  // The scale rides in the batched product (alpha) and so does the bias (beta = 1), rather than
  // separate passes over the scores; without a bias, beta = 0 ignores a zero scalar.
  const double beta = bias.defined() ? 1.0 : 0.0;
  const torch::Tensor zero = torch::zeros({}, q.options());
  auto biasOf = [&](std::int64_t h0, std::int64_t h1) {
    return bias.defined() ? bias.expand({g, bias.size(1), m}).slice(0, h0, h1) : zero;
  };
  if (torch::GradMode::is_enabled() || block >= g)
    return torch::bmm(torch::baddbmm(biasOf(0, g), q, kt, beta, scale).softmax(-1), v);
  torch::Tensor out = torch::empty({g, n, v.size(2)}, q.options());
  for (std::int64_t h0 = 0; h0 < g; h0 += block) {
    const std::int64_t h1 = std::min(g, h0 + block);
    torch::Tensor s = torch::baddbmm(biasOf(h0, h1), q.slice(0, h0, h1), kt.slice(0, h0, h1), beta, scale);
    torch::Tensor o = out.slice(0, h0, h1);
    torch::bmm_out(o, s.softmax(-1), v.slice(0, h0, h1));
  }
  return out;
}

}  // namespace stamp::core::model
