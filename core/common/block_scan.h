#pragma once
/// Finding the first bad entry of a large array fast: whole blocks are scanned without
/// branches, in loops of a fixed trip count that GCC's -O2 cost model vectorises; only a block
/// that holds a bad entry (and the tail) is searched one by one for the position. Used where
/// every stored count of a sample is checked (CSR validation, HDF5 reads): early-exit loops
/// there were a tenth of tokenizing a sample.
#include <cstddef>
#include <cstdint>

namespace stamp::core {

constexpr std::size_t kScanBlock = 1024;

/// Whether bad(p[i]) for any i < kScanBlock. Vectorises when `bad` is plain arithmetic
/// (write `(a < x) | (x >= b)`, not `||`).
template <class T, class Bad>
bool anyInBlock(const T* p, Bad bad) {
  int any = 0;
  for (std::size_t i = 0; i < kScanBlock; ++i) any |= int(bad(p[i]));
  return any != 0;
}

/// Whether any of kScanBlock floats is inf or NaN, tested on the bits (std::isfinite does not
/// vectorise).
bool anyNonFiniteInBlock(const float* p);

/// The first i < n with bad(p[i]), else n; `blockAny(p + b)` answers for a whole block.
template <class T, class BlockAny, class Bad>
std::size_t firstWhere(const T* p, std::size_t n, BlockAny blockAny, Bad bad) {
  for (std::size_t b = 0; b < n; b += kScanBlock) {
    const std::size_t e = b + kScanBlock < n ? b + kScanBlock : n;
    if (e - b == kScanBlock && !blockAny(p + b)) continue;
    for (std::size_t i = b; i < e; ++i)
      if (bad(p[i])) return i;
  }
  return n;
}

}  // namespace stamp::core
