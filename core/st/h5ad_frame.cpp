// AnnData dataframes (obs, var): reading every column encoding we meet, writing anndata 0.8's.
#include <charconv>
#include <cmath>
#include <cstring>

#include "st/h5ad_internal.h"

namespace stamp::core::st::h5ad {
using h5::Hid;

namespace {
std::string encodingOf(hid_t obj) {
  if (!h5::hasAttr(obj, "encoding-type")) return {};
  auto v = h5::readStringAttr(obj, "encoding-type");
  return v.ok() ? *v : std::string();
}

std::string numberText(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(std::int64_t(v));
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}

/// Categories may be strings or numbers (e.g. integer cluster labels).
Result<std::vector<std::string>> readCategories(hid_t ds, const std::string& what) {
  if (h5::isStringType(ds)) return h5::readStrings(ds, what);
  STAMP_ASSIGN(auto nums, h5::readDoubles(ds, what));
  std::vector<std::string> out;
  for (double v : nums) out.push_back(numberText(v));
  return out;
}

Result<ObsColumn> readCategorical(hid_t g, const std::string& what) {
  ObsColumn c;
  c.kind = ObsColumn::Kind::Categorical;
  STAMP_ASSIGN(Hid cats, h5::openDataset(g, "categories", what));
  STAMP_ASSIGN(c.categories, readCategories(cats.get(), what + "/categories"));
  STAMP_ASSIGN(Hid codes, h5::openDataset(g, "codes", what));
  STAMP_ASSIGN(auto raw, h5::readInt64s(codes.get(), what + "/codes"));
  c.codes.reserve(raw.size());
  for (auto v : raw) {
    if (v < -1 || v >= std::int64_t(c.categories.size()))
      return makeError(ErrorCode::OutOfRange, "category code " + std::to_string(v) +
                                                  " outside the " +
                                                  std::to_string(c.categories.size()) +
                                                  " categories", what);
    c.codes.push_back(std::int32_t(v));
  }
  return c;
}

/// nullable-integer / nullable-boolean / nullable-string-array: values + mask (true = NA; NA
/// numbers are kept as NaN, NA strings as "").
Result<ObsColumn> readNullable(hid_t g, const std::string& what) {
  ObsColumn c;
  STAMP_ASSIGN(Hid vals, h5::openDataset(g, "values", what));
  bool strings = h5::isStringType(vals.get());
  if (strings) {
    c.kind = ObsColumn::Kind::String;
    STAMP_ASSIGN(c.strings, h5::readStrings(vals.get(), what + "/values"));
  } else {
    STAMP_ASSIGN(c.numbers, h5::readDoubles(vals.get(), what + "/values"));
  }
  if (h5::kindOf(g, "mask") != h5::Kind::Dataset) return c;
  STAMP_ASSIGN(Hid m, h5::openDataset(g, "mask", what));
  STAMP_ASSIGN(auto mask, h5::readDoubles(m.get(), what + "/mask"));
  if (mask.size() != (strings ? c.strings.size() : c.numbers.size()))
    return makeError(ErrorCode::Mismatch, "mask and values differ in length", what);
  for (size_t i = 0; i < mask.size(); ++i) {
    if (mask[i] == 0) continue;
    if (strings) c.strings[i].clear();
    else c.numbers[i] = std::nan("");
  }
  return c;
}

Result<ObsColumn> readColumn(hid_t frame, const std::string& col, const std::string& what) {
  h5::Kind kind = h5::kindOf(frame, col);
  if (kind == h5::Kind::Group) {
    STAMP_ASSIGN(Hid g, h5::openGroup(frame, col, what));
    std::string enc = encodingOf(g.get());
    if (enc == "categorical") return readCategorical(g.get(), what);
    if (enc.rfind("nullable-", 0) == 0) return readNullable(g.get(), what);
    return makeError(ErrorCode::Unsupported, "column encoding '" + enc + "' not read", what);
  }
  STAMP_ASSIGN(Hid d, h5::openDataset(frame, col, what));
  if (h5::shapeOf(d.get()).size() != 1)
    return makeError(ErrorCode::Unsupported, "column is not one-dimensional", what);
  ObsColumn c;
  if (h5::isStringType(d.get())) {
    c.kind = ObsColumn::Kind::String;
    STAMP_ASSIGN(c.strings, h5::readStrings(d.get(), what));
    return c;
  }
  STAMP_ASSIGN(c.numbers, h5::readDoubles(d.get(), what));
  // anndata 0.7 kept categories in __categories/<col> with the codes as the column.
  std::string legacy = "__categories/" + col;
  if (h5::kindOf(frame, legacy) == h5::Kind::Dataset) {
    ObsColumn cat;
    cat.kind = ObsColumn::Kind::Categorical;
    STAMP_ASSIGN(Hid cd, h5::openDataset(frame, legacy, what));
    STAMP_ASSIGN(cat.categories, readCategories(cd.get(), what));
    for (double v : c.numbers) {
      if (!(v >= -1 && v < double(cat.categories.size())) || v != std::floor(v))
        return makeError(ErrorCode::OutOfRange, "category code outside the categories", what);
      cat.codes.push_back(std::int32_t(v));
    }
    return cat;
  }
  return c;
}

Result<std::vector<std::string>> columnOrder(hid_t g, const std::string& indexName) {
  std::vector<std::string> order;
  if (h5::hasAttr(g, "column-order")) {
    auto v = h5::readStringsAttr(g, "column-order");  // fails for the empty float64 array: none
    if (v.ok()) return *v;
    return order;
  }
  for (const auto& n : h5::childNames(g))
    if (n != indexName && n != "__categories") order.push_back(n);
  return order;
}

Result<Frame> readFrameGroup(hid_t f, const std::string& name, const std::string& ctx) {
  STAMP_ASSIGN(Hid g, h5::openGroup(f, name, ctx));
  std::string indexName = "_index";
  if (h5::hasAttr(g.get(), "_index")) {
    STAMP_ASSIGN(indexName, h5::inContext(h5::readStringAttr(g.get(), "_index"), ctx + ": " + name));
  } else if (h5::kindOf(g.get(), "_index") != h5::Kind::Dataset &&
             h5::kindOf(g.get(), "index") == h5::Kind::Dataset) {
    indexName = "index";
  }
  Frame fr;
  STAMP_ASSIGN(Hid idx, h5::openDataset(g.get(), indexName, ctx + ": " + name));
  std::string idxWhat = ctx + ": " + name + "/" + indexName;
  if (h5::isStringType(idx.get())) {
    STAMP_ASSIGN(fr.index, h5::readStrings(idx.get(), idxWhat));
  } else {
    STAMP_ASSIGN(auto nums, h5::readDoubles(idx.get(), idxWhat));
    for (double v : nums) fr.index.push_back(numberText(v));
  }
  STAMP_ASSIGN(fr.order, columnOrder(g.get(), indexName));
  for (const auto& col : fr.order) {
    if (col == indexName || fr.columns.count(col)) continue;
    std::string what = ctx + ": " + name + "/" + col;
    auto read = readColumn(g.get(), col, what);
    if (!read.ok() && read.error().code == ErrorCode::Unsupported) {
      // A column of a kind we do not use (2-D, a new encoding) must not cost the whole file.
      fr.skipped += (fr.skipped.empty() ? "" : "; ") + col + " (" + read.error().message + ")";
      continue;
    }
    STAMP_ASSIGN(ObsColumn c, std::move(read));
    if (c.size() != fr.index.size())
      return makeError(ErrorCode::Mismatch, "column has " + std::to_string(c.size()) +
                                                " values for " + std::to_string(fr.index.size()) +
                                                " rows", what);
    fr.columns[col] = std::move(c);
  }
  return fr;
}
}  // namespace

Result<Frame> readCompoundFrame(hid_t f, const std::string& name, const std::string& ctx);

Result<Frame> readFrame(hid_t f, const std::string& name, const std::string& ctx) {
  h5::Kind k = h5::kindOf(f, name);
  if (k == h5::Kind::Group) return readFrameGroup(f, name, ctx);
  if (k == h5::Kind::Dataset) return readCompoundFrame(f, name, ctx);
  return makeError(ErrorCode::Format, "no '" + name + "' table (not an AnnData file?)", ctx);
}

std::optional<std::vector<double>> numericValues(const ObsColumn& c) {
  if (c.kind == ObsColumn::Kind::Numeric) return c.numbers;
  auto parse = [](const std::string& s, double& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
  };
  std::vector<double> out;
  if (c.kind == ObsColumn::Kind::String) {
    for (const auto& s : c.strings) {
      double v;
      if (!parse(s, v)) return std::nullopt;
      out.push_back(v);
    }
    return out;
  }
  std::vector<double> cats(c.categories.size());
  for (size_t i = 0; i < cats.size(); ++i)
    if (!parse(c.categories[i], cats[i])) return std::nullopt;
  for (auto code : c.codes) out.push_back(code < 0 ? std::nan("") : cats[size_t(code)]);
  return out;
}

}  // namespace stamp::core::st::h5ad
