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

Error bad(const std::string& file, const std::string& what) {
  return makeError(ErrorCode::Format, "invalid safetensors file: " + what, file);
}

Result<SafetensorsEntry> parseEntry(const std::string& key, const json& v, std::uint64_t dataSize, const std::string& file) {
  if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
    return bad(file, "entry '" + key + "' needs dtype, shape and data_offsets");
  const json &dt = v["dtype"], &sh = v["shape"], &off = v["data_offsets"];
  SafetensorsEntry e{key, dt.is_string() ? dt.get<std::string>() : dt.dump(), {}, 0, 0};
  const std::size_t es = safetensorsDtypeSize(e.dtype);
  if (!dt.is_string() || es == 0)
    return makeError(ErrorCode::Unsupported, "tensor '" + key + "' has unsupported dtype " + dt.dump(), file);
  if (!sh.is_array()) return bad(file, "shape of '" + key + "' is not a list");
  std::uint64_t numel = 1;
  for (const auto& d : sh) {
    if (!d.is_number_unsigned()) return bad(file, "shape of '" + key + "' has a non-integer or negative size");
    const std::uint64_t n = d.get<std::uint64_t>();
    if (n != 0 && numel > dataSize / n) return bad(file, "shape of '" + key + "' exceeds the file size");
    numel *= n;
    e.shape.push_back(std::int64_t(n));
  }
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
    return bad(file, "data_offsets of '" + key + "' must be two non-negative integers");
  e.begin = off[0].get<std::uint64_t>();
  e.end = off[1].get<std::uint64_t>();
  if (e.begin > e.end || e.end > dataSize) return bad(file, "data_offsets of '" + key + "' lie outside the data (truncated?)");
  if (numel * es != e.end - e.begin) return bad(file, "tensor '" + key + "': shape x dtype size does not match its byte extent");
  return e;
}

Status checkLayout(std::vector<SafetensorsEntry> ex, std::uint64_t dataSize, const std::string& file) {
  std::sort(ex.begin(), ex.end(), [](const auto& a, const auto& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  std::uint64_t pos = 0;
  for (const auto& e : ex) {
    if (e.begin < pos) return bad(file, "tensor '" + e.name + "' overlaps another tensor");
    if (e.begin > pos) return bad(file, "hole in the data before tensor '" + e.name + "'");
    pos = e.end;
  }
  if (pos != dataSize) return bad(file, "data buffer has " + std::to_string(dataSize - pos) + " bytes not owned by any tensor");
  return {};
}

}  // namespace

Result<SafetensorsHeader> parseSafetensorsHeader(const std::string& text, std::uint64_t dataSize, const std::string& file) {
  json header = json::parse(text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return bad(file, "header is not a JSON object");
  SafetensorsHeader out;
  for (const auto& [key, v] : header.items()) {
    if (key == "__metadata__") {
      if (!v.is_object()) return bad(file, "__metadata__ is not an object");
      for (const auto& [mk, mv] : v.items()) {
        if (!mv.is_string()) return bad(file, "__metadata__ value of '" + mk + "' is not a string");
        out.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    STAMP_ASSIGN(SafetensorsEntry e, parseEntry(key, v, dataSize, file));
    out.entries.push_back(std::move(e));
  }
  STAMP_CHECK(checkLayout(out.entries, dataSize, file));
  return out;  // nlohmann's object iterates keys in sorted order: entries are sorted by name
}

Result<SafetensorsFile> parseSafetensors(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 8) return bad(name, "file too small");
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= std::uint64_t(std::uint8_t(bytes[std::size_t(i)])) << (8 * i);
  if (n >= kSafetensorsMaxHeader) return bad(name, "header length " + std::to_string(n) + " exceeds 100 MB");
  if (n > bytes.size() - 8) return bad(name, "header length beyond the end of the file (truncated?)");
  const std::size_t dataStart = 8 + std::size_t(n);
  STAMP_ASSIGN(SafetensorsHeader h, parseSafetensorsHeader(bytes.substr(8, std::size_t(n)), bytes.size() - dataStart, name));
  SafetensorsFile out;
  out.metadata = std::move(h.metadata);
  for (auto& e : h.entries)
    out.tensors.emplace(e.name, RawTensor{e.dtype, e.shape, std::vector<std::uint8_t>(bytes.begin() + std::ptrdiff_t(dataStart + e.begin),
                                                                                   bytes.begin() + std::ptrdiff_t(dataStart + e.end))});
  return out;
}

Result<SafetensorsFile> readSafetensors(const std::string& path) {
  STAMP_ASSIGN(auto bytes, readFile(path));
  return parseSafetensors(bytes, path);
}

RawTensor makeI64Tensor(const std::vector<std::int64_t>& values, std::vector<std::int64_t> shape) {
  return makeI64Tensor(values.data(), values.size(), std::move(shape));
}

RawTensor makeI64Tensor(const std::int64_t* values, std::size_t count, std::vector<std::int64_t> shape) {
  RawTensor t{"I64", std::move(shape), std::vector<std::uint8_t>(count * 8)};
  if (count) std::memcpy(t.bytes.data(), values, t.bytes.size());
  return t;
}

RawTensor makeF32Tensor(const std::vector<float>& values, std::vector<std::int64_t> shape) {
  RawTensor t{"F32", std::move(shape), std::vector<std::uint8_t>(values.size() * 4)};
  std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}

}  // namespace stamp::core
