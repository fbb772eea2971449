// .h5ad reading: spots (obs columns / obsm spatial), obsm matrices, uns/spatial.
#include <cmath>

#include "st/h5ad_internal.h"
#include "st/space_ranger.h"

namespace stamp::core::st::h5ad {
using h5::Hid;

namespace {
/// Takes a numeric-looking obs column out of `obs` (it becomes a spot field).
std::optional<std::vector<double>> takeColumn(Frame& obs, const char* name) {
  auto it = obs.columns.find(name);
  if (it == obs.columns.end()) return std::nullopt;
  auto v = numericValues(it->second);
  if (!v) return std::nullopt;  // not numbers: leave it as an ordinary column
  obs.columns.erase(it);
  return v;
}

int gridValue(double v) { return std::isfinite(v) && std::fabs(v) < 1e9 ? int(std::lround(v)) : -1; }

/// obsm/spatial (n, >= 2): full-resolution (x, y).
Result<bool> spatialFromObsm(hid_t f, SpatialSample& s, const std::string& ctx) {
  if (h5::kindOf(f, "obsm/spatial") != h5::Kind::Dataset) return false;
  STAMP_ASSIGN(Hid d, h5::openDataset(f, "obsm/spatial", ctx));
  auto shape = h5::shapeOf(d.get());
  std::string what = ctx + ": obsm/spatial";
  if (shape.size() != 2 || shape[0] != s.spots.size() || shape[1] < 2)
    return makeError(ErrorCode::Mismatch, "expected an (n_obs, 2) array of x, y", what);
  STAMP_ASSIGN(auto v, h5::readDoubles(d.get(), what));
  size_t w = size_t(shape[1]);
  for (size_t i = 0; i < s.spots.size(); ++i) {
    s.spots[i].x = v[i * w];
    s.spots[i].y = v[i * w + 1];
    if (std::isinf(s.spots[i].x) || std::isinf(s.spots[i].y))
      return makeError(ErrorCode::Numerical, "infinite coordinate for spot " + s.spots[i].barcode, what);
  }
  return true;
}
}  // namespace

Status fillSpots(hid_t f, Frame& obs, SpatialSample& s, const std::string& ctx) {
  s.spots.resize(obs.index.size());
  for (size_t i = 0; i < obs.index.size(); ++i) s.spots[i].barcode = obs.index[i];
  auto inTissue = takeColumn(obs, "in_tissue");
  auto row = takeColumn(obs, "array_row");
  auto col = takeColumn(obs, "array_col");
  auto px = takeColumn(obs, "pxl_col_in_fullres");
  auto py = takeColumn(obs, "pxl_row_in_fullres");
  for (size_t i = 0; i < s.spots.size(); ++i) {
    Spot& sp = s.spots[i];
    if (inTissue) sp.inTissue = !((*inTissue)[i] == 0);  // NA counts as in tissue
    if (row) sp.arrayRow = gridValue((*row)[i]);
    if (col) sp.arrayCol = gridValue((*col)[i]);
    if (px && py) {
      sp.x = (*px)[i];
      sp.y = (*py)[i];
    }
  }
  STAMP_ASSIGN(bool fromObsm, spatialFromObsm(f, s, ctx));
  if (px && py && fromObsm) {  // both present: the obs columns are what Space Ranger wrote
    for (size_t i = 0; i < s.spots.size(); ++i) {
      s.spots[i].x = (*px)[i];
      s.spots[i].y = (*py)[i];
    }
  }
  for (const auto& sp : s.spots)
    if (std::isinf(sp.x) || std::isinf(sp.y))
      return makeError(ErrorCode::Numerical, "infinite pixel coordinate for spot " + sp.barcode, ctx);
  for (const auto& [name, c] : obs.columns) s.obs[name] = c;
  if (!obs.skipped.empty()) s.metadata["skipped_obs"] = obs.skipped;
  return {};
}

Status fillObsm(hid_t f, SpatialSample& s, const std::string& ctx) {
  if (h5::kindOf(f, "obsm") != h5::Kind::Group) return {};
  STAMP_ASSIGN(Hid g, h5::openGroup(f, "obsm", ctx));
  std::string skipped;
  auto skip = [&](const std::string& n, const std::string& why) {
    skipped += (skipped.empty() ? "" : "; ") + n + " (" + why + ")";
  };
  for (const auto& name : h5::childNames(g.get())) {
    if (name == "spatial") continue;
    if (h5::kindOf(g.get(), name) != h5::Kind::Dataset) {
      skip(name, "not a dense array");
      continue;
    }
    STAMP_ASSIGN(Hid d, h5::openDataset(g.get(), name, ctx));
    auto shape = h5::shapeOf(d.get());
    if (shape.size() != 2 || shape[0] != s.spots.size() || !h5::isNumericType(d.get())) {
      skip(name, "not an (n_obs, k) numeric array");
      continue;
    }
    STAMP_ASSIGN(auto v, h5::readDoubles(d.get(), ctx + ": obsm/" + name));
    DenseMatrix m{std::int64_t(shape[0]), std::int64_t(shape[1]), std::vector<float>(v.begin(), v.end())};
    bool finite = true;
    for (float x : m.data) finite = finite && std::isfinite(x);
    if (!finite) {
      skip(name, "holds NaN/Inf");
      continue;
    }
    s.obsm[name] = std::move(m);
  }
  if (!skipped.empty()) s.metadata["skipped_obsm"] = skipped;
  return {};
}

namespace {
void readStringsInto(hid_t g, std::map<std::string, std::string>& out) {
  for (const auto& name : h5::childNames(g)) {
    if (h5::kindOf(g, name) != h5::Kind::Dataset) continue;
    Hid d(H5Dopen2(g, name.c_str(), H5P_DEFAULT));
    if (!d.valid() || !h5::shapeOf(d.get()).empty()) continue;  // scalars only
    if (h5::isStringType(d.get())) {
      auto v = h5::readStrings(d.get(), name);
      if (v.ok() && !v->empty()) out[name] = v->front();
    } else if (h5::isNumericType(d.get())) {
      auto v = h5::readDoubles(d.get(), name);
      if (v.ok() && !v->empty()) out[name] = nlohmann::json((*v)[0]).dump();
    }
  }
}
}  // namespace

Status fillSpatialUns(hid_t f, SpatialSample& s, const std::string& ctx) {
  if (h5::kindOf(f, "uns/spatial") != h5::Kind::Group) return {};
  STAMP_ASSIGN(Hid sp, h5::openGroup(f, "uns/spatial", ctx));
  auto libs = h5::childNames(sp.get());
  std::string lib;
  for (const auto& l : libs)
    if (lib.empty() && h5::kindOf(sp.get(), l) == h5::Kind::Group) lib = l;
  if (lib.empty()) return {};
  if (libs.size() == 1) s.name = lib;
  STAMP_ASSIGN(Hid g, h5::openGroup(sp.get(), lib, ctx));
  if (h5::kindOf(g.get(), "scalefactors") == h5::Kind::Group) {
    Hid sf(H5Gopen2(g.get(), "scalefactors", H5P_DEFAULT));
    nlohmann::json j = readUnsJson(sf.get(), 1);
    for (auto it = j.begin(); it != j.end();)  // only numbers are scale factors
      it = it->is_number() ? std::next(it) : j.erase(it);
    STAMP_ASSIGN(s.scale, parseScaleFactors(j.dump(), ctx + ": uns/spatial/" + lib + "/scalefactors"));
  }
  if (h5::kindOf(g.get(), "metadata") == h5::Kind::Group) {
    Hid md(H5Gopen2(g.get(), "metadata", H5P_DEFAULT));
    readStringsInto(md.get(), s.metadata);
  }
  if (h5::kindOf(g.get(), "image_paths") == h5::Kind::Group) {
    Hid ip(H5Gopen2(g.get(), "image_paths", H5P_DEFAULT));
    std::map<std::string, std::string> paths;
    readStringsInto(ip.get(), paths);
    s.fullresImage = paths["fullres"];
    s.hiresImage = paths["hires"];
    s.lowresImage = paths["lowres"];
  }
  return {};
}

}  // namespace stamp::core::st::h5ad
