#pragma once
/// CorpusReader: streams training batches from a folder of corpus shards (ours, see corpus.h,
/// or the published STAMP pipeline's: any *.h5 with `tokenized_gene`; images, pos_label and
/// ids are optional). Torch-free: batches are plain vectors the trainer wraps in tensors.
///
/// Order, for epoch e and seed s:
///   1. the shards are shuffled with (s, e) and rank r of W takes shards r, r + W, r + 2W, ...
///      (disjoint across ranks; every shard read by exactly one rank per epoch);
///   2. each shard is read in blocks of `blockRows` consecutive rows, the blocks of a shard in
///      a shuffled order;
///   3. rows go through a shuffle buffer of `shuffleBuffer` rows: once full, a random row
///      leaves for each new one (the buffer drains at the end).
/// Memory: at most shuffleBuffer + blockRows rows (about 300 KB each with images).
/// The same (seed, epoch, rank, worldSize, options) gives the same batches. Not thread-safe.
/// Held-out data: `shardSubset` restricts the reader to some shards (ranks split those) and
/// `onlySlides`/`skipSlides` drop rows by batch_slide_id, so a training and a validation reader
/// over one folder never share a row. seek() resumes an epoch at any batch without reading the
/// rows before it (the order is replayed on row ids), which is what a resumed run needs.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace stamp::core::corpus {

struct ReaderOptions {
  int batchSize = 32;
  int shuffleBuffer = 2048;  // rows; 1 = no shuffling beyond shard and block order
  int blockRows = 64;        // rows read from a shard at a time
  bool shuffle = true;       // false: shards and rows in file order (evaluation)
  bool withImages = true;    // read images/images_aug when the shards have them
  bool dropLast = false;     // drop a final batch smaller than batchSize
  std::uint64_t seed = 0;
  int rank = 0;
  int worldSize = 1;
  std::vector<int> shardSubset;          // indices into shards(); empty = every shard
  std::vector<std::int32_t> onlySlides;  // when not empty: only rows of these slides
  std::vector<std::int32_t> skipSlides;  // rows of these slides are left out
};

/// One batch; row i of each field belongs to the same spot.
struct CorpusBatch {
  int rows = 0;
  int tokenLen = 0;                    // 4096 for our shards
  int imagePx = 0;                     // 224; 0 when the batch has no images
  std::vector<std::int32_t> tokens;    // rows * tokenLen, token ids (0 = padding)
  std::vector<std::uint8_t> images;    // rows * 3 * imagePx * imagePx, CHW RGB spot patches
  std::vector<std::uint8_t> regions;   // the same for the region crops (images_aug)
  std::vector<std::int32_t> posLabel;  // cell 0..8, -1 = none (or absent in the shard)
  std::vector<std::int32_t> slideId;   // batch_slide_id (-1 when absent)
  std::vector<std::int32_t> datasetId;
  std::vector<std::int64_t> spotIndex;  // row of the spot in its sample (-1 when absent)
  std::vector<std::int32_t> shard;      // index into CorpusReader::shards() (names a bad row's file)
};

struct ShardInfo {
  std::string path;
  long long rows = 0;
  bool images = false;
};

class CorpusReader {
 public:
  /// Lists the shards of `folder` (tokens-<k>.h5 by k, other *.h5 holding tokenized_gene by
  /// name). Errors: no shard, a shard that is not a corpus file, token lengths that differ,
  /// fewer shards than ranks, bad options.
  static Result<CorpusReader> open(const std::string& folder, const ReaderOptions& options = {});
  CorpusReader(CorpusReader&&) noexcept;
  CorpusReader& operator=(CorpusReader&&) noexcept;
  ~CorpusReader();

  /// Starts epoch `epoch` (shard and row order depend on it). Called by open with 0.
  void startEpoch(int epoch);
  /// The next batch of this rank, or nullopt at the end of the epoch.
  Result<std::optional<CorpusBatch>> next();

  /// Positions the reader so that next() returns batch `batch` of epoch `epoch`, exactly as if
  /// the batches before it had been read: the shard, block and buffer order is replayed on row
  /// ids alone, then only the rows left in the shuffle buffer are read (memory stays bounded).
  /// Error when `batch` is past the epoch's end or a shard cannot be read.
  Status seek(int epoch, long long batch);
  /// (epoch, index in the epoch) of the batch next() returns.
  std::pair<int, long long> position() const;
  /// Batches next() yields in epoch `epoch` (from row counts; nothing is read).
  long long batchesInEpoch(int epoch) const;

  const std::vector<ShardInfo>& shards() const;      // all shards of the folder
  std::vector<std::string> shardsOfRank(int epoch) const;  // this rank's shards, in read order
  long long rowsOfRank(int epoch) const;             // rows this rank reads (after the slide filters)
  long long selectedRows() const;                    // rows of the subset shards the filters keep
  long long keptRows(int shard) const;               // rows of shard `shard` the slide filters keep
  /// Rows of shard `shard` whose batch_slide_id is one of `slides` (sorted), filters aside.
  long long rowsOfSlides(int shard, const std::vector<std::int32_t>& slides) const;
  /// Distinct batch_slide_id values of the subset shards, sorted ({-1} for shards without ids).
  std::vector<std::int32_t> slideIds() const;
  bool hasImages() const;  // every shard has images (and withImages)
  int tokenLen() const;

 private:
  struct Impl;
  explicit CorpusReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stamp::core::corpus
