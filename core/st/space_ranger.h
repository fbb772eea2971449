#pragma once
/// 10x Genomics Space Ranger (Visium) outputs: feature-barcode matrices (.h5 and Matrix Market),
/// tissue positions, scale factors, and whole `outs/` folders; writers for the same layout.
///
/// Full-resolution image rule (readSpaceRanger): Space Ranger does not copy the slide into
/// `outs/`, so we look for one beside it: the first file, in name order, with extension
/// .tif/.tiff/.btf/.svs/.ndpi/.scn/.mrxs/.jpg/.jpeg directly in the outs folder, else directly
/// in its parent folder. Nothing found leaves `fullresImage` empty.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "st/spatial_sample.h"

namespace stamp::core::st {

/// A feature-barcode matrix: counts are barcodes x genes (CSR), whatever the file's layout.
struct FeatureMatrix {
  std::vector<std::string> barcodes;
  std::vector<Gene> genes;
  CsrMatrix counts;
  /// Root attributes of a 10x .h5 that are plain strings (chemistry_description, ...).
  std::map<std::string, std::string> attributes;
};

// ---- feature-barcode matrices ----
/// filtered_/raw_feature_bc_matrix.h5 (Cell Ranger >= 3 / Space Ranger layout, group `matrix`).
Result<FeatureMatrix> read10xH5(const std::string& path);
/// The same from an in-memory HDF5 file image; `name` is used in errors.
Result<FeatureMatrix> read10xH5Image(const void* data, std::size_t size, const std::string& name);

/// Writes a Space Ranger style .h5. Counts go out as int32 (what Space Ranger writes) when every
/// value is integral and fits; otherwise as float32 so that normalised values are not truncated
/// (scanpy's read_10x_h5 reads either). Strings are fixed-length, datasets gzip-compressed.
Status write10xH5(const std::string& path, const SpatialSample& sample);

/// A Matrix Market folder: matrix.mtx(.gz) (genes x barcodes), barcodes.tsv(.gz),
/// features.tsv(.gz) or genes.tsv(.gz).
Result<FeatureMatrix> readMatrixMarketDir(const std::string& dir);
/// "%%MatrixMarket matrix coordinate integer|real|pattern general": genes x barcodes in the file,
/// returned transposed as barcodes x genes. Dimensions above `maxDim` are refused.
Result<CsrMatrix> parseMatrixMarket(std::string_view text, const std::string& name,
                                    std::int64_t maxDim = INT32_MAX - 1);
/// One barcode per line.
Result<std::vector<std::string>> parseBarcodes(std::string_view text, const std::string& name);
/// features.tsv (id, name, type) or genes.tsv (id, name); a single column is both id and symbol.
Result<std::vector<Gene>> parseFeatures(std::string_view text, const std::string& name);
/// A whole file, gunzipped when it is gzip (by magic bytes, not by name).
Result<std::string> readMaybeGzip(const std::string& path);
/// Gunzips (or passes through) an in-memory buffer; `maxBytes` bounds the output.
Result<std::string> gunzipIfNeeded(std::string_view bytes, const std::string& name,
                                   std::size_t maxBytes = std::size_t(1) << 34);

// ---- spatial/ files ----
/// tissue_positions.csv (with header, any column order) or tissue_positions_list.csv
/// (no header: barcode,in_tissue,array_row,array_col,pxl_row_in_fullres,pxl_col_in_fullres).
Result<std::vector<Spot>> readTissuePositions(const std::string& path);
Result<std::vector<Spot>> parseTissuePositions(std::string_view text, const std::string& name);
/// Writes tissue_positions.csv with the Space Ranger 2 header.
std::string formatTissuePositions(const std::vector<Spot>& spots);

Result<ScaleFactors> readScaleFactors(const std::string& path);
Result<ScaleFactors> parseScaleFactors(std::string_view text, const std::string& name);
std::string formatScaleFactors(const ScaleFactors& s);

// ---- whole outputs ----
/// `path` is an outs/ folder (filtered .h5 preferred, then raw .h5, then the filtered / raw
/// Matrix Market folders) or any folder holding such a matrix and a spatial/ folder.
Result<SpatialSample> readSpaceRanger(const std::string& path);
/// Joins a matrix with the positions, scale factors and image paths of `spatialDir`. Every
/// matrix barcode needs a position (else Mismatch); positions without expression are dropped.
Result<SpatialSample> attachSpatial(FeatureMatrix matrix, const std::filesystem::path& spatialDir,
                                    const std::string& matrixPath);
/// Applies the full-resolution image rule above to an outs folder.
std::string findFullresImage(const std::filesystem::path& outsDir);

/// Writes filtered_feature_bc_matrix.h5, spatial/tissue_positions.csv (with header) and
/// spatial/scalefactors_json.json under `dir` (created if missing). Every file is atomic.
Status writeSpaceRangerOuts(const std::string& dir, const SpatialSample& sample);

}  // namespace stamp::core::st
