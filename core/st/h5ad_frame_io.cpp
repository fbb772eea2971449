// Old (anndata < 0.7) compound-dataset tables, and writing dataframes as anndata 0.8 does.
#include <cmath>
#include <cstring>

#include "st/h5ad_internal.h"

namespace stamp::core::st::h5ad {
using h5::Hid;

namespace {
/// Reads one member of a compound dataset by building a one-member memory type.
Result<std::vector<double>> memberNumbers(hid_t ds, const std::string& member, size_t n) {
  Hid mem(H5Tcreate(H5T_COMPOUND, sizeof(double)));
  H5Tinsert(mem.get(), member.c_str(), 0, H5T_NATIVE_DOUBLE);
  std::vector<double> out(n);
  if (n && H5Dread(ds, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    return makeError(ErrorCode::Format, "cannot read field '" + member + "'");
  return out;
}

Result<std::vector<std::string>> memberStrings(hid_t ds, hid_t mtype, const std::string& member,
                                               size_t n) {
  std::vector<std::string> out;
  if (H5Tis_variable_str(mtype) > 0) {
    Hid str(H5Tcopy(H5T_C_S1));
    H5Tset_size(str.get(), H5T_VARIABLE);
    Hid mem(H5Tcreate(H5T_COMPOUND, sizeof(char*)));
    H5Tinsert(mem.get(), member.c_str(), 0, str.get());
    std::vector<char*> buf(n, nullptr);
    if (n && H5Dread(ds, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      return makeError(ErrorCode::Format, "cannot read field '" + member + "'");
    for (char* s : buf) out.emplace_back(s ? s : "");
    Hid space(H5Dget_space(ds));
    if (n) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, buf.data());
    return out;
  }
  size_t len = H5Tget_size(mtype);
  Hid str(H5Tcopy(mtype));
  Hid mem(H5Tcreate(H5T_COMPOUND, len));
  H5Tinsert(mem.get(), member.c_str(), 0, str.get());
  std::vector<char> buf(n * len);
  if (n && H5Dread(ds, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
    return makeError(ErrorCode::Format, "cannot read field '" + member + "'");
  for (size_t i = 0; i < n; ++i) out.emplace_back(buf.data() + i * len, strnlen(buf.data() + i * len, len));
  return out;
}

/// Old files kept categories as uns/<col>_categories.
Result<ObsColumn> maybeCategorical(hid_t f, const std::string& col, std::vector<double> codes,
                                   const std::string& what) {
  ObsColumn c;
  std::string catPath = "uns/" + col + "_categories";
  if (h5::kindOf(f, catPath) != h5::Kind::Dataset) {
    c.numbers = std::move(codes);
    return c;
  }
  STAMP_ASSIGN(Hid d, h5::openDataset(f, catPath, what));
  STAMP_ASSIGN(c.categories, h5::readStrings(d.get(), what));
  c.kind = ObsColumn::Kind::Categorical;
  for (double v : codes) {
    if (!(v >= -1 && v < double(c.categories.size())) || v != std::floor(v))
      return makeError(ErrorCode::OutOfRange, "category code outside the categories", what);
    c.codes.push_back(std::int32_t(v));
  }
  return c;
}
}  // namespace

Result<Frame> readCompoundFrame(hid_t f, const std::string& name, const std::string& ctx) {
  STAMP_ASSIGN(Hid ds, h5::openDataset(f, name, ctx));
  std::string what = ctx + ": " + name;
  auto shape = h5::shapeOf(ds.get());
  if (!h5::isCompoundType(ds.get()) || shape.size() != 1)
    return makeError(ErrorCode::Format, "expected a dataframe group or a compound table", what);
  size_t n = size_t(shape[0]);
  Hid type(H5Dget_type(ds.get()));
  int members = H5Tget_nmembers(type.get());
  if (members < 0 || members > 10000) return makeError(ErrorCode::Format, "bad compound type", what);
  if (n > h5::readLimitBytes() / (8 * std::max(1, members) + 64))
    return makeError(ErrorCode::Unsupported, "table too large to load", what);
  Frame fr;
  for (int m = 0; m < members; ++m) {
    char* raw = H5Tget_member_name(type.get(), unsigned(m));
    std::string col = raw ? raw : "";
    H5free_memory(raw);
    Hid mtype(H5Tget_member_type(type.get(), unsigned(m)));
    H5T_class_t cls = H5Tget_class(mtype.get());
    std::string cwhat = what + "/" + col;
    bool isIndex = fr.index.empty() && (col == "index" || col == "_index");
    if (cls == H5T_STRING) {
      STAMP_ASSIGN(auto v, h5::inContext(memberStrings(ds.get(), mtype.get(), col, n), what));
      if (isIndex) {
        fr.index = std::move(v);
        continue;
      }
      ObsColumn c;
      c.kind = ObsColumn::Kind::String;
      c.strings = std::move(v);
      fr.columns[col] = std::move(c);
    } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
      STAMP_ASSIGN(auto v, h5::inContext(memberNumbers(ds.get(), col, n), what));
      STAMP_ASSIGN(fr.columns[col], maybeCategorical(f, col, std::move(v), cwhat));
    } else {
      continue;  // nested or enum fields: not table columns we use
    }
    fr.order.push_back(col);
  }
  if (fr.index.empty())
    for (size_t i = 0; i < n; ++i) fr.index.push_back(std::to_string(i));
  return fr;
}

namespace {
Status writeCategorical(hid_t frame, const std::string& name, const ObsColumn& c) {
  STAMP_ASSIGN(Hid g, h5::createGroup(frame, name));
  STAMP_CHECK(h5::writeEncoding(g.get(), "categorical", "0.2.0"));
  STAMP_CHECK(h5::writeBoolAttr(g.get(), "ordered", false));
  STAMP_CHECK(h5::writeStrings(g.get(), "categories", c.categories));
  STAMP_ASSIGN(Hid cats, h5::openDataset(g.get(), "categories", name));
  STAMP_CHECK(h5::writeEncoding(cats.get(), "string-array", "0.2.0"));
  std::uint64_t n = c.codes.size();
  // pandas picks the smallest signed integer type that holds every code; so do we.
  if (c.categories.size() < 128) {
    std::vector<std::int8_t> v(c.codes.begin(), c.codes.end());
    STAMP_CHECK(h5::writeArray(g.get(), "codes", v.data(), {n}));
  } else if (c.categories.size() < 32768) {
    std::vector<std::int16_t> v(c.codes.begin(), c.codes.end());
    STAMP_CHECK(h5::writeArray(g.get(), "codes", v.data(), {n}));
  } else {
    STAMP_CHECK(h5::writeArray(g.get(), "codes", c.codes.data(), {n}));
  }
  STAMP_ASSIGN(Hid codes, h5::openDataset(g.get(), "codes", name));
  return h5::writeEncoding(codes.get(), "array", "0.2.0");
}

Status writeColumn(hid_t frame, const std::string& name, const ObsColumn& c) {
  if (c.kind == ObsColumn::Kind::Categorical) return writeCategorical(frame, name, c);
  bool str = c.kind == ObsColumn::Kind::String;
  if (str) {
    STAMP_CHECK(h5::writeStrings(frame, name, c.strings));
  } else {
    STAMP_CHECK(h5::writeArray(frame, name, c.numbers.data(), {c.numbers.size()}));
  }
  STAMP_ASSIGN(Hid d, h5::openDataset(frame, name, name));
  return h5::writeEncoding(d.get(), str ? "string-array" : "array", "0.2.0");
}
}  // namespace

Status writeFrame(hid_t loc, const std::string& name, const Frame& frame) {
  STAMP_ASSIGN(Hid g, h5::createGroup(loc, name));
  STAMP_CHECK(h5::writeEncoding(g.get(), "dataframe", "0.2.0"));
  STAMP_CHECK(h5::writeStringAttr(g.get(), "_index", "_index"));
  STAMP_CHECK(h5::writeStringsAttr(g.get(), "column-order", frame.order));
  STAMP_CHECK(h5::writeStrings(g.get(), "_index", frame.index));
  STAMP_ASSIGN(Hid idx, h5::openDataset(g.get(), "_index", name));
  STAMP_CHECK(h5::writeEncoding(idx.get(), "string-array", "0.2.0"));
  for (const auto& col : frame.order) {
    auto it = frame.columns.find(col);
    if (it == frame.columns.end()) continue;
    Status st = writeColumn(g.get(), col, it->second);
    if (!st.ok()) return st.error().within(name + "/" + col);
  }
  return {};
}

}  // namespace stamp::core::st::h5ad
