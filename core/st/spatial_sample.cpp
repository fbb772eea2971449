#include "st/spatial_sample.h"

#include <algorithm>
#include <cmath>
#include <charconv>
#include <cstdint>

namespace stamp::core::st {

namespace {

// Validation scans every stored count. Whole blocks are scanned without branches, in loops of
// a fixed trip count that GCC's -O2 cost model vectorises (SSE2: signed compares, and/add/or);
// only a block holding a bad entry is searched for its position. The early-exit loops were a
// tenth of tokenizing a sample.
constexpr std::size_t kBlock = 1024;
using AliasU32 = std::uint32_t __attribute__((may_alias));

bool anyIndexOutside(const std::int32_t* v, std::int32_t cols) {
  int any = 0;
  for (std::size_t i = 0; i < kBlock; ++i) any |= int(v[i] < 0) | int(v[i] >= cols);
  return any != 0;
}

bool anyNonFinite(const float* f) {
  const auto* bits = reinterpret_cast<const AliasU32*>(f);
  std::uint32_t any = 0;
  // An all-ones exponent (inf, NaN) plus one exponent step carries into the sign bit.
  for (std::size_t i = 0; i < kBlock; ++i) any |= (bits[i] & 0x7f800000u) + 0x00800000u;
  return (any >> 31) != 0;
}

/// The first i where bad(i), scanning with `blockBad` first.
template <class T, class BlockBad, class Bad>
std::optional<std::size_t> firstBad(const std::vector<T>& v, BlockBad blockBad, Bad bad) {
  for (std::size_t b = 0; b < v.size(); b += kBlock) {
    const std::size_t e = std::min(v.size(), b + kBlock);
    if (e - b == kBlock && !blockBad(v.data() + b)) continue;
    for (std::size_t i = b; i < e; ++i)
      if (bad(v[i])) return i;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> CsrMatrix::validate() const {
  if (rows < 0 || cols < 0) return "negative matrix shape";
  if (cols > std::int64_t(INT32_MAX)) return "too many columns for 32-bit indices";
  if (indptr.size() != std::size_t(rows) + 1)
    return "indptr has " + std::to_string(indptr.size()) + " entries, expected rows + 1 = " +
           std::to_string(rows + 1);
  if (indices.size() != data.size())
    return "indices (" + std::to_string(indices.size()) + ") and data (" +
           std::to_string(data.size()) + ") differ in length";
  if (indptr.front() != 0) return "indptr does not start at 0";
  for (std::int64_t r = 0; r < rows; ++r)
    if (indptr[std::size_t(r) + 1] < indptr[std::size_t(r)])
      return "indptr decreases at row " + std::to_string(r);
  if (indptr.back() != nnz())
    return "indptr ends at " + std::to_string(indptr.back()) + " but there are " +
           std::to_string(nnz()) + " stored values";
  const auto c32 = std::int32_t(cols);
  const auto outside = [c32](std::int32_t i) { return i < 0 || i >= c32; };
  if (auto i = firstBad(indices, [c32](const std::int32_t* p) { return anyIndexOutside(p, c32); }, outside))
    return "column index " + std::to_string(indices[*i]) + " at position " + std::to_string(*i) +
           " outside [0, " + std::to_string(cols) + ")";
  if (auto i = firstBad(data, anyNonFinite, [](float x) { return !std::isfinite(x); }))
    return "non-finite value at position " + std::to_string(*i);
  return std::nullopt;
}

std::vector<double> CsrMatrix::rowSums() const {
  std::vector<double> t(std::size_t(rows), 0);
  for (std::int64_t r = 0; r < rows; ++r)
    for (auto k = indptr[std::size_t(r)]; k < indptr[std::size_t(r) + 1]; ++k) t[std::size_t(r)] += data[std::size_t(k)];
  return t;
}

double SpatialSample::spotDiameterPx() const {
  if (scale.spotDiameterFullres > 0 && std::isfinite(scale.spotDiameterFullres))
    return scale.spotDiameterFullres;
  // Visium spots are 55 um across.
  if (auto um = pixelSizeUm()) return 55.0 / *um;
  return 0;
}

std::optional<double> SpatialSample::pixelSizeUm() const {
  auto parse = [](const std::string& s) -> std::optional<double> {
    double v = 0;
    const char* b = s.data();
    while (b < s.data() + s.size() && *b == ' ') ++b;
    auto [p, ec] = std::from_chars(b, s.data() + s.size(), v);
    if (ec != std::errc() || !std::isfinite(v) || v <= 0) return std::nullopt;
    return v;
  };
  // Measured values first, then estimates, then any other pixel_size_um* key.
  for (const char* key : {"pixel_size_um", "pixel_size_um_embedded", "pixel_size_um_estimated",
                          "microns_per_pixel"}) {
    auto it = metadata.find(key);
    if (it != metadata.end())
      if (auto v = parse(it->second)) return v;
  }
  for (const auto& [k, v] : metadata)
    if (k.rfind("pixel_size_um", 0) == 0)
      if (auto x = parse(v)) return x;
  auto mpp = scale.extra.find("microns_per_pixel");
  if (mpp != scale.extra.end() && mpp->second > 0 && std::isfinite(mpp->second)) return mpp->second;
  return std::nullopt;
}

}  // namespace stamp::core::st
