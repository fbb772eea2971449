#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace stamp::core {
namespace fs = std::filesystem;

fs::path tempSibling(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  std::ostringstream name;
  name << "." << path.filename().string() << ".tmp-" << ::getpid() << "-"
       << std::hash<std::thread::id>{}(std::this_thread::get_id()) % 100000 << "-" << counter++;
  return path.parent_path() / name.str();
}

static Status ioError(const fs::path& p, const std::string& what) {
  return makeError(ErrorCode::Io, what + ": " + std::strerror(errno), p.string());
}

static Status fsyncFile(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0) return ioError(p, "cannot reopen to flush");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ioError(p, "cannot flush to disk");
  return {};
}

Status writeViaTemp(const fs::path& path, const std::function<Status(const fs::path&)>& produce) {
  std::error_code ec;
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  if (!fs::is_directory(dir, ec))
    return makeError(ErrorCode::NotFound, "the output folder does not exist", dir.string());
  fs::path tmp = tempSibling(path);
  Status st = produce(tmp);
  if (st.ok()) st = fsyncFile(tmp);
  if (st.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) st = ioError(path, "cannot rename into place");
  if (!st.ok()) fs::remove(tmp, ec);
  return st;
}

Status writeFileAtomic(const fs::path& path, std::span<const std::uint8_t> bytes) {
  return writeViaTemp(path, [&](const fs::path& tmp) -> Status {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return ioError(tmp, "cannot create");
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    out.close();
    if (!out) return ioError(tmp, "cannot write");
    return {};
  });
}

Status writeFileAtomic(const fs::path& path, const std::string& text) {
  return writeFileAtomic(
      path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

Result<std::string> readFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return makeError(ErrorCode::NotFound, "file not found", path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::Io, "cannot open for reading", path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return makeError(ErrorCode::Io, "read failed", path.string());
  return ss.str();
}

}  // namespace stamp::core
