#include "st/spatial_sample.h"

#include "common/block_scan.h"

#include <algorithm>
#include <cmath>
#include <charconv>
#include <cstdint>

namespace stamp::core::st {

std::optional<std::string> checkIndptr(const std::vector<std::int64_t>& indptr, std::int64_t major,
                                       std::int64_t nnz, const char* unit) {
  if (indptr.size() != std::size_t(major) + 1)
    return "indptr has " + std::to_string(indptr.size()) + " entries, expected " +
           std::to_string(major + 1) + " (one per " + unit + " + 1)";
  if (indptr.front() != 0) return "indptr does not start at 0";
  for (std::size_t r = 0; r + 1 < indptr.size(); ++r)
    if (indptr[r + 1] < indptr[r])
      return "indptr decreases at " + std::string(unit) + " " + std::to_string(r);
  if (indptr.back() != nnz)
    return "indptr ends at " + std::to_string(indptr.back()) + " but there are " +
           std::to_string(nnz) + " stored values";
  return std::nullopt;
}

std::optional<std::string> CsrMatrix::validate() const {
  if (rows < 0 || cols < 0) return "negative matrix shape";
  if (cols > std::int64_t(INT32_MAX)) return "too many columns for 32-bit indices";
  if (indices.size() != data.size())
    return "indices (" + std::to_string(indices.size()) + ") and data (" +
           std::to_string(data.size()) + ") differ in length";
  if (auto why = checkIndptr(indptr, rows, nnz())) return why;
  const auto c32 = std::int32_t(cols);
  const auto outside = [c32](std::int32_t i) { return (i < 0) | (i >= c32); };
  const std::size_t badIndex = firstWhere(
      indices.data(), indices.size(), [&](const std::int32_t* b) { return anyInBlock(b, outside); },
      outside);
  if (badIndex < indices.size())
    return "column index " + std::to_string(indices[badIndex]) + " at position " +
           std::to_string(badIndex) + " outside [0, " + std::to_string(cols) + ")";
  const std::size_t badValue = firstWhere(data.data(), data.size(), anyNonFiniteInBlock,
                                          [](float x) { return !std::isfinite(x); });
  if (badValue < data.size()) return "non-finite value at position " + std::to_string(badValue);
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
