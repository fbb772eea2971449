#pragma once
/// Batches for training, built ahead on worker threads, reproducible from a seed: micro-batch k
/// is a pure function of (seed, k), whatever the thread timing, so a resumed run sees the same
/// batches as one that never stopped. Torch-free.
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "data/neighbour_groups.h"
#include "data/pair_dataset.h"

namespace stamp::core::data {

using Sources = std::vector<std::shared_ptr<const SampleSource>>;

/// SplitMix64 of two words: independent seeds for (run seed, index) pairs.
std::uint64_t mixSeed(std::uint64_t a, std::uint64_t b);

/// Alignment micro-batch: `items` spots each followed by a random partner spot of the same
/// slide (STAMP-SPEC §4: the pair is flattened into the batch), so rows = 2 * items.
struct PairBatch {
  int rows = 0, context = 0;
  std::vector<float> patches, regions, refs;  // rows x kImageFloats / kImageFloats / kRefFloats
  std::vector<std::int64_t> tokens;           // rows x context
  std::vector<std::int64_t> cells;            // rows
  std::vector<std::uint8_t> hasCell;          // rows
  std::vector<SpotRef> spots;                 // rows
};

/// The order of spots: epoch e is a permutation of `items` seeded by (seed, e); micro-batch k
/// takes `batchSize` consecutive spots of it (the incomplete tail of an epoch is skipped).
class PairSampler {
 public:
  PairSampler(const Sources& sources, std::vector<SpotRef> items, int batchSize, std::uint64_t seed);
  std::int64_t batchesPerEpoch() const;
  /// (spot, item seed) per row of micro-batch k, partners interleaved.
  std::vector<std::pair<SpotRef, std::uint64_t>> rows(std::int64_t k) const;
  const std::vector<SpotRef>& items() const { return items_; }

 private:
  std::vector<SpotRef> items_;
  std::vector<std::vector<int>> bySource_;  // positions in items_ per source (partner pools)
  int batchSize_;
  std::uint64_t seed_;
};

Result<PairBatch> buildPairBatch(const Sources& sources, const std::vector<std::pair<SpotRef, std::uint64_t>>& rows,
                                 const PairOptions& o);

/// Pre-training micro-batch: groups of 9 spots (centre first), their tokens, masked tokens and
/// MLM targets (-100 where not masked); (groups * 9) x context each.
struct GroupBatch {
  int groups = 0, context = 0;
  std::vector<std::int64_t> tokens, masked, targets;
  std::int64_t maskedCount = 0;
};

/// Neighbour groups of the given spots (per source; only spots of `items` take part).
std::vector<std::vector<SpotRef>> groupSpots(const Sources& sources, const std::vector<SpotRef>& items,
                                             double maxDistance = 10.0);

class GroupSampler {
 public:
  GroupSampler(std::vector<std::vector<SpotRef>> groups, int groupsPerBatch, std::uint64_t seed);
  std::int64_t batchesPerEpoch() const;
  std::vector<std::pair<std::vector<SpotRef>, std::uint64_t>> groups(std::int64_t k) const;
  std::size_t groupCount() const { return groups_.size(); }

 private:
  std::vector<std::vector<SpotRef>> groups_;
  int perBatch_;
  std::uint64_t seed_;
};

/// Masks every row with its own seeded generator; when nothing was selected in the whole batch
/// (tiny batches) the first token of the first row is masked so the MLM loss is defined.
GroupBatch buildGroupBatch(const Sources& sources, const std::vector<std::pair<std::vector<SpotRef>, std::uint64_t>>& groups,
                           const MaskOptions& mask);

/// Builds batches ahead on `workers` threads, keeping up to `depth` queued. get(j) returns
/// batch j (blocking until built) and queues j+1..j+depth; asking out of order (after a resume)
/// just starts over there.
template <class Batch>
class Prefetcher {
 public:
  using Build = std::function<Result<Batch>(std::int64_t)>;
  Prefetcher(Build build, int workers, int depth) : build_(std::move(build)), depth_(std::max(1, depth)) {
    for (int i = 0; i < std::max(1, workers); ++i) threads_.emplace_back([this] { loop(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard l(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  Result<Batch> get(std::int64_t j) {
    for (std::int64_t k = j; k <= j + depth_; ++k)
      if (!pending_.count(k)) pending_[k] = enqueue(k);
    auto f = std::move(pending_[j]);
    pending_.erase(pending_.begin(), pending_.upper_bound(j));
    return f.get();
  }

 private:
  std::future<Result<Batch>> enqueue(std::int64_t k) {
    auto task = std::make_shared<std::packaged_task<Result<Batch>()>>([this, k] { return build_(k); });
    auto fut = task->get_future();
    {
      std::lock_guard l(m_);
      queue_.push([task] { (*task)(); });
    }
    cv_.notify_one();
    return fut;
  }
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock l(m_);
        cv_.wait(l, [this] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        job = std::move(queue_.front());
        queue_.pop();
      }
      job();
    }
  }
  Build build_;
  std::int64_t depth_;
  std::map<std::int64_t, std::future<Result<Batch>>> pending_;
  std::mutex m_;
  std::condition_variable cv_;
  std::queue<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace stamp::core::data
