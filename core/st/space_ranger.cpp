// Whole Space Ranger outputs: locating the matrix, joining positions, writing an outs/ folder.
#include "st/space_ranger.h"

#include <algorithm>
#include <unordered_map>

#include "common/atomic_file.h"
#include "common/fs_util.h"

namespace stamp::core::st {
namespace fs = std::filesystem;

namespace {
using fsutil::isDir;
using fsutil::isFile;

std::string lowerExt(const fs::path& p) { return fsutil::lowered(p.extension().string()); }

/// Files in `dir` whose name ends with `suffix` (e.g. "V1_Heart_filtered_feature_bc_matrix.h5"
/// as downloaded from 10x's site), in name order.
std::vector<fs::path> filesEndingWith(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        it->is_regular_file(ec))
      out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<FeatureMatrix> readMatrixIn(const fs::path& dir, std::string* used) {
  for (const char* kind : {"filtered", "raw"}) {
    std::string name = std::string(kind) + "_feature_bc_matrix.h5";
    auto found = isFile(dir / name) ? std::vector<fs::path>{dir / name} : filesEndingWith(dir, name);
    if (!found.empty()) {
      *used = found.front().string();
      return read10xH5(*used);
    }
  }
  for (const char* kind : {"filtered", "raw"}) {
    fs::path mtx = dir / (std::string(kind) + "_feature_bc_matrix");
    if (isDir(mtx)) {
      *used = mtx.string();
      return readMatrixMarketDir(*used);
    }
  }
  return makeError(ErrorCode::NotFound,
                   "no feature-barcode matrix: expected filtered_feature_bc_matrix.h5, "
                   "raw_feature_bc_matrix.h5 or a filtered_/raw_feature_bc_matrix folder",
                   dir.string());
}

Status checkJoin(const FeatureMatrix& m, const std::unordered_map<std::string, size_t>& pos,
                 const std::string& matrixPath, const std::string& posPath) {
  size_t missing = 0;
  std::string example;
  for (const auto& b : m.barcodes)
    if (!pos.count(b) && missing++ == 0) example = b;
  if (missing == 0) return {};
  return makeError(ErrorCode::Mismatch,
                   std::to_string(missing) + " of " + std::to_string(m.barcodes.size()) +
                       " barcodes of the matrix " + matrixPath + " have no position in " + posPath +
                       " (first: " + example + "); are the matrix and spatial folder from the same run?",
                   posPath);
}
}  // namespace

std::string findFullresImage(const fs::path& outsDir) {
  static const char* const kExts[] = {".tif", ".tiff", ".btf", ".svs", ".ndpi",
                                      ".scn", ".mrxs", ".jpg", ".jpeg"};
  for (const fs::path& dir : {outsDir, outsDir.parent_path()}) {
    if (dir.empty() || !isDir(dir)) continue;
    std::vector<fs::path> found;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string ext = lowerExt(it->path());
      if (std::find(std::begin(kExts), std::end(kExts), ext) != std::end(kExts) &&
          it->is_regular_file(ec))
        found.push_back(it->path());
    }
    if (found.empty()) continue;
    std::sort(found.begin(), found.end());
    return found.front().string();
  }
  return {};
}

Result<SpatialSample> attachSpatial(FeatureMatrix matrix, const fs::path& spatialDir,
                                    const std::string& matrixPath) {
  fs::path posPath = spatialDir / "tissue_positions.csv";
  if (!isFile(posPath)) posPath = spatialDir / "tissue_positions_list.csv";
  if (!isFile(posPath))
    return makeError(ErrorCode::NotFound,
                     "no tissue_positions.csv or tissue_positions_list.csv (spot positions)",
                     spatialDir.string());
  STAMP_ASSIGN(auto positions, readTissuePositions(posPath.string()));
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < positions.size(); ++i) index.emplace(positions[i].barcode, i);
  STAMP_CHECK(checkJoin(matrix, index, matrixPath, posPath.string()));
  SpatialSample s;
  s.spots.reserve(matrix.barcodes.size());
  for (const auto& b : matrix.barcodes) s.spots.push_back(positions[index.at(b)]);
  s.genes = std::move(matrix.genes);
  s.counts = std::move(matrix.counts);
  for (auto& [k, v] : matrix.attributes) s.metadata[k] = v;
  fs::path sf = spatialDir / "scalefactors_json.json";
  if (isFile(sf)) {
    STAMP_ASSIGN(s.scale, readScaleFactors(sf.string()));
  }
  if (isFile(spatialDir / "tissue_hires_image.png")) s.hiresImage = (spatialDir / "tissue_hires_image.png").string();
  if (isFile(spatialDir / "tissue_lowres_image.png")) s.lowresImage = (spatialDir / "tissue_lowres_image.png").string();
  s.sourcePath = matrixPath;
  return s;
}

Result<SpatialSample> readSpaceRanger(const std::string& path) {
  fs::path dir = fs::path(path);
  if (dir.filename().empty()) dir = dir.parent_path();  // trailing slash
  if (!isDir(dir)) return makeError(ErrorCode::NotFound, "folder not found", path);
  std::string used;
  STAMP_ASSIGN(FeatureMatrix m, readMatrixIn(dir, &used));
  if (!isDir(dir / "spatial"))
    return makeError(ErrorCode::NotFound, "no spatial/ folder with the spot positions", dir.string());
  STAMP_ASSIGN(SpatialSample s, attachSpatial(std::move(m), dir / "spatial", used));
  s.sourcePath = dir.string();
  std::string folder = dir.filename().string();
  s.name = (folder == "outs" && !dir.parent_path().empty()) ? dir.parent_path().filename().string()
                                                            : folder;
  s.fullresImage = findFullresImage(dir);
  s.metadata["source_format"] = "space_ranger";
  return s;
}

Status writeSpaceRangerOuts(const std::string& dirPath, const SpatialSample& sample) {
  fs::path dir(dirPath);
  std::error_code ec;
  fs::create_directories(dir / "spatial", ec);
  if (ec) return makeError(ErrorCode::Io, "cannot create folder: " + ec.message(), dir.string());
  for (const Spot& s : sample.spots)
    if (!std::isfinite(s.x) || !std::isfinite(s.y))
      return makeError(ErrorCode::InvalidArgument,
                       "spot " + s.barcode + " has no pixel position; cannot write tissue_positions.csv",
                       dir.string());
  STAMP_CHECK(write10xH5((dir / "filtered_feature_bc_matrix.h5").string(), sample));
  STAMP_CHECK(writeFileAtomic(dir / "spatial" / "tissue_positions.csv",
                              formatTissuePositions(sample.spots)));
  return writeFileAtomic(dir / "spatial" / "scalefactors_json.json",
                         formatScaleFactors(sample.scale));
}

}  // namespace stamp::core::st
