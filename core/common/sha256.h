#pragma once
/// SHA-256 of files and buffers (checkpoint provenance in outputs and figures).
#include <cstdint>
#include <string>

#include "common/result.h"

namespace stamp::core {

/// Lower-case hex digest of `bytes`.
std::string sha256Hex(const void* bytes, std::size_t n);
/// Digest of a file, streamed (checkpoints can be GBs).
Result<std::string> sha256File(const std::string& path);

}  // namespace stamp::core
