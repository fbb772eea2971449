// SpatialSample -> .h5ad, laid out and attributed as anndata 0.8 writes it.
#include <cmath>
#include <filesystem>

#include "common/atomic_file.h"
#include "st/h5ad.h"
#include "st/h5ad_internal.h"

namespace stamp::core::st {
using h5::Hid;
using h5ad::Frame;

namespace {
const char* const kSpotColumns[] = {"in_tissue", "array_row", "array_col", "pxl_row_in_fullres",
                                    "pxl_col_in_fullres"};

bool validKey(const std::string& k) {
  return !k.empty() && k != "." && k.find('/') == std::string::npos && k != "_index";
}

Status checkSample(const SpatialSample& s, const std::string& path) {
  auto fail = [&](const std::string& m) { return makeError(ErrorCode::InvalidArgument, m, path); };
  if (auto why = s.counts.validate()) return fail("invalid count matrix: " + *why);
  if (std::size_t(s.counts.rows) != s.spots.size() || std::size_t(s.counts.cols) != s.genes.size())
    return fail("count matrix shape does not match the spots and genes");
  for (const auto& [name, c] : s.obs) {
    if (!validKey(name)) return fail("obs column name '" + name + "' cannot be stored");
    if (c.size() != s.spots.size()) return fail("obs column '" + name + "' has the wrong length");
    for (auto code : c.codes)
      if (c.kind == ObsColumn::Kind::Categorical && (code < -1 || code >= std::int32_t(c.categories.size())))
        return fail("obs column '" + name + "' has a code outside its categories");
  }
  for (const auto& [name, m] : s.obsm)
    if (!validKey(name) || name == "spatial" || std::size_t(m.rows) != s.spots.size() ||
        m.data.size() != std::size_t(m.rows * m.cols))
      return fail("obsm entry '" + name + "' has the wrong shape or name");
  return {};
}

Frame obsFrame(const SpatialSample& s) {
  Frame f;
  const size_t n = s.spots.size();
  std::vector<double> cols[5];
  for (auto& c : cols) c.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Spot& sp = s.spots[i];
    f.index.push_back(sp.barcode);
    cols[0][i] = sp.inTissue ? 1 : 0;
    cols[1][i] = sp.arrayRow;
    cols[2][i] = sp.arrayCol;
    cols[3][i] = sp.y;
    cols[4][i] = sp.x;
  }
  for (int k = 0; k < 5; ++k) {
    ObsColumn c;
    c.numbers = std::move(cols[k]);
    f.columns[kSpotColumns[k]] = std::move(c);
    f.order.push_back(kSpotColumns[k]);
  }
  for (const auto& [name, c] : s.obs) {
    if (f.columns.count(name)) continue;  // the spot fields win over stale copies
    f.columns[name] = c;
    f.order.push_back(name);
  }
  return f;
}

/// Integral spot fields as int64 (as scanpy's read_visium has them), the rest as written.
Status writeObs(hid_t f, const SpatialSample& s) {
  Frame fr = obsFrame(s);
  STAMP_CHECK(h5ad::writeFrame(f, "obs", fr));
  for (int k = 0; k < 3; ++k) {
    const char* name = kSpotColumns[k];
    std::string path = std::string("obs/") + name;
    H5Ldelete(f, path.c_str(), H5P_DEFAULT);
    const auto& v = fr.columns[name].numbers;
    std::vector<std::int64_t> iv(v.begin(), v.end());
    STAMP_ASSIGN(Hid g, h5::openGroup(f, "obs", "obs"));
    STAMP_CHECK(h5::writeArray(g.get(), name, iv.data(), {iv.size()}));
    STAMP_ASSIGN(Hid d, h5::openDataset(g.get(), name, name));
    STAMP_CHECK(h5::writeEncoding(d.get(), "array", "0.2.0"));
  }
  return {};
}

Status writeVar(hid_t f, const SpatialSample& s) {
  Frame fr;
  ObsColumn ids;
  ids.kind = ObsColumn::Kind::String;
  for (const Gene& g : s.genes) {
    fr.index.push_back(g.symbol.empty() ? g.id : g.symbol);
    ids.strings.push_back(g.id.empty() ? g.symbol : g.id);
  }
  fr.columns["gene_ids"] = std::move(ids);
  fr.order.push_back("gene_ids");
  return h5ad::writeFrame(f, "var", fr);
}

Status writeX(hid_t f, const CsrMatrix& m) {
  STAMP_ASSIGN(Hid g, h5::createGroup(f, "X"));
  STAMP_CHECK(h5::writeEncoding(g.get(), "csr_matrix", "0.1.0"));
  STAMP_CHECK(h5::writeInt64sAttr(g.get(), "shape", {m.rows, m.cols}));
  std::uint64_t nnz = m.data.size();
  STAMP_CHECK(h5::writeArray(g.get(), "data", m.data.data(), {nnz}));
  STAMP_CHECK(h5::writeArray(g.get(), "indices", m.indices.data(), {nnz}));
  return h5::writeArray(g.get(), "indptr", m.indptr.data(), {m.indptr.size()});
}

Result<Hid> dictGroup(hid_t loc, const std::string& name) {
  STAMP_ASSIGN(Hid g, h5::createGroup(loc, name));
  STAMP_CHECK(h5::writeEncoding(g.get(), "dict", "0.1.0"));
  return g;
}

Status writeArrayEntry(hid_t g, const std::string& name, const auto* data,
                       std::vector<std::uint64_t> dims) {
  STAMP_CHECK(h5::writeArray(g, name, data, dims));
  STAMP_ASSIGN(Hid d, h5::openDataset(g, name, name));
  return h5::writeEncoding(d.get(), "array", "0.2.0");
}

Status writeObsm(hid_t f, const SpatialSample& s) {
  STAMP_ASSIGN(Hid g, dictGroup(f, "obsm"));
  std::vector<double> xy;
  xy.reserve(s.spots.size() * 2);
  for (const Spot& sp : s.spots) {
    xy.push_back(sp.x);
    xy.push_back(sp.y);
  }
  STAMP_CHECK(writeArrayEntry(g.get(), "spatial", xy.data(), {s.spots.size(), 2}));
  for (const auto& [name, m] : s.obsm)
    STAMP_CHECK(writeArrayEntry(g.get(), name, m.data.data(),
                                {std::uint64_t(m.rows), std::uint64_t(m.cols)}));
  return {};
}

Status writeSpatialUns(hid_t uns, const SpatialSample& s) {
  STAMP_ASSIGN(Hid spatial, dictGroup(uns, "spatial"));
  std::string lib = validKey(s.name) ? s.name : "sample";
  STAMP_ASSIGN(Hid g, dictGroup(spatial.get(), lib));
  nlohmann::json sf = nlohmann::json::object();
  sf["tissue_hires_scalef"] = s.scale.hiresScalef;
  sf["tissue_lowres_scalef"] = s.scale.lowresScalef;
  sf["spot_diameter_fullres"] = s.scale.spotDiameterFullres;
  sf["fiducial_diameter_fullres"] = s.scale.fiducialDiameterFullres;
  for (const auto& [k, v] : s.scale.extra) sf[k] = v;
  nlohmann::json md = nlohmann::json::object();
  for (const auto& [k, v] : s.metadata) {  // free-form keys (CSV columns): make them HDF5 names
    std::string key = k.empty() || k == "." ? "_" : k;
    for (char& c : key)
      if (c == '/') c = '_';
    md[key] = v;
  }
  nlohmann::json paths = {{"fullres", s.fullresImage}, {"hires", s.hiresImage}, {"lowres", s.lowresImage}};
  nlohmann::json all = {{"scalefactors", sf}, {"metadata", md}, {"image_paths", paths}};
  return h5ad::writeUnsJson(g.get(), all);
}

Status writeAll(hid_t f, const SpatialSample& s) {
  STAMP_CHECK(h5::writeEncoding(f, "anndata", "0.1.0"));
  STAMP_CHECK(writeX(f, s.counts));
  STAMP_CHECK(writeObs(f, s));
  STAMP_CHECK(writeVar(f, s));
  STAMP_CHECK(writeObsm(f, s));
  for (const char* empty : {"varm", "obsp", "varp", "layers"}) STAMP_CHECK(dictGroup(f, empty));
  STAMP_ASSIGN(Hid uns, dictGroup(f, "uns"));
  nlohmann::json rest = s.uns.is_object() ? s.uns : nlohmann::json::object();
  rest.erase("spatial");
  STAMP_CHECK(h5ad::writeUnsJson(uns.get(), rest));
  return writeSpatialUns(uns.get(), s);
}
}  // namespace

Status writeH5ad(const std::string& path, const SpatialSample& sample) {
  STAMP_CHECK(checkSample(sample, path));
  return writeViaTemp(path, [&](const std::filesystem::path& tmp) -> Status {
    return h5::guarded(path, [&]() -> Status {
      Status st;
      {
        STAMP_ASSIGN(Hid f, h5::createFile(tmp.string()));
        st = writeAll(f.get(), sample);
        if (st.ok() && H5Fflush(f.get(), H5F_SCOPE_GLOBAL) < 0)
          st = makeError(ErrorCode::Io, "cannot flush HDF5 file");
      }
      if (!st.ok()) return st.error().within(path);
      return st;
    });
  });
}

}  // namespace stamp::core::st
