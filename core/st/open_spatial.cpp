#include "st/open_spatial.h"

#include <filesystem>

#include "common/fs_util.h"
#include "st/h5ad.h"
#include "st/hdf5_util.h"
#include "st/space_ranger.h"

namespace stamp::core::st {
namespace fs = std::filesystem;

namespace {
using fsutil::endsWith;
using fsutil::isDir;
using fsutil::isFile;

std::string lowerName(const fs::path& p) { return fsutil::lowered(p.filename().string()); }

Error notSpatial(const std::string& path) {
  return makeError(ErrorCode::Unsupported,
                   "not a spatial transcriptomics input: expected a .h5ad file, a 10x .h5 matrix "
                   "with a spatial/ folder, a Space Ranger outs/ folder, a Matrix Market folder "
                   "with spatial/, or a HEST-1k folder (st/ + wsis/)",
                   path);
}

/// ./spatial or ../spatial for a matrix that lives in `dir`; empty when neither exists.
fs::path spatialBeside(const fs::path& dir) {
  for (const fs::path& p : {dir / "spatial", dir.parent_path() / "spatial"})
    if (isDir(p)) return p;
  return {};
}

/// A bare matrix is still expression data (tokenising and gene embeddings need no positions):
/// spots keep unknown coordinates (NaN, grid -1) and metadata["positions"] says why.
SpatialSample withoutPositions(FeatureMatrix fm, const fs::path& matrixPath) {
  SpatialSample s;
  for (auto& b : fm.barcodes) {
    Spot sp;
    sp.barcode = std::move(b);
    s.spots.push_back(std::move(sp));
  }
  s.genes = std::move(fm.genes);
  s.counts = std::move(fm.counts);
  for (auto& [k, v] : fm.attributes) s.metadata[k] = v;
  s.metadata["positions"] = "missing: no spatial/ folder next to the matrix";
  s.sourcePath = matrixPath.string();
  return s;
}

Result<SpatialSample> withSpatial(Result<FeatureMatrix> fm, const fs::path& matrixPath) {
  if (!fm.ok()) return fm.error();
  fs::path dir = isDir(matrixPath) ? matrixPath : matrixPath.parent_path();
  if (dir.empty()) dir = ".";
  fs::path spatial = spatialBeside(dir);
  SpatialSample s;
  if (spatial.empty()) {
    s = withoutPositions(std::move(fm).value(), matrixPath);
    spatial = dir / "spatial";  // for the naming below
  } else {
    STAMP_ASSIGN(s, attachSpatial(std::move(fm).value(), spatial, matrixPath.string()));
  }
  fs::path outs = spatial.parent_path();
  s.name = lowerName(outs) == "outs" ? outs.parent_path().filename().string() : outs.filename().string();
  s.fullresImage = findFullresImage(outs);
  s.metadata["source_format"] = "space_ranger";
  return s;
}

Result<SpatialSample> openHestRoot(const fs::path& root) {
  auto ids = listHestSamples(root.string());
  if (ids.empty())
    return makeError(ErrorCode::NotFound, "HEST folder without samples (st/*.h5ad)", root.string());
  if (ids.size() == 1) return readHestSample(root.string(), ids.front());
  std::string list;
  for (size_t i = 0; i < ids.size() && i < 20; ++i) list += (i ? ", " : "") + ids[i];
  if (ids.size() > 20) list += ", ... (" + std::to_string(ids.size()) + " in all)";
  return makeError(ErrorCode::InvalidArgument,
                   "HEST folder holds " + std::to_string(ids.size()) + " samples (" + list +
                       "); pick one with '" + root.string() + "#<id>' or '" + root.string() +
                       "/st/<id>.h5ad'",
                   root.string());
}

/// A .h5/.hdf5 file: a 10x matrix (group `matrix`) or an AnnData written with another suffix.
Result<SpatialSample> openH5(const fs::path& p) {
  bool anndata = false;
  {
    h5::ErrorSilencer quiet;
    auto f = h5::openFile(p.string());
    if (!f.ok()) return f.error();
    anndata = h5::kindOf(f->get(), "obs") != h5::Kind::None &&
              h5::kindOf(f->get(), "matrix") == h5::Kind::None;
  }
  if (anndata) return readH5ad(p.string());
  return withSpatial(read10xH5(p.string()), p);
}

Result<SpatialSample> openFile(const fs::path& p) {
  std::string n = lowerName(p);
  if (endsWith(n, ".h5ad")) {
    fs::path st = p.parent_path();
    if (st.filename() == "st" && isDir(st.parent_path() / "wsis"))
      return readHestSample(st.parent_path().string(), p.stem().string());
    return readH5ad(p.string());
  }
  if (endsWith(n, ".h5") || endsWith(n, ".hdf5")) return openH5(p);
  if (endsWith(n, ".mtx") || endsWith(n, ".mtx.gz"))
    return withSpatial(readMatrixMarketDir(p.parent_path().string()), p.parent_path());
  return notSpatial(p.string());
}

Result<SpatialSample> openFolder(const fs::path& dir) {
  if (isDir(dir / "st") && !listHestSamples(dir.string()).empty()) return openHestRoot(dir);
  for (const char* m : {"filtered_feature_bc_matrix.h5", "raw_feature_bc_matrix.h5",
                        "filtered_feature_bc_matrix", "raw_feature_bc_matrix"})
    if (fs::exists(dir / m) && isDir(dir / "spatial")) return readSpaceRanger(dir.string());
  if (isDir(dir / "outs")) return readSpaceRanger((dir / "outs").string());
  if (isFile(dir / "matrix.mtx") || isFile(dir / "matrix.mtx.gz"))
    return withSpatial(readMatrixMarketDir(dir.string()), dir);
  if (isDir(dir / "spatial")) return readSpaceRanger(dir.string());  // e.g. <sample>_filtered_...h5
  return notSpatial(dir.string());
}
}  // namespace

Result<SpatialSample> openSpatial(const std::string& path) {
  if (path.empty()) return makeError(ErrorCode::InvalidArgument, "no input path given");
  size_t hash = path.rfind('#');
  if (hash != std::string::npos && !fs::exists(path) && isDir(path.substr(0, hash)))
    return readHestSample(path.substr(0, hash), path.substr(hash + 1));
  fs::path p(path);
  if (p.filename().empty()) p = p.parent_path();
  std::error_code ec;
  if (!fs::exists(p, ec)) return makeError(ErrorCode::NotFound, "no such file or folder", path);
  if (isDir(p)) return openFolder(p);
  return openFile(p);
}

}  // namespace stamp::core::st
