#include "common/block_scan.h"

namespace stamp::core {

bool anyNonFiniteInBlock(const float* p) {
  using AliasU32 = std::uint32_t __attribute__((may_alias));
  const auto* bits = reinterpret_cast<const AliasU32*>(p);
  std::uint32_t any = 0;
  // An all-ones exponent (inf, NaN) plus one exponent step carries into the sign bit.
  for (std::size_t i = 0; i < kScanBlock; ++i) any |= (bits[i] & 0x7f800000u) + 0x00800000u;
  return (any >> 31) != 0;
}

}  // namespace stamp::core
