#pragma once
/// NumPy .npy reading (the formats the STAMP files use: little-endian float64/float32/int64).
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace stamp::core {

struct NpyArray {
  std::vector<std::int64_t> shape;
  std::vector<double> values;  // converted to double, C order
};

/// Reads a C-ordered .npy of <f8, <f4, <i8 or <i4; errors name the file and what is wrong.
Result<NpyArray> readNpy(const std::string& path);
/// Parses .npy bytes already in memory (`name` is used in messages).
Result<NpyArray> parseNpy(const std::string& bytes, const std::string& name);

}  // namespace stamp::core
