#pragma once
/// The STAMP gene tokenizer (STAMP-SPEC §1): spot expression -> ranked gene token ids.
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "common/large_alloc.h"
#include "common/progress.h"
#include "common/result.h"
#include "st/spatial_sample.h"
#include "st/vocabulary.h"

namespace stamp::core::st {

struct TokenizeOptions {
  int maxLen = 4096;  // tokens kept per spot (the model reads the first `context`)
  int threads = 0;    // 0 = all cores
};

/// Written once per row by the workers, padding included: not zeroed, on huge pages.
using TokenVector = std::vector<TokenId, UninitAllocator<TokenId>>;

/// Row-major (spots x maxLen) token ids, right-padded with 0.
struct TokenTable {
  std::int64_t rows = 0;
  int maxLen = 0;
  TokenVector tokens;
  std::vector<int> lengths;                // non-padding tokens per spot
  std::vector<std::int64_t> emptySpots;    // spots with no expressed vocabulary gene (all 0)
  int genesMatched = 0;                    // input genes found in the vocabulary
  const TokenId* row(std::int64_t r) const { return tokens.data() + r * maxLen; }
};

/// Tokenizes every spot of `sample` in its order. A sample sharing no gene with the vocabulary
/// is an error; spots without an expressed vocabulary gene are listed in `emptySpots`.
Result<TokenTable> tokenize(const SpatialSample& sample, const Vocabulary& vocab,
                            const TokenizeOptions& options = {},
                            ProgressReporter* progress = nullptr);

/// Tokenizes one spot given (template index, count) pairs (duplicates are summed), writing
/// up to maxLen ids into `out` (zero-filled first). Returns the number of tokens written.
int tokenizeSpot(std::vector<std::pair<int, double>>& entries, const std::vector<double>& rounded,
                 int maxLen, TokenId* out);

}  // namespace stamp::core::st
