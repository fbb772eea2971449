#include "model/weights_zip.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace stamp::core::model {
namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50,
                        kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;

// Slicing-by-8 tables: weights are GBs, a byte-wise CRC would add seconds to every load.
struct CrcTables {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  CrcTables() {
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (int s = 1; s < 8; ++s)
      for (int i = 0; i < 256; ++i) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
};

std::uint16_t u16(const unsigned char* p) { return std::uint16_t(p[0] | (p[1] << 8)); }
std::uint32_t u32(const unsigned char* p) { return std::uint32_t(u16(p)) | (std::uint32_t(u16(p + 2)) << 16); }
std::uint64_t u64(const unsigned char* p) { return std::uint64_t(u32(p)) | (std::uint64_t(u32(p + 4)) << 32); }

Error formatError(const std::string& path, const std::string& what) {
  return makeError(ErrorCode::Format, "not a valid torch.save zip archive: " + what, path);
}

}  // namespace

std::uint32_t crc32(const void* data, std::size_t n, std::uint32_t crc) {
  static const CrcTables tables;
  const auto& t = tables.t;
  auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  while (n >= 8) {
    std::uint32_t a = crc ^ u32(p), b = u32(p + 4);
    crc = t[7][a & 0xFF] ^ t[6][(a >> 8) & 0xFF] ^ t[5][(a >> 16) & 0xFF] ^ t[4][a >> 24] ^
          t[3][b & 0xFF] ^ t[2][(b >> 8) & 0xFF] ^ t[1][(b >> 16) & 0xFF] ^ t[0][b >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) crc = t[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

ZipReader::ZipReader(ZipReader&& o) noexcept { *this = std::move(o); }

ZipReader& ZipReader::operator=(ZipReader&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
    fileSize_ = o.fileSize_;
    cdOffset_ = o.cdOffset_;
    path_ = std::move(o.path_);
    entries_ = std::move(o.entries_);
  }
  return *this;
}

ZipReader::~ZipReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<ZipReader> ZipReader::open(const std::filesystem::path& path) {
  ZipReader z;
  z.path_ = path.string();
  z.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (z.fd_ < 0)
    return makeError(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                     std::string("cannot open: ") + std::strerror(errno), z.path_);
  struct stat st {};
  if (::fstat(z.fd_, &st) != 0 || !S_ISREG(st.st_mode))
    return makeError(ErrorCode::Io, "not a regular file", z.path_);
  z.fileSize_ = std::uint64_t(st.st_size);
  STAMP_CHECK(z.parse());
  return z;
}

Status ZipReader::readAt(std::uint64_t offset, void* dst, std::size_t n) const {
  if (offset > fileSize_ || n > fileSize_ - offset)
    return formatError(path_, "an entry reaches past the end of the file (truncated?)");
  auto* out = static_cast<char*>(dst);
  while (n > 0) {
    ssize_t got = ::pread(fd_, out, n, off_t(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return makeError(ErrorCode::Io, std::string("read failed: ") + std::strerror(errno), path_);
    out += got;
    offset += std::uint64_t(got);
    n -= std::size_t(got);
  }
  return {};
}

Status ZipReader::parse() {
  // The end record sits in the last 22 + 65535 (comment) bytes.
  if (fileSize_ < 22) return formatError(path_, "file too small (truncated?)");
  std::uint64_t tail = std::min<std::uint64_t>(fileSize_, 22 + 65535);
  std::string buf(tail, '\0');
  STAMP_CHECK(readAt(fileSize_ - tail, buf.data(), tail));
  auto* b = reinterpret_cast<const unsigned char*>(buf.data());
  std::int64_t pos = std::int64_t(tail) - 22;
  while (pos >= 0 && u32(b + pos) != kEndSig) --pos;
  if (pos < 0) return formatError(path_, "zip end record missing (truncated or not a zip file)");
  const unsigned char* e = b + pos;
  std::uint64_t endPos = fileSize_ - tail + std::uint64_t(pos);
  std::uint64_t count = u16(e + 10), cdSize = u32(e + 12), cdOff = u32(e + 16);
  if (count == 0xFFFF || cdSize == 0xFFFFFFFFu || cdOff == 0xFFFFFFFFu) {
    if (endPos < 20) return formatError(path_, "zip64 locator missing");
    unsigned char loc[20], rec[56];
    STAMP_CHECK(readAt(endPos - 20, loc, 20));
    if (u32(loc) != kLocator64Sig) return formatError(path_, "zip64 locator missing");
    std::uint64_t recPos = u64(loc + 8);
    STAMP_CHECK(readAt(recPos, rec, 56));
    if (u32(rec) != kEnd64Sig) return formatError(path_, "zip64 end record missing");
    count = u64(rec + 32);
    cdSize = u64(rec + 40);
    cdOff = u64(rec + 48);
    endPos = recPos;
  }
  if (cdOff > endPos || cdSize > endPos - cdOff)
    return formatError(path_, "central directory outside the file (truncated?)");
  return parseCentralDirectory(cdOff, cdSize, count);
}

static void applyZip64Extra(const unsigned char* x, std::size_t n, std::uint64_t& usize,
                            std::uint64_t& csize, std::uint64_t& local) {
  for (std::size_t i = 0; i + 4 <= n;) {
    std::uint16_t id = u16(x + i), len = u16(x + i + 2);
    if (id == 0x0001) {
      std::size_t j = i + 4, end = std::min(n, i + 4 + len);
      for (std::uint64_t* v : {&usize, &csize, &local})
        if (*v == 0xFFFFFFFFu && j + 8 <= end) *v = u64(x + j), j += 8;
    }
    i += 4 + len;
  }
}

Status ZipReader::parseCentralDirectory(std::uint64_t off, std::uint64_t size, std::uint64_t count) {
  if (size > (std::uint64_t(1) << 31)) return formatError(path_, "central directory too large");
  std::string cd(size, '\0');
  STAMP_CHECK(readAt(off, cd.data(), size));
  auto* b = reinterpret_cast<const unsigned char*>(cd.data());
  cdOffset_ = off;
  std::size_t p = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (p + 46 > size || u32(b + p) != kCentralSig) return formatError(path_, "corrupt central directory");
    std::uint16_t flags = u16(b + p + 8), method = u16(b + p + 10);
    std::size_t nameLen = u16(b + p + 28), extraLen = u16(b + p + 30), commentLen = u16(b + p + 32);
    if (p + 46 + nameLen + extraLen + commentLen > size) return formatError(path_, "corrupt central directory");
    ZipEntry e;
    e.name.assign(cd.data() + p + 46, nameLen);
    e.crc = u32(b + p + 16);
    std::uint64_t csize = u32(b + p + 20), usize = u32(b + p + 24), local = u32(b + p + 42);
    applyZip64Extra(b + p + 46 + nameLen, extraLen, usize, csize, local);
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) return makeError(ErrorCode::Unsupported, "encrypted zip entry '" + e.name + "'", path_);
    if (method != 0 || csize != usize)
      return makeError(ErrorCode::Unsupported, "compressed zip entry '" + e.name +
                       "' (torch.save stores entries uncompressed)", path_);
    unsigned char lh[30];
    STAMP_CHECK(readAt(local, lh, 30));
    if (u32(lh) != kLocalSig) return formatError(path_, "bad local header for '" + e.name + "'");
    e.dataOffset = local + 30 + u16(lh + 26) + u16(lh + 28);
    e.size = usize;
    if (e.dataOffset > cdOffset_ || e.size > cdOffset_ - e.dataOffset)
      return formatError(path_, "entry '" + e.name + "' overlaps the central directory");
    entries_.push_back(std::move(e));
  }
  return {};
}

const ZipEntry* ZipReader::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

Status ZipReader::read(const ZipEntry& e, void* dst) const {
  STAMP_CHECK(readAt(e.dataOffset, dst, e.size));
  if (crc32(dst, e.size) != e.crc)
    return formatError(path_, "CRC mismatch in entry '" + e.name + "' (corrupt file)");
  return {};
}

Result<std::string> ZipReader::readString(const ZipEntry& e) const {
  if (e.size > (std::uint64_t(1) << 31)) return formatError(path_, "entry '" + e.name + "' too large");
  std::string s(e.size, '\0');
  STAMP_CHECK(read(e, s.data()));
  return s;
}

// ---------------------------------------------------------------- writer

static void putU16(std::string& s, std::uint32_t v) { s += char(v & 0xFF), s += char((v >> 8) & 0xFF); }
static void putU32(std::string& s, std::uint32_t v) { putU16(s, v & 0xFFFF), putU16(s, v >> 16); }

Status ZipWriter::put(const void* p, std::size_t n) {
  if (n && std::fwrite(p, 1, n, f_) != n)
    return makeError(ErrorCode::Io, std::string("write failed: ") + std::strerror(errno), context_);
  pos_ += n;
  return {};
}

Status ZipWriter::add(const std::string& name, const void* data, std::uint64_t size) {
  if (pos_ + size + 30 + name.size() + 64 > 0xFFFFFFF0ull)
    return makeError(ErrorCode::Unsupported,
                     "torch.save archives over 4 GB are not written; save as .safetensors", context_);
  std::uint32_t crc = crc32(data, size);
  // Pad with an extra field so the data starts on a 64-byte boundary (as PyTorch aligns it).
  std::size_t base = pos_ + 30 + name.size() + 4;
  std::size_t pad = (64 - base % 64) % 64;
  std::string h;
  putU32(h, kLocalSig), putU16(h, 20), putU16(h, 0), putU16(h, 0), putU16(h, 0), putU16(h, 0x21);
  putU32(h, crc), putU32(h, std::uint32_t(size)), putU32(h, std::uint32_t(size));
  putU16(h, std::uint32_t(name.size())), putU16(h, std::uint32_t(4 + pad));
  h += name;
  putU16(h, 0x4246), putU16(h, std::uint32_t(pad));  // "FB", PyTorch's padding field id
  h.append(pad, 'Z');
  written_.push_back({name, pos_, size, crc});
  STAMP_CHECK(put(h.data(), h.size()));
  return put(data, size);
}

Status ZipWriter::finish() {
  std::string cd;
  for (const auto& w : written_) {
    putU32(cd, kCentralSig), putU16(cd, 20), putU16(cd, 20), putU16(cd, 0), putU16(cd, 0);
    putU16(cd, 0), putU16(cd, 0x21), putU32(cd, w.crc), putU32(cd, std::uint32_t(w.size));
    putU32(cd, std::uint32_t(w.size)), putU16(cd, std::uint32_t(w.name.size()));
    putU16(cd, 0), putU16(cd, 0), putU16(cd, 0), putU16(cd, 0), putU32(cd, 0);
    putU32(cd, std::uint32_t(w.headerOffset));
    cd += w.name;
  }
  if (written_.size() >= 0xFFFF || pos_ + cd.size() > 0xFFFFFFF0ull)
    return makeError(ErrorCode::Unsupported, "too many entries or too large for a zip32 archive", context_);
  std::string end;
  putU32(end, kEndSig), putU16(end, 0), putU16(end, 0);
  putU16(end, std::uint32_t(written_.size())), putU16(end, std::uint32_t(written_.size()));
  putU32(end, std::uint32_t(cd.size())), putU32(end, std::uint32_t(pos_)), putU16(end, 0);
  STAMP_CHECK(put(cd.data(), cd.size()));
  return put(end.data(), end.size());
}

}  // namespace stamp::core::model
