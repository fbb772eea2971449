// 10x feature-barcode matrix .h5: reading (any numeric/string variant) and writing.
#include <cmath>

#include "common/atomic_file.h"
#include "st/hdf5_util.h"
#include "st/space_ranger.h"

namespace stamp::core::st {
namespace {
using h5::Hid;

Error bad(const std::string& ctx, const std::string& msg) {
  return makeError(ErrorCode::Format, msg, ctx);
}

/// A dataset under `g`, as the error context "<file>: matrix/<name>".
template <class F>
auto readIn(hid_t g, const std::string& group, const std::string& name, const std::string& ctx,
            F reader) -> decltype(reader(hid_t(), std::string())) {
  STAMP_ASSIGN(Hid d, h5::openDataset(g, name, ctx + ": " + group));
  return reader(d.get(), ctx + ": " + group + "/" + name);
}

Result<std::vector<std::string>> strings(hid_t g, const std::string& grp, const std::string& name,
                                         const std::string& ctx) {
  return readIn(g, grp, name, ctx, h5::readStrings);
}

struct Shape {
  std::int64_t features = 0, barcodes = 0;
};

Result<Shape> readShape(hid_t g, const std::string& grp, const std::string& ctx) {
  STAMP_ASSIGN(auto shape, readIn(g, grp, "shape", ctx, h5::readInt64s));
  if (shape.size() != 2) return bad(ctx, grp + "/shape must hold 2 numbers");
  if (shape[0] < 0 || shape[1] < 0 || shape[0] >= INT32_MAX || shape[1] >= INT32_MAX)
    return bad(ctx, grp + "/shape has impossible dimensions");
  return Shape{shape[0], shape[1]};
}

/// data/indices/indptr of a CSC features x barcodes matrix == CSR barcodes x genes; indices and
/// data read in blocks straight into the int32/float32 vectors kept, as for .h5ad.
Result<CsrMatrix> readCounts(hid_t g, const std::string& grp, Shape shape, const std::string& ctx) {
  CsrMatrix m;
  m.rows = shape.barcodes;
  m.cols = shape.features;
  STAMP_ASSIGN(m.indptr, readIn(g, grp, "indptr", ctx, h5::readInt64s));
  if (m.indptr.size() != std::size_t(m.rows) + 1)
    return bad(ctx, grp + "/indptr has " + std::to_string(m.indptr.size()) +
                        " entries, expected number of barcodes + 1 = " + std::to_string(m.rows + 1));
  STAMP_ASSIGN(Hid ix, h5::openDataset(g, "indices", ctx + ": " + grp));
  STAMP_ASSIGN(Hid dd, h5::openDataset(g, "data", ctx + ": " + grp));
  const std::string lengths = grp + "/indices and " + grp + "/data differ in length";
  if (h5::shapeOf(ix.get()) != h5::shapeOf(dd.get())) return bad(ctx, lengths);
  STAMP_ASSIGN(m.indices, h5::readIndices(ix.get(), m.cols, ctx + ": " + grp + "/indices"));
  STAMP_ASSIGN(m.data, h5::readCounts(dd.get(), ctx + ": " + grp + "/data"));
  if (m.indices.size() != m.data.size()) return bad(ctx, lengths);
  if (auto why = m.validate()) return bad(ctx, grp + ": " + *why);
  return m;
}

Result<std::vector<Gene>> readGenes(hid_t g, const std::string& grp, bool legacy,
                                    std::int64_t n, const std::string& ctx) {
  // Cell Ranger >= 3: features/{id,name}; Cell Ranger 2: genes + gene_names.
  std::string idPath = legacy ? "genes" : "features/id";
  std::string namePath = legacy ? "gene_names" : "features/name";
  STAMP_ASSIGN(auto ids, strings(g, grp, idPath, ctx));
  std::vector<std::string> names = ids;
  if (h5::kindOf(g, namePath) == h5::Kind::Dataset) {
    STAMP_ASSIGN(names, strings(g, grp, namePath, ctx));
  }
  if (ids.size() != std::size_t(n) || names.size() != std::size_t(n))
    return makeError(ErrorCode::Mismatch,
                     grp + ": " + std::to_string(ids.size()) + " feature ids for " +
                         std::to_string(n) + " features in shape",
                     ctx);
  std::vector<Gene> genes(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i)
    genes[i] = Gene{ids[i], names[i].empty() ? ids[i] : names[i]};
  return genes;
}

/// The group holding the matrix: `matrix` or, in Cell Ranger 2 files, the one genome group.
Result<std::pair<std::string, bool>> findMatrixGroup(hid_t f, const std::string& ctx) {
  if (h5::kindOf(f, "matrix") == h5::Kind::Group) return std::pair<std::string, bool>("matrix", false);
  for (const auto& name : h5::childNames(f))
    if (h5::kindOf(f, name + "/indptr") == h5::Kind::Dataset &&
        h5::kindOf(f, name + "/genes") == h5::Kind::Dataset)
      return std::pair<std::string, bool>(name, true);
  return bad(ctx, "not a 10x feature-barcode matrix: no 'matrix' group");
}

Result<FeatureMatrix> read10xFrom(hid_t f, const std::string& ctx) {
  STAMP_ASSIGN(auto where, findMatrixGroup(f, ctx));
  const std::string& grp = where.first;
  STAMP_ASSIGN(Hid g, h5::openGroup(f, grp, ctx));
  FeatureMatrix fm;
  STAMP_ASSIGN(Shape shape, readShape(g.get(), grp, ctx));
  STAMP_ASSIGN(fm.barcodes, strings(g.get(), grp, "barcodes", ctx));
  if (fm.barcodes.size() != std::size_t(shape.barcodes))
    return makeError(ErrorCode::Mismatch,
                     grp + "/barcodes has " + std::to_string(fm.barcodes.size()) +
                         " entries but shape says " + std::to_string(shape.barcodes),
                     ctx);
  STAMP_ASSIGN(fm.genes, readGenes(g.get(), grp, where.second, shape.features, ctx));
  STAMP_ASSIGN(fm.counts, readCounts(g.get(), grp, shape, ctx));
  for (const char* key : {"chemistry_description", "software_version", "filetype", "library_ids"}) {
    if (!h5::hasAttr(f, key)) continue;
    auto v = h5::readStringAttr(f, key);
    if (v.ok()) fm.attributes[key] = *v;
  }
  return fm;
}
}  // namespace

Result<FeatureMatrix> read10xH5(const std::string& path) {
  return h5::guarded(path, [&]() -> Result<FeatureMatrix> {
    STAMP_ASSIGN(Hid f, h5::openFile(path));
    return read10xFrom(f.get(), path);
  });
}

Result<FeatureMatrix> read10xH5Image(const void* data, std::size_t size, const std::string& name) {
  return h5::guarded(name, [&]() -> Result<FeatureMatrix> {
    STAMP_ASSIGN(Hid f, h5::openImage(data, size, name));
    return read10xFrom(f.get(), name);
  });
}

namespace {
bool allIntegral(const std::vector<float>& v) {
  for (float x : v)
    if (x != std::floor(x) || std::fabs(x) > 2147483647.0f) return false;
  return true;
}

Status checkWritable(const SpatialSample& s, const std::string& path) {
  if (auto why = s.counts.validate())
    return makeError(ErrorCode::InvalidArgument, "invalid count matrix: " + *why, path);
  if (std::size_t(s.counts.rows) != s.spots.size() || std::size_t(s.counts.cols) != s.genes.size())
    return makeError(ErrorCode::InvalidArgument,
                     "count matrix shape does not match the spots and genes", path);
  return {};
}

Status writeFeatures(hid_t matrix, const SpatialSample& s) {
  STAMP_ASSIGN(Hid feat, h5::createGroup(matrix, "features"));
  std::vector<std::string> ids, names;
  for (const Gene& g : s.genes) {
    ids.push_back(g.id.empty() ? g.symbol : g.id);
    names.push_back(g.symbol.empty() ? g.id : g.symbol);
  }
  h5::WriteOptions z{true};
  auto genome = s.metadata.count("genome") ? s.metadata.at("genome") : std::string();
  STAMP_CHECK(h5::writeStrings(feat.get(), "id", ids, true, z));
  STAMP_CHECK(h5::writeStrings(feat.get(), "name", names, true, z));
  STAMP_CHECK(h5::writeStrings(feat.get(), "feature_type",
                               std::vector<std::string>(ids.size(), "Gene Expression"), true, z));
  STAMP_CHECK(h5::writeStrings(feat.get(), "genome", std::vector<std::string>(ids.size(), genome),
                               true, z));
  return h5::writeStrings(feat.get(), "_all_tag_keys", {"genome"}, true, z);
}

Status writeMatrix(hid_t f, const SpatialSample& s) {
  STAMP_ASSIGN(Hid m, h5::createGroup(f, "matrix"));
  h5::WriteOptions z{true};
  std::vector<std::string> barcodes;
  for (const Spot& sp : s.spots) barcodes.push_back(sp.barcode);
  STAMP_CHECK(h5::writeStrings(m.get(), "barcodes", barcodes, true, z));
  const CsrMatrix& c = s.counts;
  std::uint64_t nnz = c.data.size();
  if (allIntegral(c.data)) {
    std::vector<std::int32_t> counts(c.data.begin(), c.data.end());
    STAMP_CHECK(h5::writeArray(m.get(), "data", counts.data(), {nnz}, z));
  } else {
    STAMP_CHECK(h5::writeArray(m.get(), "data", c.data.data(), {nnz}, z));
  }
  std::vector<std::int64_t> indices(c.indices.begin(), c.indices.end());
  STAMP_CHECK(h5::writeArray(m.get(), "indices", indices.data(), {nnz}, z));
  STAMP_CHECK(h5::writeArray(m.get(), "indptr", c.indptr.data(), {c.indptr.size()}, z));
  std::int32_t shape[2] = {std::int32_t(c.cols), std::int32_t(c.rows)};
  STAMP_CHECK(h5::writeArray(m.get(), "shape", shape, {2}, z));
  return writeFeatures(m.get(), s);
}

Status writeRootAttrs(hid_t f, const SpatialSample& s) {
  STAMP_CHECK(h5::writeStringAttr(f, "filetype", "matrix", true));
  STAMP_CHECK(h5::writeInt32sAttr(f, "version", {2}));
  STAMP_CHECK(h5::writeStringAttr(f, "software_version", "stamp-studio", true));
  STAMP_CHECK(h5::writeStringAttr(f, "library_ids", s.name.empty() ? "sample" : s.name, true));
  auto chem = s.metadata.find("chemistry_description");
  if (chem != s.metadata.end())
    STAMP_CHECK(h5::writeStringAttr(f, "chemistry_description", chem->second, true));
  return {};
}
}  // namespace

Status write10xH5(const std::string& path, const SpatialSample& sample) {
  STAMP_CHECK(checkWritable(sample, path));
  return writeViaTemp(path, [&](const std::filesystem::path& tmp) -> Status {
    return h5::guarded(path, [&]() -> Status {
      Status st;
      {
        STAMP_ASSIGN(Hid f, h5::createFile(tmp.string()));
        st = writeRootAttrs(f.get(), sample);
        if (st.ok()) st = writeMatrix(f.get(), sample);
        if (st.ok() && H5Fflush(f.get(), H5F_SCOPE_GLOBAL) < 0)
          st = makeError(ErrorCode::Io, "cannot flush HDF5 file");
      }  // closed before the rename
      return st.ok() ? st : st.error().within(path);
    });
  });
}

}  // namespace stamp::core::st
