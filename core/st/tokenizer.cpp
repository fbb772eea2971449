#include "st/tokenizer.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace stamp::core::st {

int tokenizeSpot(std::vector<std::pair<int, double>>& entries, const std::vector<double>& rounded,
                 int maxLen, std::int64_t* out) {
  std::fill(out, out + maxLen, 0);
  std::sort(entries.begin(), entries.end());
  // Merge input genes that map to the same template gene (the reference adds them up).
  std::size_t w = 0;
  double total = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    total += entries[i].second;
    if (w > 0 && entries[w - 1].first == entries[i].first) entries[w - 1].second += entries[i].second;
    else entries[w++] = entries[i];
  }
  entries.resize(w);
  if (total == 0) total = 1;
  // Same operations in the same order as the reference (x * (1e4 / total) / mean), so equal
  // inputs give bit-equal values and the tie order below is the reference's.
  const double scale = 10000.0 / total;
  std::vector<std::pair<double, int>> ranked;
  ranked.reserve(entries.size());
  for (auto [idx, c] : entries) {
    double v = c * scale / rounded[std::size_t(idx)];
    if (v != 0) ranked.emplace_back(v, idx);
  }
  const std::size_t keep = std::min<std::size_t>(ranked.size(), std::size_t(maxLen));
  auto byRank = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  std::partial_sort(ranked.begin(), ranked.begin() + std::ptrdiff_t(keep), ranked.end(), byRank);
  for (std::size_t i = 0; i < keep; ++i) out[i] = ranked[i].second + kTokenAux;
  return int(keep);
}

namespace {

std::vector<int> mapColumns(const SpatialSample& s, const Vocabulary& v, int* matched) {
  std::vector<int> col(s.genes.size(), -1);
  *matched = 0;
  for (std::size_t g = 0; g < s.genes.size(); ++g) {
    col[g] = v.indexOf(s.genes[g]);
    if (col[g] >= 0) ++*matched;
  }
  return col;
}

void tokenizeRows(const SpatialSample& s, const std::vector<int>& col, const Vocabulary& v,
                  TokenTable& t, std::int64_t begin, std::int64_t end, ProgressReporter* progress) {
  std::vector<std::pair<int, double>> entries;
  const CsrMatrix& m = s.counts;
  for (std::int64_t r = begin; r < end; ++r) {
    if (progress && progress->token().cancelled()) return;
    entries.clear();
    for (std::int64_t k = m.indptr[std::size_t(r)]; k < m.indptr[std::size_t(r) + 1]; ++k) {
      int c = col[std::size_t(m.indices[std::size_t(k)])];
      if (c >= 0 && m.data[std::size_t(k)] != 0) entries.emplace_back(c, double(m.data[std::size_t(k)]));
    }
    t.lengths[std::size_t(r)] =
        tokenizeSpot(entries, v.roundedMeans(), t.maxLen, t.tokens.data() + r * t.maxLen);
    if (progress && (r - begin) % 256 == 255) progress->advance(256);
  }
}

}  // namespace

Result<TokenTable> tokenize(const SpatialSample& sample, const Vocabulary& vocab,
                            const TokenizeOptions& options, ProgressReporter* progress) {
  if (options.maxLen < 1) return makeError(ErrorCode::InvalidArgument, "max length must be >= 1");
  if (auto bad = sample.counts.validate()) return makeError(ErrorCode::Format, *bad, sample.sourcePath);
  if (std::size_t(sample.counts.rows) != sample.spots.size() ||
      std::size_t(sample.counts.cols) != sample.genes.size())
    return makeError(ErrorCode::Mismatch, "count matrix shape does not match spots x genes",
                     sample.sourcePath);
  TokenTable t;
  t.rows = sample.counts.rows;
  t.maxLen = options.maxLen;
  std::vector<int> col = mapColumns(sample, vocab, &t.genesMatched);
  if (t.genesMatched == 0)
    return makeError(ErrorCode::Mismatch,
                     "none of the sample's " + std::to_string(sample.genes.size()) +
                         " genes is in the STAMP vocabulary (expected Ensembl ids or human gene "
                         "symbols)", sample.sourcePath);
  t.tokens.assign(std::size_t(t.rows) * std::size_t(t.maxLen), 0);
  t.lengths.assign(std::size_t(t.rows), 0);
  if (progress) progress->begin("tokenizing", t.rows);
  int threads = options.threads > 0 ? options.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  threads = int(std::min<std::int64_t>(threads, std::max<std::int64_t>(1, t.rows / 64)));
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i)
    pool.emplace_back(tokenizeRows, std::cref(sample), std::cref(col), std::cref(vocab), std::ref(t),
                      t.rows * i / threads, t.rows * (i + 1) / threads, progress);
  for (auto& th : pool) th.join();
  if (progress) STAMP_CHECK(progress->check());
  for (std::int64_t r = 0; r < t.rows; ++r)
    if (t.lengths[std::size_t(r)] == 0) t.emptySpots.push_back(r);
  return t;
}

}  // namespace stamp::core::st
