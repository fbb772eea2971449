#pragma once
// Internal to the trainer: training from a corpus folder (stamp build-corpus or published STAMP
// shards) streamed through corpus::CorpusReader. Torch-free.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "corpus/reader.h"
#include "data/loader.h"
#include "engine/train_config.h"

namespace stamp::core::engine {

/// Which rows of a corpus train and which validate. "shards": the last shards validate;
/// "slides": whole slides (batch_slide_id) validate, so no spot of a validation slide trains.
struct CorpusSplit {
  std::vector<int> trainShards, valShards;  // indices into the folder's shard list
  std::vector<std::int32_t> valSlides;      // split "slides": rows of these slides validate
  long long trainRows = 0, valRows = 0;
  std::string note;                         // for the user when nothing validates
};
/// `probe`: the corpus opened without filters (the caller has it open already).
CorpusSplit splitCorpus(const TrainConfig& c, const corpus::CorpusReader& probe);
Result<CorpusSplit> splitCorpus(const TrainConfig& c);

/// Reader options of the training stream of `rank` / of the (rank 0) validation reader.
corpus::ReaderOptions trainReaderOptions(const TrainConfig& c, const CorpusSplit& split, int rank, int world, int rows,
                                         bool images);
corpus::ReaderOptions valReaderOptions(const TrainConfig& c, const CorpusSplit& split, int rows, bool images);

/// One rank's endless stream of fixed-size batches over epochs. Micro-batch k is a pure
/// function of (corpus, options, k): asked in order it reads on; asked for another k (a
/// resumed run) it seeks, from the anchor the checkpoint recorded, without reading the rows
/// before it. Not thread-safe (the prefetcher calls it from one worker).
class CorpusStream {
 public:
  struct Item {
    corpus::CorpusBatch batch;
    std::int64_t epoch = 0, batchAfter = 0;  // the reader's position after this batch
  };
  explicit CorpusStream(corpus::CorpusReader reader) : reader_(std::move(reader)) {}
  Result<Item> get(std::int64_t k);
  /// Micro-batch k starts at (epoch, batch): where a checkpoint says the stream stood.
  void setAnchor(std::int64_t k, std::int64_t epoch, std::int64_t batch);
  const corpus::CorpusReader& reader() const { return reader_; }

 private:
  Result<std::pair<int, long long>> locate(std::int64_t k) const;
  corpus::CorpusReader reader_;
  std::int64_t nextK_ = 0;
  std::int64_t anchorK_ = 0, anchorEpoch_ = 0, anchorBatch_ = 0;
};

/// Alignment rows from a corpus batch: spot patch, region crop (its cell = pos_label; -1 =
/// none), the 16 px reference (the patch resized), the first `context` tokens; augmented with
/// per-row seeds mixSeed(seed, k * 4096 + i) like the sample path. Errors: token ids outside
/// the model's vocabulary (naming the shard).
Result<data::PairBatch> pairBatchFromCorpus(const corpus::CorpusBatch& b, const corpus::CorpusReader& reader, int context,
                                            std::int64_t nTokens, const data::PairOptions& o, std::uint64_t seed, std::int64_t k);

/// Token rows (rows x context) of a corpus batch, range-checked like pairBatchFromCorpus.
Result<std::vector<std::int64_t>> tokensFromCorpus(const corpus::CorpusBatch& b, const corpus::CorpusReader& reader,
                                                   int context, std::int64_t nTokens);

/// Checks a corpus folder against the model: vocabulary size (manifest.json and the run's vocab
/// when given) and, for alignment, images in every shard.
Status checkCorpusFits(const TrainConfig& c, const corpus::CorpusReader& probe, int nGenes, bool needImages);

}  // namespace stamp::core::engine
