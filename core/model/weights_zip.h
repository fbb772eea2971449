#pragma once
/// Minimal zip reader/writer for torch.save archives: stored (uncompressed) entries only, which
/// is what torch.save writes. Reads zip64 archives; refuses truncated or inconsistent ones.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace stamp::core::model {

/// CRC-32 (zip/IEEE polynomial), continuing from `crc` (0 to start).
std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc = 0);

struct ZipEntry {
  std::string name;
  std::uint64_t dataOffset = 0;  // absolute file offset of the stored bytes
  std::uint64_t size = 0;
  std::uint32_t crc = 0;
};

/// An open archive; entries are read on demand with pread (weights can be GBs), so concurrent
/// reads of one reader are safe.
class ZipReader {
 public:
  static Result<ZipReader> open(const std::filesystem::path& path);
  ZipReader(ZipReader&& o) noexcept;
  ZipReader& operator=(ZipReader&& o) noexcept;
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;
  ~ZipReader();

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(const std::string& name) const;
  /// Reads the entry's bytes into `dst` (entry.size bytes) and verifies its CRC.
  Status read(const ZipEntry& e, void* dst) const;
  Result<std::string> readString(const ZipEntry& e) const;
  const std::string& path() const { return path_; }

 private:
  ZipReader() = default;
  Status parse();
  Status parseCentralDirectory(std::uint64_t offset, std::uint64_t size, std::uint64_t count);
  Status readAt(std::uint64_t offset, void* dst, std::size_t n) const;
  int fd_ = -1;
  std::uint64_t fileSize_ = 0;
  std::uint64_t cdOffset_ = 0;
  std::string path_;
  std::vector<ZipEntry> entries_;
};

/// Writes a stored-only zip to an open file, entries aligned to 64 bytes as torch.save does
/// (alignment padding in the local header's extra field). Archives over 4 GB are refused.
class ZipWriter {
 public:
  explicit ZipWriter(std::FILE* f, std::string context) : f_(f), context_(std::move(context)) {}
  Status add(const std::string& name, const void* data, std::uint64_t size);
  /// Writes the central directory and end record.
  Status finish();

 private:
  struct Written {
    std::string name;
    std::uint64_t headerOffset, size;
    std::uint32_t crc;
  };
  Status put(const void* p, std::size_t n);
  std::FILE* f_;
  std::string context_;
  std::uint64_t pos_ = 0;
  std::vector<Written> written_;
};

}  // namespace stamp::core::model
