#include "st/tokenizer.h"

#include "st/tokenizer_rank.h"

#include <algorithm>
#include <atomic>
#include "common/parallel.h"

namespace stamp::core::st {

int tokenizeSpot(std::vector<std::pair<int, double>>& entries, const std::vector<double>& rounded,
                 int maxLen, TokenId* out) {
  std::fill(out, out + maxLen, 0);
  const detail::SampleMap map = detail::makeSampleMap({}, rounded);
  detail::SpotRanker ranker(map);
  return ranker.rankPairs(entries, maxLen, out);
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

// Spots are handed out in small chunks so that threads finish together even when spot sizes
// differ a lot (tissue edge vs centre).
void tokenizeRows(const SpatialSample& s, const detail::SampleMap& map, TokenTable& t,
                  std::atomic<std::int64_t>& next, ProgressReporter* progress) {
  constexpr std::int64_t kChunk = 64;
  detail::SpotRanker ranker(map);
  const CsrMatrix& m = s.counts;
  for (std::int64_t begin = next.fetch_add(kChunk); begin < t.rows; begin = next.fetch_add(kChunk)) {
    if (progress && progress->token().cancelled()) return;
    const std::int64_t end = std::min(t.rows, begin + kChunk);
    for (std::int64_t r = begin; r < end; ++r)
      t.lengths[std::size_t(r)] = ranker.rankRow(m, m.indptr[std::size_t(r)], m.indptr[std::size_t(r) + 1],
                                                 t.maxLen, t.tokens.data() + r * t.maxLen);
    if (progress) progress->advance(end - begin);
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
  t.tokens.resize(std::size_t(t.rows) * std::size_t(t.maxLen));  // rows written by the workers
  t.lengths.assign(std::size_t(t.rows), 0);
  if (progress) progress->begin("tokenizing", t.rows);
  int threads = options.threads > 0 ? options.threads : hardwareThreads();
  threads = int(std::min<std::int64_t>(threads, std::max<std::int64_t>(1, t.rows / 64)));
  const detail::SampleMap map = detail::makeSampleMap(std::move(col), vocab.roundedMeans());
  std::atomic<std::int64_t> next{0};
  runOnThreads(threads, [&](int) { tokenizeRows(sample, map, t, next, progress); });
  if (progress) STAMP_CHECK(progress->check());
  for (std::int64_t r = 0; r < t.rows; ++r)
    if (t.lengths[std::size_t(r)] == 0) t.emptySpots.push_back(r);
  return t;
}

}  // namespace stamp::core::st
