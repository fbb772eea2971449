#pragma once
/// safetensors files without LibTorch: raw little-endian tensors + a JSON header. Used by
/// torch-free tools (tokenizer output) and by core/model's weight I/O.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace stamp::core {

/// One tensor: dtype code as in the format ("F32", "I64", ...), shape and raw bytes.
struct RawTensor {
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> bytes;
  std::int64_t numel() const;
};

/// Size in bytes of one element of a safetensors dtype, or 0 when unknown.
std::size_t safetensorsDtypeSize(const std::string& dtype);

/// Writes tensors (sorted by name, as the reference library does) atomically.
Status writeSafetensors(const std::string& path, const std::map<std::string, RawTensor>& tensors,
                        const std::map<std::string, std::string>& metadata = {});

/// One tensor's entry in a safetensors header: offsets relative to the data buffer.
struct SafetensorsEntry {
  std::string name, dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;  // sorted by name
  std::map<std::string, std::string> metadata;
};

/// Validates a header (the JSON text after the length prefix) against a data buffer of
/// `dataSize` bytes: known dtypes, shapes that fit, offsets in range, no overlap, no hole, no
/// trailing bytes; `__metadata__` values must be strings. `name` is used in messages. Shared by
/// the whole-file reader below and by core/model's streaming weight reader.
Result<SafetensorsHeader> parseSafetensorsHeader(const std::string& json, std::uint64_t dataSize,
                                                 const std::string& name);
/// Largest header accepted (the format's own limit).
inline constexpr std::uint64_t kSafetensorsMaxHeader = 100ull * 1000 * 1000;

struct SafetensorsFile {
  std::map<std::string, RawTensor> tensors;
  std::map<std::string, std::string> metadata;
};

/// Reads and validates a whole file: header length within the file and < 100 MB, JSON well
/// formed, known dtypes, offsets in range with no overlap or hole, shape matching the extent.
Result<SafetensorsFile> readSafetensors(const std::string& path);
Result<SafetensorsFile> parseSafetensors(const std::string& bytes, const std::string& name);

/// Convenience: an int64 tensor from values.
RawTensor makeI64Tensor(const std::vector<std::int64_t>& values, std::vector<std::int64_t> shape);
/// The same from a buffer (e.g. a token table) without an intermediate vector copy.
RawTensor makeI64Tensor(const std::int64_t* values, std::size_t count, std::vector<std::int64_t> shape);
RawTensor makeF32Tensor(const std::vector<float>& values, std::vector<std::int64_t> shape);

}  // namespace stamp::core
