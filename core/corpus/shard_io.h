#pragma once
/// Row-oriented HDF5 files of the corpus layout (see corpus.h): written in row blocks with
/// known total size, read back in row blocks. Used for the per-sample parts and the shards.
/// Readers accept the published pipeline's shards too: any integer dtype, missing image,
/// label and id datasets.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace stamp::core::corpus {

/// Consecutive rows of a corpus file; images are (rows, 3, H, W) planar RGB.
struct RowBlock {
  long long rows = 0;
  int tokenLen = 0;
  int imagePx = 0;  // 0 when the block carries no images
  std::vector<std::int32_t> tokens;    // rows * tokenLen
  std::vector<std::uint8_t> images;    // rows * 3 * imagePx * imagePx
  std::vector<std::uint8_t> regions;   // images_aug, same size
  std::vector<std::int32_t> posLabel;  // rows
  std::vector<std::int32_t> slideId;
  std::vector<std::int32_t> datasetId;
  std::vector<std::int64_t> spotIndex;
  std::size_t imageBytes() const { return std::size_t(3) * std::size_t(imagePx) * std::size_t(imagePx); }
  /// Empties the block for `tokenLen`/`imagePx` rows, keeping capacity.
  void reset(int tokenLen, int imagePx);
  /// Appends row `r` of `other` (same tokenLen/imagePx).
  void appendRow(const RowBlock& other, long long r);
};

/// Writes a file of exactly `rows` rows, block after block. Not thread-safe; one per file.
class RowWriter {
 public:
  static Result<RowWriter> create(const std::string& path, long long rows, int tokenLen,
                                  int imagePx);
  RowWriter(RowWriter&&) noexcept;
  RowWriter& operator=(RowWriter&&) noexcept;
  ~RowWriter();
  /// Appends the block after the rows written so far; error past the declared total.
  Status write(const RowBlock& block);
  /// Checks every row was written, closes the file.
  Status close();
  long long written() const;

 private:
  struct Impl;
  explicit RowWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Reads row ranges of a corpus file. HDF5 calls are serialised by the library; one reader
/// per thread.
class RowReader {
 public:
  static Result<RowReader> open(const std::string& path);
  RowReader(RowReader&&) noexcept;
  RowReader& operator=(RowReader&&) noexcept;
  ~RowReader();
  long long rows() const;
  int tokenLen() const;
  bool hasImages() const;  // both images and images_aug present
  int imagePx() const;     // their side; 0 without images
  /// Rows [start, start + count); images only when `withImages` and present.
  Result<RowBlock> read(long long start, long long count, bool withImages) const;
  /// The whole batch_slide_id column (-1 per row when the file has none).
  Result<std::vector<std::int32_t>> slideIds() const;

 private:
  struct Impl;
  explicit RowReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stamp::core::corpus
