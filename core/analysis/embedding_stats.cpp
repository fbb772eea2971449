#include "analysis/embedding_stats.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <random>

namespace stamp::core::analysis {
namespace {

torch::Tensor asTensor(const DenseMatrix& m) {  // a view: valid while `m` lives
  return torch::from_blob(const_cast<float*>(m.data.data()), {m.rows, m.cols}, torch::kFloat32);
}

DenseMatrix fromTensor(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat32).contiguous();
  DenseMatrix m{c.size(0), c.size(1), std::vector<float>(std::size_t(c.numel()))};
  std::memcpy(m.data.data(), c.data_ptr<float>(), m.data.size() * sizeof(float));
  return m;
}

Status checkMatrix(const DenseMatrix& x, const char* what) {
  if (x.rows <= 0 || x.cols <= 0 || x.data.size() != std::size_t(x.rows * x.cols))
    return makeError(ErrorCode::InvalidArgument, std::string(what) + " is empty or malformed");
  for (float v : x.data)
    if (!std::isfinite(v)) return makeError(ErrorCode::Numerical, std::string(what) + " contains NaN or Inf");
  return {};
}

double choose2(double n) { return n * (n - 1) / 2; }

}  // namespace

Result<PcaResult> pca(const DenseMatrix& x, int k) {
  STAMP_CHECK(checkMatrix(x, "the embedding table"));
  if (k < 1 || k > x.cols) return makeError(ErrorCode::InvalidArgument, "PCA needs 1 <= k <= columns");
  torch::NoGradGuard ng;
  auto X = asTensor(x).to(torch::kFloat64);
  auto mean = X.mean(0);
  auto Xc = X - mean;
  auto cov = Xc.t().mm(Xc) / std::max<std::int64_t>(1, x.rows - 1);
  auto [evals, evecs] = torch::linalg_eigh(cov);  // ascending
  auto idx = torch::arange(x.cols - 1, x.cols - 1 - k, -1);
  auto comps = evecs.index_select(1, idx).t().contiguous();  // k x d
  // Fix the sign so results do not flip between runs or machines.
  auto maxIdx = comps.abs().argmax(1);
  auto signs = comps.gather(1, maxIdx.unsqueeze(1)).sign();
  signs = torch::where(signs == 0, torch::ones_like(signs), signs);
  comps = comps * signs;
  PcaResult r;
  r.scores = fromTensor(Xc.mm(comps.t()));
  r.components = fromTensor(comps);
  auto m32 = mean.to(torch::kFloat32).contiguous();
  r.mean.assign(m32.data_ptr<float>(), m32.data_ptr<float>() + x.cols);
  auto ev = evals.index_select(0, idx).contiguous();
  r.explainedVariance.assign(ev.data_ptr<double>(), ev.data_ptr<double>() + k);
  return r;
}

static KMeansResult kmeansOnce(const torch::Tensor& X, int k, std::mt19937_64& rng, int maxIter) {
  const auto n = X.size(0);
  auto norms = (X * X).sum(1);
  std::vector<std::int64_t> centres{std::int64_t(rng() % std::uint64_t(n))};
  auto d2 = torch::full({n}, std::numeric_limits<double>::infinity(), X.options());
  while (int(centres.size()) < k) {  // k-means++: sample proportional to squared distance
    auto c = X[centres.back()];
    d2 = torch::minimum(d2, ((X - c) * (X - c)).sum(1));
    auto w = d2.contiguous();
    std::vector<double> weights(w.data_ptr<double>(), w.data_ptr<double>() + n);
    std::discrete_distribution<std::int64_t> pick(weights.begin(), weights.end());
    centres.push_back(pick(rng));
  }
  auto C = X.index_select(0, torch::tensor(centres));
  KMeansResult r;
  torch::Tensor labels;
  for (r.iterations = 1; r.iterations <= maxIter; ++r.iterations) {
    auto dist = norms.unsqueeze(1) - 2 * X.mm(C.t()) + (C * C).sum(1).unsqueeze(0);
    auto [best, lab] = dist.min(1);
    r.inertia = best.clamp_min(0).sum().item<double>();
    bool same = labels.defined() && labels.equal(lab);
    labels = lab;
    if (same) break;
    auto sums = torch::zeros_like(C).index_add_(0, lab, X);
    auto counts = torch::zeros({k}, X.options()).index_add_(0, lab, torch::ones({n}, X.options()));
    auto empty = counts == 0;  // an empty cluster keeps its old centre
    C = torch::where(empty.unsqueeze(1), C, sums / counts.clamp_min(1).unsqueeze(1));
  }
  auto l = labels.to(torch::kInt32).contiguous();
  r.labels.assign(l.data_ptr<int>(), l.data_ptr<int>() + n);
  r.centroids = fromTensor(C);
  return r;
}

Result<KMeansResult> kmeans(const DenseMatrix& x, int k, std::uint64_t seed, int restarts, int maxIterations) {
  STAMP_CHECK(checkMatrix(x, "the embedding table"));
  if (k < 1 || k > x.rows)
    return makeError(ErrorCode::InvalidArgument, "k must be between 1 and the number of rows (" + std::to_string(x.rows) + ")");
  torch::NoGradGuard ng;
  auto X = asTensor(x).to(torch::kFloat64);
  std::mt19937_64 rng(seed);
  KMeansResult best;
  for (int i = 0; i < std::max(1, restarts); ++i) {
    KMeansResult r = kmeansOnce(X, k, rng, maxIterations);
    if (i == 0 || r.inertia < best.inertia) best = std::move(r);
  }
  return best;
}

std::vector<float> cosineToVector(const DenseMatrix& x, const std::vector<float>& query) {
  std::vector<float> out(std::size_t(x.rows), 0.f);
  if (std::int64_t(query.size()) != x.cols) return out;
  double qn = 0;
  for (float q : query) qn += double(q) * q;
  qn = std::sqrt(qn);
  for (std::int64_t r = 0; r < x.rows; ++r) {
    double dot = 0, rn = 0;
    const float* row = x.data.data() + r * x.cols;
    for (std::int64_t c = 0; c < x.cols; ++c) {
      dot += double(row[c]) * query[std::size_t(c)];
      rn += double(row[c]) * row[c];
    }
    if (rn > 0 && qn > 0) out[std::size_t(r)] = float(dot / (std::sqrt(rn) * qn));
  }
  return out;
}

Result<std::vector<float>> rowCosine(const DenseMatrix& a, const DenseMatrix& b) {
  if (a.rows != b.rows || a.cols != b.cols)
    return makeError(ErrorCode::Mismatch, "the two embedding tables differ in shape");
  std::vector<float> out(std::size_t(a.rows));
  for (std::int64_t r = 0; r < a.rows; ++r) {
    DenseMatrix one{1, a.cols, std::vector<float>(a.data.begin() + r * a.cols, a.data.begin() + (r + 1) * a.cols)};
    out[std::size_t(r)] = cosineToVector(one, std::vector<float>(b.data.begin() + r * b.cols, b.data.begin() + (r + 1) * b.cols))[0];
  }
  return out;
}

Result<double> adjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b) {
  if (a.size() != b.size() || a.empty())
    return makeError(ErrorCode::Mismatch, "labelings must be non-empty and of equal length");
  std::map<std::pair<int, int>, double> table;
  std::map<int, double> ra, rb;
  for (std::size_t i = 0; i < a.size(); ++i) {
    table[{a[i], b[i]}] += 1;
    ra[a[i]] += 1;
    rb[b[i]] += 1;
  }
  double sumCells = 0, sumA = 0, sumB = 0;
  for (auto& [k, v] : table) sumCells += choose2(v);
  for (auto& [k, v] : ra) sumA += choose2(v);
  for (auto& [k, v] : rb) sumB += choose2(v);
  const double total = choose2(double(a.size()));
  const double expected = total > 0 ? sumA * sumB / total : 0;
  const double maxIndex = (sumA + sumB) / 2;
  if (maxIndex == expected) return 1.0;  // both labelings trivial (one cluster or all singletons)
  return (sumCells - expected) / (maxIndex - expected);
}

Result<std::vector<double>> recallAtK(const DenseMatrix& queries, const DenseMatrix& keys,
                                      const std::vector<int>& ks) {
  if (queries.rows != keys.rows || queries.cols != keys.cols || queries.rows == 0)
    return makeError(ErrorCode::Mismatch, "queries and keys must have the same non-empty shape");
  torch::NoGradGuard ng;
  auto q = torch::nn::functional::normalize(asTensor(queries), torch::nn::functional::NormalizeFuncOptions().dim(1));
  auto kk = torch::nn::functional::normalize(asTensor(keys), torch::nn::functional::NormalizeFuncOptions().dim(1));
  auto sim = q.mm(kk.t());
  auto diag = sim.diagonal().unsqueeze(1);
  auto rank = (sim > diag).sum(1);  // how many keys beat the true one
  std::vector<double> out;
  for (int k : ks) out.push_back((rank < k).to(torch::kFloat64).mean().item<double>());
  return out;
}

Result<std::vector<std::array<std::uint8_t, 3>>> pcaColours(const DenseMatrix& x) {
  const int k = int(std::min<std::int64_t>(3, x.cols));
  STAMP_ASSIGN(PcaResult p, pca(x, k));
  std::vector<std::array<std::uint8_t, 3>> out(std::size_t(x.rows), {128, 128, 128});
  for (int c = 0; c < k; ++c) {
    std::vector<float> col(std::size_t(x.rows));
    for (std::int64_t r = 0; r < x.rows; ++r) col[std::size_t(r)] = p.scores.at(r, c);
    std::vector<float> sorted = col;
    std::sort(sorted.begin(), sorted.end());
    const float lo = sorted[std::size_t(0.02 * double(sorted.size() - 1))];
    const float hi = sorted[std::size_t(0.98 * double(sorted.size() - 1))];
    for (std::size_t r = 0; r < col.size(); ++r) {
      const float t = hi > lo ? std::clamp((col[r] - lo) / (hi - lo), 0.f, 1.f) : 0.5f;
      out[r][std::size_t(c)] = std::uint8_t(std::lround(t * 255));
    }
  }
  return out;
}

}  // namespace stamp::core::analysis
