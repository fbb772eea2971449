#pragma once
/// Atomic file writing: readers see the old file or the complete new one, never a partial one.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

#include "common/result.h"

namespace stamp::core {

/// Writes `bytes` to `path` through a temporary file in the same folder, fsync, then rename.
Status writeFileAtomic(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);
Status writeFileAtomic(const std::filesystem::path& path, const std::string& text);

/// For writers that need a file name (HDF5, libtiff, OpenCV): `produce(tmpPath)` writes the
/// temporary file; on success it is renamed over `path`, on failure it is removed.
Status writeViaTemp(const std::filesystem::path& path,
                    const std::function<Status(const std::filesystem::path& tmp)>& produce);

/// A temporary name next to `path` (same filesystem, so rename is atomic), unique per process
/// and thread.
std::filesystem::path tempSibling(const std::filesystem::path& path);

/// Reads a whole file; NotFound / Io errors name the file.
Result<std::string> readFile(const std::filesystem::path& path);

}  // namespace stamp::core
