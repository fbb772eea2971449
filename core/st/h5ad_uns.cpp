// uns <-> JSON: dict groups, string/number/bool scalars and 1-D arrays.
#include <cmath>

#include "st/h5ad_internal.h"

namespace stamp::core::st::h5ad {
using h5::Hid;
using nlohmann::json;

namespace {
constexpr int kMaxDepth = 32;
constexpr std::uint64_t kMaxArray = 1000000;  // bigger arrays are data, not parameters

bool isIntegerClass(hid_t ds) {
  Hid t(H5Dget_type(ds));
  return t.valid() && H5Tget_class(t.get()) == H5T_INTEGER;
}
bool isEnum(hid_t ds) {
  Hid t(H5Dget_type(ds));
  return t.valid() && H5Tget_class(t.get()) == H5T_ENUM;
}

json numberJson(double v, bool integer, bool boolean) {
  if (boolean) return json(v != 0);
  if (!std::isfinite(v)) return json();  // JSON has no NaN
  if (integer) return json(std::int64_t(v));
  return json(v);
}

/// A dataset as JSON, or null when it is not simple (matrices, compound tables, huge arrays).
json datasetJson(hid_t ds) {
  auto shape = h5::shapeOf(ds);
  if (shape.size() > 1 || (shape.size() == 1 && shape[0] > kMaxArray)) return json();
  if (h5::isStringType(ds)) {
    auto v = h5::readStrings(ds, "uns");
    if (!v.ok()) return json();
    if (shape.empty()) return v->empty() ? json() : json(v->front());
    return json(*v);
  }
  if (!h5::isNumericType(ds)) return json();
  auto v = h5::readDoubles(ds, "uns");
  if (!v.ok()) return json();
  bool integer = isIntegerClass(ds), boolean = isEnum(ds);
  if (shape.empty()) return v->empty() ? json() : numberJson(v->front(), integer, boolean);
  json arr = json::array();
  for (double x : *v) arr.push_back(numberJson(x, integer, boolean));
  return arr;
}

bool allOf(const json& arr, bool (json::*pred)() const noexcept) {
  for (const auto& e : arr)
    if (!(e.*pred)()) return false;
  return true;
}

Status writeArrayJson(hid_t g, const std::string& key, const json& arr) {
  if (!arr.empty() && allOf(arr, &json::is_string)) {
    std::vector<std::string> v;
    for (const auto& e : arr) v.push_back(e.get<std::string>());
    STAMP_CHECK(h5::writeStrings(g, key, v));
    STAMP_ASSIGN(Hid d, h5::openDataset(g, key, key));
    return h5::writeEncoding(d.get(), "string-array", "0.2.0");
  }
  if (!allOf(arr, &json::is_number)) {  // mixed or nested: keep the text
    STAMP_CHECK(h5::writeScalarString(g, key, arr.dump()));
    STAMP_ASSIGN(Hid d, h5::openDataset(g, key, key));
    return h5::writeEncoding(d.get(), "string", "0.2.0");
  }
  if (!arr.empty() && allOf(arr, &json::is_number_integer)) {
    std::vector<std::int64_t> v;
    for (const auto& e : arr) v.push_back(e.get<std::int64_t>());
    STAMP_CHECK(h5::writeArray(g, key, v.data(), {v.size()}));
  } else {
    std::vector<double> v;
    for (const auto& e : arr) v.push_back(e.get<double>());
    STAMP_CHECK(h5::writeArray(g, key, v.data(), {v.size()}));
  }
  STAMP_ASSIGN(Hid d, h5::openDataset(g, key, key));
  return h5::writeEncoding(d.get(), "array", "0.2.0");
}

Status writeValueJson(hid_t g, const std::string& key, const json& v) {
  if (v.is_object()) {
    STAMP_ASSIGN(Hid sub, h5::createGroup(g, key));
    STAMP_CHECK(h5::writeEncoding(sub.get(), "dict", "0.1.0"));
    return writeUnsJson(sub.get(), v);
  }
  if (v.is_array()) return writeArrayJson(g, key, v);
  if (v.is_string()) {
    STAMP_CHECK(h5::writeScalarString(g, key, v.get<std::string>()));
  } else if (v.is_boolean()) {
    STAMP_CHECK(h5::writeBoolScalar(g, key, v.get<bool>()));
  } else if (v.is_number_integer()) {
    STAMP_CHECK(h5::writeScalar<std::int64_t>(g, key, v.get<std::int64_t>()));
  } else if (v.is_number()) {
    STAMP_CHECK(h5::writeScalar<double>(g, key, v.get<double>()));
  } else {
    return {};  // null (and binary): nothing anndata could hold
  }
  STAMP_ASSIGN(Hid d, h5::openDataset(g, key, key));
  return h5::writeEncoding(d.get(), v.is_string() ? "string" : "numeric-scalar", "0.2.0");
}
}  // namespace

json readUnsJson(hid_t group, int depth) {
  json out = json::object();
  if (depth > kMaxDepth) return out;
  for (const auto& name : h5::childNames(group)) {
    if (depth == 0 && name == "spatial") continue;
    h5::Kind k = h5::kindOf(group, name);
    if (k == h5::Kind::Group) {
      Hid g(H5Gopen2(group, name.c_str(), H5P_DEFAULT));
      if (!g.valid()) continue;
      std::string enc;
      if (h5::hasAttr(g.get(), "encoding-type")) {
        auto e = h5::readStringAttr(g.get(), "encoding-type");
        enc = e.ok() ? *e : "?";
      }
      if (enc.empty() || enc == "dict") out[name] = readUnsJson(g.get(), depth + 1);
    } else if (k == h5::Kind::Dataset) {
      Hid d(H5Dopen2(group, name.c_str(), H5P_DEFAULT));
      if (!d.valid()) continue;
      json v = datasetJson(d.get());
      if (!v.is_null()) out[name] = std::move(v);
    }
  }
  return out;
}

Status writeUnsJson(hid_t group, const json& obj) {
  if (!obj.is_object()) return {};
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& key = it.key();
    if (key.empty() || key.find('/') != std::string::npos || key == "." )
      return makeError(ErrorCode::InvalidArgument, "uns key '" + key + "' cannot be an HDF5 name");
    Status st = writeValueJson(group, key, it.value());
    if (!st.ok()) return st.error().within("uns/" + key);
  }
  return {};
}

}  // namespace stamp::core::st::h5ad
