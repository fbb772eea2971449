#pragma once
/// The per-spot ranking kernel of the tokenizer (internal to st/tokenizer.cpp and its tests).
///
/// The reference ranks a spot's non-zero values v = c * (1e4 / total) / r by v descending,
/// ties by template index ascending (numpy's stable argsort of -v). A spot has ~2,000 values
/// but far fewer distinct (count, rounded mean) pairs, and v depends only on that pair; so we
/// compute v once per pair, sort the pairs, and place every gene with a counting sort that
/// visits genes in template order, which is exactly the reference's tie-break. No per-spot
/// comparison sort remains; the result is bit-identical because each v is computed by the
/// same floating-point operations in the same order as the reference.
#include <cstdint>
#include <vector>

#include "st/spatial_sample.h"
#include "st/vocabulary.h"

namespace stamp::core::st::detail {

/// What a tokenizer needs of one sample, computed once per sample (not per spot).
struct SampleMap {
  std::vector<int> column;           // sample column -> template index, -1 when unknown
  std::vector<std::uint32_t> rclass; // template index -> index into rvalue
  std::vector<double> rvalue;        // the distinct rounded means
  std::size_t vocabSize = 0;
};

/// `rounded` has the vocabulary's rounded means; `column` the sample's column mapping.
SampleMap makeSampleMap(std::vector<int> column, const std::vector<double>& rounded);

/// Scratch buffers of one worker thread, reused across spots.
class SpotRanker {
 public:
  explicit SpotRanker(const SampleMap& map);
  /// Ranks the CSR row [begin, end) of `m` into the maxLen ids of `out` (zero-padded).
  /// Returns the number of gene ids written.
  int rankRow(const CsrMatrix& m, std::int64_t begin, std::int64_t end, int maxLen,
              TokenId* out);
  /// Same for explicit (template index, count) pairs (duplicates summed).
  int rankPairs(const std::vector<std::pair<int, double>>& pairs, int maxLen, TokenId* out);

 private:
  struct Group {
    double count;
    int rclass;
    int size;
    double value;
    int bucket;
  };
  bool gatherSorted(const CsrMatrix& m, std::int64_t begin, std::int64_t end, double* total);
  double gatherUnsorted(const CsrMatrix& m, std::int64_t begin, std::int64_t end);
  void accumulate(int idx, double c);
  double drainAccumulator();
  void reserveTable(std::size_t n);
  int groupOf(double c, int rclass);
  int hashedGroupOf(double c, int rclass);
  int newGroup(double c, int rclass);
  int rank(double total, int maxLen, TokenId* out);
  int assignBuckets(double scale);
  void resetGroups();

  const SampleMap& map_;
  struct Gene {
    int index;  // template index; a spot's genes come ascending and unique
    int group;  // its (count, rclass) group
  };
  std::vector<Gene> genes_;       // capacity for the current row; the first count_ are in use
  std::size_t count_ = 0;
  std::vector<double> acc_;       // dense accumulator for unsorted rows (template order)
  std::vector<std::uint64_t> seen_;  // bitmap of acc_ entries in use
  std::vector<Group> groups_;
  std::vector<std::pair<double, int>> order_;  // (value, group) by value descending
  std::vector<int> bucketPos_;    // next output position per distinct value
  struct Slot {
    std::uint64_t key;
    int rclass;
    int group;
  };
  std::vector<Slot> table_;       // open addressing (count bits, rclass) -> group
  std::vector<int> usedSlots_;
  static constexpr std::size_t kDirectCounts = 256;
  std::vector<int> direct_;       // integral count * classes + rclass -> group, -1 when unused
  std::vector<int> usedDirect_;
  int tableBits_ = 0;
};

}  // namespace stamp::core::st::detail
