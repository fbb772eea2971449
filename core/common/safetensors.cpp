#include "common/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace stamp::core {
using nlohmann::json;

std::int64_t RawTensor::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::size_t safetensorsDtypeSize(const std::string& d) {
  static const std::map<std::string, std::size_t> sizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4}, {"I16", 2},
      {"I8", 1},  {"U8", 1},  {"BOOL", 1}, {"U16", 2}, {"U32", 4}, {"U64", 8}};
  auto it = sizes.find(d);
  return it == sizes.end() ? 0 : it->second;
}

Status writeSafetensors(const std::string& path, const std::map<std::string, RawTensor>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  std::size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (t.bytes.size() != std::size_t(t.numel()) * safetensorsDtypeSize(t.dtype))
      return makeError(ErrorCode::Internal, "tensor '" + name + "' has a size that does not match its shape", path);
    header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string js = header.dump();
  js.append((8 - js.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned for mmap readers
  std::vector<std::uint8_t> out(8 + js.size() + offset);
  const std::uint64_t n = js.size();
  for (int i = 0; i < 8; ++i) out[std::size_t(i)] = std::uint8_t(n >> (8 * i));
  std::memcpy(out.data() + 8, js.data(), js.size());
  std::size_t pos = 8 + js.size();
  for (const auto& [name, t] : tensors) {
    std::memcpy(out.data() + pos, t.bytes.data(), t.bytes.size());
    pos += t.bytes.size();
  }
  return writeFileAtomic(path, out);
}

namespace {

struct Extent { std::size_t begin, end; std::string name; };

Result<RawTensor> parseEntry(const std::string& key, const json& v, std::size_t dataSize,
                             std::vector<Extent>& extents, const std::string& file) {
  auto bad = [&](const std::string& why) {
    return makeError(ErrorCode::Format, "tensor '" + key + "': " + why, file);
  };
  if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
    return bad("needs dtype, shape and data_offsets");
  if (!v["dtype"].is_string()) return bad("dtype is not a string");
  RawTensor t;
  t.dtype = v["dtype"].get<std::string>();
  const std::size_t es = safetensorsDtypeSize(t.dtype);
  if (es == 0) return bad("unknown dtype " + t.dtype);
  if (!v["shape"].is_array()) return bad("shape is not a list");
  std::uint64_t numel = 1;
  for (const auto& d : v["shape"]) {
    if (!d.is_number_integer() || d.get<std::int64_t>() < 0) return bad("shape has a bad dimension");
    t.shape.push_back(d.get<std::int64_t>());
    numel *= std::uint64_t(t.shape.back());
    if (numel > (std::uint64_t(1) << 40)) return bad("shape is absurdly large");
  }
  const auto& off = v["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
    return bad("data_offsets must be two non-negative integers");
  const std::size_t b = off[0].get<std::size_t>(), e = off[1].get<std::size_t>();
  if (b > e || e > dataSize) return bad("data_offsets lie outside the file (truncated?)");
  if (e - b != numel * es) return bad("data extent does not match dtype and shape");
  extents.push_back({b, e, key});
  return t;
}

Status checkExtents(std::vector<Extent>& ex, std::size_t dataSize, const std::string& file) {
  std::sort(ex.begin(), ex.end(), [](const Extent& a, const Extent& b) { return a.begin < b.begin; });
  std::size_t pos = 0;
  for (const auto& e : ex) {
    if (e.begin < pos) return makeError(ErrorCode::Format, "tensor '" + e.name + "' overlaps another", file);
    if (e.begin > pos) return makeError(ErrorCode::Format, "hole in the data before tensor '" + e.name + "'", file);
    pos = e.end;
  }
  if (pos != dataSize) return makeError(ErrorCode::Format, "trailing bytes after the last tensor", file);
  return {};
}

}  // namespace

Result<SafetensorsFile> parseSafetensors(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 8) return makeError(ErrorCode::Format, "too short for a safetensors file", name);
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= std::uint64_t(std::uint8_t(bytes[std::size_t(i)])) << (8 * i);
  if (n > 100'000'000) return makeError(ErrorCode::Format, "header length " + std::to_string(n) + " exceeds 100 MB", name);
  if (8 + n > bytes.size()) return makeError(ErrorCode::Format, "header runs past the end of the file (truncated?)", name);
  json header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + std::ptrdiff_t(n), nullptr, false);
  if (header.is_discarded() || !header.is_object())
    return makeError(ErrorCode::Format, "header is not a JSON object", name);
  const std::size_t dataStart = 8 + n, dataSize = bytes.size() - dataStart;
  SafetensorsFile out;
  std::vector<Extent> extents;
  for (const auto& [key, v] : header.items()) {
    if (key == "__metadata__") {
      if (!v.is_object()) return makeError(ErrorCode::Format, "__metadata__ is not an object", name);
      for (const auto& [mk, mv] : v.items())
        out.metadata[mk] = mv.is_string() ? mv.get<std::string>() : mv.dump();
      continue;
    }
    STAMP_ASSIGN(RawTensor t, parseEntry(key, v, dataSize, extents, name));
    const Extent& e = extents.back();
    t.bytes.assign(bytes.begin() + std::ptrdiff_t(dataStart + e.begin),
                   bytes.begin() + std::ptrdiff_t(dataStart + e.end));
    out.tensors.emplace(key, std::move(t));
  }
  STAMP_CHECK(checkExtents(extents, dataSize, name));
  return out;
}

Result<SafetensorsFile> readSafetensors(const std::string& path) {
  STAMP_ASSIGN(auto bytes, readFile(path));
  return parseSafetensors(bytes, path);
}

RawTensor makeI64Tensor(const std::vector<std::int64_t>& values, std::vector<std::int64_t> shape) {
  RawTensor t{"I64", std::move(shape), std::vector<std::uint8_t>(values.size() * 8)};
  std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}

RawTensor makeF32Tensor(const std::vector<float>& values, std::vector<std::int64_t> shape) {
  RawTensor t{"F32", std::move(shape), std::vector<std::uint8_t>(values.size() * 4)};
  std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}

}  // namespace stamp::core
