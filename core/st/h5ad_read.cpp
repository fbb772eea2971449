// .h5ad -> SpatialSample: X, var -> genes, obs -> spots + columns, obsm, uns.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <filesystem>

#include "st/h5ad.h"
#include "st/h5ad_internal.h"
#include "st/space_ranger.h"

namespace stamp::core::st {
using h5::Hid;
using h5ad::Frame;

namespace {
Error bad(const std::string& ctx, const std::string& msg, ErrorCode c = ErrorCode::Format) {
  return makeError(c, msg, ctx);
}

std::string encodingOf(hid_t obj) {
  for (const char* key : {"encoding-type", "h5sparse_format"}) {
    if (!h5::hasAttr(obj, key)) continue;
    auto v = h5::readStringAttr(obj, key);
    if (v.ok()) return *v;
  }
  return {};
}

/// Compressed sparse arrays of one X group: `major` = rows for CSR, columns for CSC. Read in
/// blocks straight into the int32/float32 vectors kept (see h5::readIndices / h5::readCounts).
Result<CsrMatrix> readCompressed(hid_t g, std::int64_t major, std::int64_t minor,
                                 const std::string& ctx) {
  CsrMatrix m;
  m.rows = major;
  m.cols = minor;
  STAMP_ASSIGN(Hid ip, h5::openDataset(g, "indptr", ctx));
  STAMP_ASSIGN(m.indptr, h5::readInt64s(ip.get(), ctx + "/indptr"));
  if (m.indptr.size() != std::size_t(major) + 1)
    return bad(ctx, "indptr has " + std::to_string(m.indptr.size()) + " entries, expected " +
                        std::to_string(major + 1));
  STAMP_ASSIGN(Hid ix, h5::openDataset(g, "indices", ctx));
  STAMP_ASSIGN(Hid dd, h5::openDataset(g, "data", ctx));
  // Lengths first: nothing large is read from a group whose arrays disagree.
  if (h5::shapeOf(ix.get()) != h5::shapeOf(dd.get()))
    return bad(ctx, "indices and data differ in length");
  STAMP_ASSIGN(m.indices, h5::readIndices(ix.get(), minor, ctx + "/indices"));
  STAMP_ASSIGN(m.data, h5::readCounts(dd.get(), ctx + "/data"));
  if (m.indices.size() != m.data.size()) return bad(ctx, "indices and data differ in length");
  if (auto why = m.validate()) return bad(ctx, *why);
  return m;
}

/// CSC indptr (one entry per gene + 1) that partitions `nnz` stored values.
Result<std::vector<std::int64_t>> readColumnPointers(hid_t g, std::int64_t nVar, std::uint64_t nnz,
                                                     const std::string& ctx) {
  STAMP_ASSIGN(Hid ip, h5::openDataset(g, "indptr", ctx));
  STAMP_ASSIGN(std::vector<std::int64_t> p, h5::readInt64s(ip.get(), ctx + "/indptr"));
  if (auto why = checkIndptr(p, nVar, std::int64_t(nnz), "column")) return bad(ctx, *why);
  return p;
}

/// CSC X (genes major) read straight into CSR (spots major), keeping the gene order within each
/// spot. The CSC arrays are never held: the spot indices are streamed twice (values per spot,
/// then where each value goes) and the values once, so the peak is the CSR plus two blocks
/// instead of both matrices (~2x the CSR before).
Result<CsrMatrix> readCscAsCsr(hid_t g, std::int64_t nObs, std::int64_t nVar, const std::string& ctx) {
  STAMP_ASSIGN(Hid ix, h5::openDataset(g, "indices", ctx));
  STAMP_ASSIGN(Hid dd, h5::openDataset(g, "data", ctx));
  const auto shape = h5::shapeOf(ix.get());
  if (shape != h5::shapeOf(dd.get())) return bad(ctx, "indices and data differ in length");
  if (shape.size() != 1) return bad(ctx, "indices is not a 1-D array");
  const std::uint64_t nnz = shape[0];
  if (nnz > h5::readLimitBytes() / 8)
    return bad(ctx, "X too large to load (" + std::to_string(nnz) + " stored values)",
               ErrorCode::Unsupported);
  STAMP_ASSIGN(auto colPtr, readColumnPointers(g, nVar, nnz, ctx));
  const std::uint64_t block =
      std::max<std::uint64_t>(1, std::min<std::uint64_t>(h5::readChunkElems(), nnz));
  std::vector<std::int32_t> spots(block);
  std::vector<float> values(block);
  CsrMatrix m;
  m.rows = nObs;
  m.cols = nVar;
  m.indptr.assign(std::size_t(nObs) + 1, 0);
  for (std::uint64_t first = 0; first < nnz; first += block) {  // values per spot
    const std::uint64_t n = std::min(block, nnz - first);
    STAMP_CHECK(h5::readIndexRange(ix.get(), nObs, first, n, spots.data(), ctx + "/indices"));
    for (std::uint64_t k = 0; k < n; ++k) ++m.indptr[std::size_t(spots[k]) + 1];
  }
  for (std::size_t r = 0; r < std::size_t(nObs); ++r) m.indptr[r + 1] += m.indptr[r];
  m.indices.resize(nnz);
  m.data.resize(nnz);
  std::vector<std::int64_t> next(m.indptr.begin(), m.indptr.end() - 1);
  std::size_t gene = 0;
  for (std::uint64_t first = 0; first < nnz; first += block) {  // each value into its spot's row
    const std::uint64_t n = std::min(block, nnz - first);
    STAMP_CHECK(h5::readIndexRange(ix.get(), nObs, first, n, spots.data(), ctx + "/indices"));
    STAMP_CHECK(h5::readCountRange(dd.get(), first, n, values.data(), ctx + "/data"));
    for (std::uint64_t k = 0; k < n; ++k) {
      while (std::uint64_t(colPtr[gene + 1]) <= first + k) ++gene;  // past empty genes too
      const auto dst = std::size_t(next[std::size_t(spots[k])]++);
      m.indices[dst] = std::int32_t(gene);
      m.data[dst] = values[k];
    }
  }
  return m;
}

/// Dense X, read in blocks of rows (see h5::forEachRowBlock) and kept sparse.
Result<CsrMatrix> readDenseX(hid_t f, std::int64_t nObs, std::int64_t nVar, const std::string& ctx) {
  STAMP_ASSIGN(Hid d, h5::openDataset(f, "X", ctx));
  auto shape = h5::shapeOf(d.get());
  if (shape.size() != 2 || std::int64_t(shape[0]) != nObs || std::int64_t(shape[1]) != nVar)
    return bad(ctx + ": X", "dense X does not have shape (n_obs, n_vars) = (" +
                                std::to_string(nObs) + ", " + std::to_string(nVar) + ")",
               ErrorCode::Mismatch);
  CsrMatrix m;
  m.rows = nObs;
  m.cols = nVar;
  m.indptr.assign(std::size_t(nObs) + 1, 0);
  auto rows = [&](const double* v, std::uint64_t first, std::uint64_t n) -> Status {
    for (std::uint64_t r = first; r < first + n; ++r, v += nVar) {
      for (std::int64_t c = 0; c < nVar; ++c) {
        double x = v[c];
        if (!(std::fabs(x) <= double(FLT_MAX)))  // NaN, Inf, or inf once narrowed
          return bad(ctx + ": X", "non-finite value in X at row " + std::to_string(r) + ", column " +
                                      std::to_string(c) + " (NaN/Inf or beyond the float32 range)",
                     ErrorCode::Numerical);
        if (x == 0) continue;
        m.indices.push_back(std::int32_t(c));
        m.data.push_back(float(x));
      }
      m.indptr[std::size_t(r) + 1] = std::int64_t(m.data.size());
    }
    return {};
  };
  STAMP_CHECK(h5::forEachRowBlock(d.get(), ctx + ": X", rows));
  return m;
}

Result<CsrMatrix> readX(hid_t f, std::int64_t nObs, std::int64_t nVar, const std::string& ctx) {
  h5::Kind k = h5::kindOf(f, "X");
  if (k == h5::Kind::None) {  // AnnData allows X = None: no counts
    CsrMatrix m;
    m.rows = nObs;
    m.cols = nVar;
    m.indptr.assign(std::size_t(nObs) + 1, 0);
    return m;
  }
  if (k == h5::Kind::Dataset) return readDenseX(f, nObs, nVar, ctx);
  STAMP_ASSIGN(Hid g, h5::openGroup(f, "X", ctx));
  std::string enc = encodingOf(g.get());
  std::string what = ctx + ": X";
  bool csr = enc == "csr_matrix" || enc == "csr";
  if (!csr && enc != "csc_matrix" && enc != "csc")
    return bad(what, "X encoding '" + enc + "' is not csr_matrix, csc_matrix or dense",
               ErrorCode::Unsupported);
  const char* shapeKey = h5::hasAttr(g.get(), "shape") ? "shape" : "h5sparse_shape";
  STAMP_ASSIGN(auto shape, h5::inContext(h5::readNumbersAttr(g.get(), shapeKey), what));
  if (shape.size() != 2 || shape[0] != double(nObs) || shape[1] != double(nVar))
    return bad(what, "X shape does not match obs (" + std::to_string(nObs) + ") x var (" +
                         std::to_string(nVar) + ")", ErrorCode::Mismatch);
  if (csr) return readCompressed(g.get(), nObs, nVar, what);
  return readCscAsCsr(g.get(), nObs, nVar, what);
}

bool looksEnsembl(const std::string& s) {
  if (s.size() < 8 || s.rfind("ENS", 0) != 0) return false;
  size_t i = 3;
  while (i < s.size() && std::isupper(static_cast<unsigned char>(s[i]))) ++i;
  size_t digits = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  return i - digits >= 5;
}

const std::vector<std::string>* stringColumn(const Frame& f, const char* name) {
  auto it = f.columns.find(name);
  if (it == f.columns.end() || it->second.kind != ObsColumn::Kind::String) return nullptr;
  return &it->second.strings;
}

/// Categorical string columns flattened (gene_ids is sometimes stored categorical).
std::optional<std::vector<std::string>> textColumn(const Frame& f, const char* name) {
  if (auto* s = stringColumn(f, name)) return *s;
  auto it = f.columns.find(name);
  if (it == f.columns.end() || it->second.kind != ObsColumn::Kind::Categorical) return std::nullopt;
  std::vector<std::string> out;
  for (auto c : it->second.codes) out.push_back(c < 0 ? std::string() : it->second.categories[size_t(c)]);
  return out;
}

std::vector<Gene> genesFrom(const Frame& var) {
  std::vector<Gene> genes(var.index.size());
  auto ids = textColumn(var, "gene_ids");
  if (!ids) ids = textColumn(var, "gene_id");
  bool ensemblIndex = !var.index.empty() && looksEnsembl(var.index.front());
  std::optional<std::vector<std::string>> symbols;
  for (const char* c : {"gene_symbols", "gene_name", "feature_name", "symbol", "gene_symbol"})
    if (!symbols) symbols = textColumn(var, c);
  for (size_t i = 0; i < genes.size(); ++i) {
    const std::string& idx = var.index[i];
    if (ids) genes[i] = Gene{(*ids)[i].empty() ? idx : (*ids)[i], idx};
    else if (ensemblIndex && symbols) genes[i] = Gene{idx, (*symbols)[i].empty() ? idx : (*symbols)[i]};
    else genes[i] = Gene{idx, idx};
  }
  return genes;
}
}  // namespace

// Defined in h5ad_spots.cpp.
namespace h5ad {
Status fillSpots(hid_t f, Frame& obs, SpatialSample& s, const std::string& ctx);
Status fillObsm(hid_t f, SpatialSample& s, const std::string& ctx);
Status fillSpatialUns(hid_t f, SpatialSample& s, const std::string& ctx);
}  // namespace h5ad

namespace {
Result<SpatialSample> readFrom(hid_t f, const std::string& ctx) {
  STAMP_ASSIGN(Frame obs, h5ad::readFrame(f, "obs", ctx));
  STAMP_ASSIGN(Frame var, h5ad::readFrame(f, "var", ctx));
  SpatialSample s;
  STAMP_ASSIGN(s.counts, readX(f, std::int64_t(obs.index.size()), std::int64_t(var.index.size()), ctx));
  s.genes = genesFrom(var);
  STAMP_CHECK(h5ad::fillSpots(f, obs, s, ctx));
  STAMP_CHECK(h5ad::fillObsm(f, s, ctx));
  STAMP_CHECK(h5ad::fillSpatialUns(f, s, ctx));
  if (h5::kindOf(f, "uns") == h5::Kind::Group) {
    Hid uns(H5Gopen2(f, "uns", H5P_DEFAULT));
    if (uns.valid()) s.uns = h5ad::readUnsJson(uns.get());
  }
  s.metadata.emplace("source_format", "h5ad");
  return s;
}
}  // namespace

Result<SpatialSample> readH5ad(const std::string& path) {
  return h5::guarded(path, [&]() -> Result<SpatialSample> {
    STAMP_ASSIGN(Hid f, h5::openFile(path));
    STAMP_ASSIGN(SpatialSample s, readFrom(f.get(), path));
    s.sourcePath = path;
    if (s.name.empty()) s.name = std::filesystem::path(path).stem().string();
    return s;
  });
}

Result<SpatialSample> readH5adImage(const void* data, std::size_t size, const std::string& name) {
  return h5::guarded(name, [&]() -> Result<SpatialSample> {
    STAMP_ASSIGN(Hid f, h5::openImage(data, size, name));
    STAMP_ASSIGN(SpatialSample s, readFrom(f.get(), name));
    s.sourcePath = name;
    if (s.name.empty()) s.name = name;
    return s;
  });
}

}  // namespace stamp::core::st
