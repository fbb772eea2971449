#pragma once
/// SpatialSample: one spatial transcriptomics sample (spots, genes, counts, geometry, images).
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stamp::core::st {

struct Spot {
  std::string barcode;
  int arrayRow = -1;
  int arrayCol = -1;
  double x = std::nan("");  // full-resolution pixel column (pxl_col_in_fullres)
  double y = std::nan("");  // full-resolution pixel row (pxl_row_in_fullres)
  bool inTissue = true;
};

struct Gene {
  std::string id;      // Ensembl id when known, else the symbol
  std::string symbol;  // gene name; may equal id
};

/// Checks that `indptr` partitions `nnz` stored values into `major` rows (or columns: `unit`
/// names them in the message): major + 1 entries from 0, never decreasing, ending at nnz.
std::optional<std::string> checkIndptr(const std::vector<std::int64_t>& indptr, std::int64_t major,
                                       std::int64_t nnz, const char* unit = "row");

/// Compressed sparse rows: rows = spots, cols = genes. Values are float32 counts.
struct CsrMatrix {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<std::int64_t> indptr;  // rows + 1
  std::vector<std::int32_t> indices;
  std::vector<float> data;
  std::int64_t nnz() const { return std::int64_t(data.size()); }
  /// Total counts per row (spot).
  std::vector<double> rowSums() const;
  /// Checks indptr monotonic, indices in range, sizes consistent; message on failure.
  std::optional<std::string> validate() const;
};

/// Dense row-major float32 matrix (embeddings in obsm).
struct DenseMatrix {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<float> data;
  float at(std::int64_t r, std::int64_t c) const { return data[std::size_t(r * cols + c)]; }
};

/// Space Ranger scalefactors_json.json (0 when absent).
struct ScaleFactors {
  double hiresScalef = 0;
  double lowresScalef = 0;
  double spotDiameterFullres = 0;
  double fiducialDiameterFullres = 0;
  /// Other numeric keys as read (regist_target_img_scalef, bin_size_um, microns_per_pixel...).
  std::map<std::string, double> extra;
};

/// An obs column other than the spot fields above: categorical (strings) or numeric.
struct ObsColumn {
  std::vector<std::string> categories;  // categorical when non-empty or when `isCategorical`
  std::vector<std::int32_t> codes;      // -1 = NA
  std::vector<double> numbers;          // numeric column
  std::vector<std::string> strings;     // plain string column
  enum class Kind { Categorical, Numeric, String } kind = Kind::Numeric;
  /// Rows in the column, whatever its kind.
  std::size_t size() const {
    return kind == Kind::Categorical ? codes.size() : kind == Kind::String ? strings.size() : numbers.size();
  }
};

struct SpatialSample {
  std::string name;        // sample id (folder name, file stem or HEST id)
  std::string sourcePath;  // what it was read from
  std::vector<Spot> spots;
  std::vector<Gene> genes;
  CsrMatrix counts;  // spots x genes
  ScaleFactors scale;
  std::string fullresImage;  // optional paths to images of the tissue
  std::string hiresImage;
  std::string lowresImage;
  /// organ, magnification, pixel_size_um, st_technology, ... (strings as read)
  std::map<std::string, std::string> metadata;
  std::map<std::string, ObsColumn> obs;     // extra obs columns, by name
  std::map<std::string, DenseMatrix> obsm;  // e.g. X_stamp_gene (spatial is kept in spots)
  nlohmann::json uns = nlohmann::json::object();

  std::size_t spotCount() const { return spots.size(); }
  std::size_t geneCount() const { return genes.size(); }
  /// Spot diameter in full-resolution pixels: scalefactors, else 55 um / pixel size, else 0.
  double spotDiameterPx() const;
  /// Micrometres per full-resolution pixel from metadata (pixel_size_um*), if present.
  std::optional<double> pixelSizeUm() const;
};

}  // namespace stamp::core::st
