#include "common/npy.h"

#include <cstring>
#include <regex>

#include "common/atomic_file.h"

namespace stamp::core {
namespace {

template <class T>
void convert(const char* src, std::size_t n, std::vector<double>& out) {
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, src + i * sizeof(T), sizeof(T));
    out[i] = double(v);
  }
}

Result<std::vector<std::int64_t>> parseShape(const std::string& header, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
    return makeError(ErrorCode::Format, "npy header has no shape", name);
  std::vector<std::int64_t> shape;
  std::string dims = m[1];
  std::regex num(R"(\d+)");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it)
    shape.push_back(std::stoll(it->str()));
  return shape;
}

}  // namespace

Result<NpyArray> parseNpy(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    return makeError(ErrorCode::Format, "not a NumPy .npy file", name);
  const unsigned major = std::uint8_t(bytes[6]);
  std::size_t hlen = 0, start = 0;
  if (major == 1) {
    hlen = std::uint8_t(bytes[8]) | (std::size_t(std::uint8_t(bytes[9])) << 8);
    start = 10;
  } else if (bytes.size() >= 12) {
    hlen = 0;
    for (int i = 0; i < 4; ++i) hlen |= std::size_t(std::uint8_t(bytes[8 + i])) << (8 * i);
    start = 12;
  }
  if (start == 0 || start + hlen > bytes.size())
    return makeError(ErrorCode::Format, "npy header is truncated", name);
  const std::string header = bytes.substr(start, hlen);
  if (header.find("'fortran_order': True") != std::string::npos)
    return makeError(ErrorCode::Unsupported, "Fortran-ordered arrays are not supported", name);
  STAMP_ASSIGN(auto shape, parseShape(header, name));
  std::size_t n = 1;
  for (auto d : shape) n *= std::size_t(d);
  const char* data = bytes.data() + start + hlen;
  const std::size_t avail = bytes.size() - start - hlen;
  NpyArray out{shape, {}};
  auto need = [&](std::size_t sz) { return avail >= n * sz; };
  if (header.find("'<f8'") != std::string::npos && need(8)) convert<double>(data, n, out.values);
  else if (header.find("'<f4'") != std::string::npos && need(4)) convert<float>(data, n, out.values);
  else if (header.find("'<i8'") != std::string::npos && need(8)) convert<std::int64_t>(data, n, out.values);
  else if (header.find("'<i4'") != std::string::npos && need(4)) convert<std::int32_t>(data, n, out.values);
  else return makeError(ErrorCode::Format, "npy data is truncated or of an unsupported dtype (want <f8, <f4, <i8, <i4)", name);
  return out;
}

Result<NpyArray> readNpy(const std::string& path) {
  STAMP_ASSIGN(auto bytes, readFile(path));
  return parseNpy(bytes, path);
}

}  // namespace stamp::core
