// safetensors: u64 header length, JSON header, then one byte buffer without holes or overlaps.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/safetensors.h"
#include "model/weights.h"

namespace stamp::core::model {
namespace {
using nlohmann::json;

struct DtypeInfo {
  const char* name;
  torch::ScalarType type;
};
constexpr DtypeInfo kDtypes[] = {
    {"F32", torch::kFloat}, {"F16", torch::kHalf},  {"BF16", torch::kBFloat16}, {"F64", torch::kDouble},
    {"I64", torch::kLong},  {"I32", torch::kInt},   {"I16", torch::kShort},     {"I8", torch::kChar},
    {"U8", torch::kByte},   {"BOOL", torch::kBool},
};

torch::ScalarType torchType(const std::string& dtype) {
  for (const auto& d : kDtypes)
    if (dtype == d.name) return d.type;
  return torch::kFloat;  // not reached for dtypes that readTensor accepts
}

Error bad(const std::string& path, const std::string& what) {
  return makeError(ErrorCode::Format, "invalid safetensors file: " + what, path);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Status preadAll(int fd, void* dst, std::size_t n, std::uint64_t off, const std::string& path) {
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    ssize_t got = ::pread(fd, p, n, off_t(off));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return makeError(ErrorCode::Format, "unexpected end of file (truncated?)", path);
    p += got, off += std::uint64_t(got), n -= std::size_t(got);
  }
  return {};
}

// Returns the validated header and where the data buffer starts.
Result<std::pair<SafetensorsHeader, std::uint64_t>> readHeader(int fd, std::uint64_t fileSize, const std::string& path) {
  if (fileSize < 8) return bad(path, "file too small");
  unsigned char lenBytes[8];
  STAMP_CHECK(preadAll(fd, lenBytes, 8, 0, path));
  std::uint64_t n = 0;
  for (int k = 7; k >= 0; --k) n = (n << 8) | lenBytes[k];
  if (n >= kSafetensorsMaxHeader) return bad(path, "header length " + std::to_string(n) + " exceeds 100 MB");
  if (n > fileSize - 8) return bad(path, "header length beyond the end of the file (truncated?)");
  std::string text(n, '\0');
  STAMP_CHECK(preadAll(fd, text.data(), n, 8, path));
  STAMP_ASSIGN(SafetensorsHeader h, parseSafetensorsHeader(text, fileSize - 8 - n, path));
  return std::pair{std::move(h), 8 + n};
}

bool torchSupports(const std::string& dtype) {
  for (const auto& d : kDtypes)
    if (dtype == d.name) return true;
  return false;
}

Result<torch::Tensor> readSlot(int fd, const SafetensorsEntry& s, std::uint64_t base, const std::string& path) {
  if (!torchSupports(s.dtype))
    return makeError(ErrorCode::Unsupported, "tensor '" + s.name + "' has unsupported dtype \"" + s.dtype + "\"", path);
  try {
    const torch::ScalarType type = torchType(s.dtype);
    torch::Tensor t = torch::empty(s.shape, torch::TensorOptions().dtype(type));
    STAMP_CHECK(preadAll(fd, t.data_ptr(), std::size_t(s.end - s.begin), base + s.begin, path));
    if (t.is_floating_point() && type != torch::kFloat) t = t.to(torch::kFloat);
    return t;
  } catch (const std::exception& ex) {
    return makeError(ErrorCode::Io, "cannot allocate tensor '" + s.name + "': " + ex.what(), path);
  }
}

}  // namespace

std::string safetensorsDtypeName(torch::ScalarType t) {
  for (const auto& d : kDtypes)
    if (d.type == t) return d.name;
  return {};
}

Result<WeightsFile> readSafetensors(const std::filesystem::path& p) {
  const std::string path = p.string();
  Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    return makeError(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io, std::string("cannot open: ") + std::strerror(errno), path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return makeError(ErrorCode::Io, "not a regular file", path);
  std::uint64_t fileSize = std::uint64_t(st.st_size);
  STAMP_ASSIGN(auto parsed, readHeader(fd.get(), fileSize, path));
  const auto& [header, base] = parsed;
  WeightsFile out;
  out.format = "safetensors";
  out.metadata = header.metadata;
  for (const SafetensorsEntry& s : header.entries) {
    STAMP_ASSIGN(torch::Tensor t, readSlot(fd.get(), s, base, path));
    out.tensors.emplace_back(s.name, std::move(t));
  }
  return out;
}

Status writeSafetensors(const std::filesystem::path& path, const StateDict& tensors,
                        const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  StateDict flat;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    std::string dt = safetensorsDtypeName(t.scalar_type());
    if (dt.empty() || name == "__metadata__" || header.contains(name))
      return makeError(ErrorCode::Unsupported, "cannot write tensor '" + name + "' (dtype or duplicate name)", path.string());
    flat.emplace_back(name, t.detach().to(torch::kCPU).contiguous());
    std::uint64_t bytes = std::uint64_t(flat.back().second.nbytes());
    header[name] = {{"dtype", dt}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned, as the reference does
  return writeViaTemp(path, [&](const std::filesystem::path& tmp) -> Status {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return makeError(ErrorCode::Io, "cannot create", tmp.string());
    unsigned char len[8];
    for (int k = 0; k < 8; ++k) len[k] = (std::uint64_t(text.size()) >> (8 * k)) & 0xFF;
    bool ok = std::fwrite(len, 1, 8, f) == 8 && std::fwrite(text.data(), 1, text.size(), f) == text.size();
    for (const auto& [name, t] : flat)
      ok = ok && std::fwrite(t.data_ptr(), 1, t.nbytes(), f) == t.nbytes();
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) return makeError(ErrorCode::Io, std::string("write failed: ") + std::strerror(errno), path.string());
    return {};
  });
}

}  // namespace stamp::core::model
