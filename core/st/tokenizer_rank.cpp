#include "st/tokenizer_rank.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>

#include "st/vocabulary.h"

namespace stamp::core::st::detail {

SampleMap makeSampleMap(std::vector<int> column, const std::vector<double>& rounded) {
  SampleMap m;
  m.column = std::move(column);
  m.vocabSize = rounded.size();
  m.rclass.resize(rounded.size());
  std::map<double, std::uint32_t> classes;  // the published means round to ~90 distinct values
  for (std::size_t i = 0; i < rounded.size(); ++i) {
    auto [it, added] = classes.emplace(rounded[i], std::uint32_t(m.rvalue.size()));
    if (added) m.rvalue.push_back(rounded[i]);
    m.rclass[i] = it->second;
  }
  return m;
}

SpotRanker::SpotRanker(const SampleMap& map)
    : map_(map), acc_(map.vocabSize), seen_((map.vocabSize + 63) / 64) {
  // ~90 classes x 256 counts: 90 KB, in L2. Skipped when an odd vocabulary has many classes.
  if (map.rvalue.size() * kDirectCounts <= (std::size_t(1) << 22))
    direct_.assign(map.rvalue.size() * kDirectCounts, -1);
}

int SpotRanker::newGroup(double c, int rclass) {
  groups_.push_back({c, rclass, 1, 0.0, -1});
  return int(groups_.size()) - 1;
}

inline int SpotRanker::groupOf(double c, int rclass) {
  // Counts are mostly small integers: a direct table serves them without hashing.
  if (c >= 1 && c < kDirectCounts && !direct_.empty() && double(int(c)) == c) {
    const std::size_t d = std::size_t(int(c)) * map_.rvalue.size() + std::size_t(rclass);
    int& g = direct_[d];
    if (g < 0) {
      g = newGroup(c, rclass);
      usedDirect_.push_back(int(d));
    } else {
      ++groups_[std::size_t(g)].size;
    }
    return g;
  }
  return hashedGroupOf(c, rclass);
}

int SpotRanker::hashedGroupOf(double c, int rclass) {
  std::uint64_t key;
  std::memcpy(&key, &c, sizeof key);
  std::uint64_t h = key ^ (key >> 29) ^ (std::uint64_t(rclass) * 0x9E3779B97F4A7C15ull);
  h *= 0xD6E8FEB86659FD93ull;
  const std::size_t mask = table_.size() - 1;
  for (std::size_t s = std::size_t(h >> (64 - tableBits_));; s = (s + 1) & mask) {
    Slot& slot = table_[s];
    if (slot.group < 0) {
      slot = {key, rclass, newGroup(c, rclass)};
      usedSlots_.push_back(int(s));
      return slot.group;
    }
    if (slot.key == key && slot.rclass == rclass) {
      ++groups_[std::size_t(slot.group)].size;
      return slot.group;
    }
  }
}

// Grouping happens while gathering: a gene's group depends on its count and mean, not on the
// spot's total, so one pass over the row does both.
bool SpotRanker::gatherSorted(const CsrMatrix& m, std::int64_t begin, std::int64_t end, double* total) {
  int last = -1;
  double sum = 0;
  Gene* out = genes_.data();  // sized by reserveTable for the whole row: no capacity checks
  std::size_t n = 0;
  for (std::int64_t k = begin; k < end; ++k) {
    const int t = map_.column[std::size_t(m.indices[std::size_t(k)])];
    const float d = m.data[std::size_t(k)];
    if (t < 0 || d == 0) continue;
    if (t <= last) return false;  // not in template order (or a duplicate gene): merge instead
    out[n++] = {t, groupOf(double(d), int(map_.rclass[std::size_t(t)]))};
    sum += double(d);
    last = t;
  }
  count_ = n;
  *total = sum;
  return true;
}

void SpotRanker::accumulate(int t, double c) {
  const std::uint64_t bit = std::uint64_t(1) << (t & 63);
  std::uint64_t& word = seen_[std::size_t(t) >> 6];
  if (word & bit) {
    acc_[std::size_t(t)] += c;  // input genes mapping to one template gene add up
  } else {
    word |= bit;
    acc_[std::size_t(t)] = c;
  }
}

double SpotRanker::drainAccumulator() {
  // Visiting the bitmap word by word yields the genes in template order without a sort.
  double sum = 0;
  for (std::size_t w = 0; w < seen_.size(); ++w) {
    for (std::uint64_t bits = seen_[w]; bits; bits &= bits - 1) {
      const int t = int(w * 64) + std::countr_zero(bits);
      const double c = acc_[std::size_t(t)];
      genes_[count_++] = {t, groupOf(c, int(map_.rclass[std::size_t(t)]))};
      sum += c;
    }
    seen_[w] = 0;
  }
  return sum;
}

double SpotRanker::gatherUnsorted(const CsrMatrix& m, std::int64_t begin, std::int64_t end) {
  for (std::int64_t k = begin; k < end; ++k) {
    const int t = map_.column[std::size_t(m.indices[std::size_t(k)])];
    const float d = m.data[std::size_t(k)];
    if (t >= 0 && d != 0) accumulate(t, double(d));
  }
  return drainAccumulator();
}

void SpotRanker::reserveTable(std::size_t n) {
  count_ = 0;
  if (genes_.size() < n) genes_.resize(n);  // a row has at most n distinct genes
  if (table_.size() < 2 * n || table_.empty()) {  // at most n groups: keep the load under 1/2
    tableBits_ = std::max(10, int(std::bit_width(2 * n - (n > 0))));
    table_.assign(std::size_t(1) << tableBits_, Slot{0, 0, -1});
  }
}

int SpotRanker::rankRow(const CsrMatrix& m, std::int64_t begin, std::int64_t end, int maxLen,
                        TokenId* out) {
  reserveTable(std::size_t(end - begin));
  double total = 0;
  if (!gatherSorted(m, begin, end, &total)) {
    resetGroups();
    count_ = 0;
    total = gatherUnsorted(m, begin, end);
  }
  return rank(total, maxLen, out);
}

int SpotRanker::rankPairs(const std::vector<std::pair<int, double>>& pairs, int maxLen,
                          TokenId* out) {
  reserveTable(pairs.size());
  for (auto [t, c] : pairs)
    if (t >= 0 && std::size_t(t) < map_.vocabSize && c != 0) accumulate(t, c);
  return rank(drainAccumulator(), maxLen, out);
}

int SpotRanker::assignBuckets(double scale) {
  for (Group& g : groups_) {
    // The reference's operations in its order: x * (1e4 / total) / rounded mean.
    g.value = g.count * scale / map_.rvalue[std::size_t(g.rclass)];
  }
  order_.resize(groups_.size());
  for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = {groups_[i].value, int(i)};
  std::sort(order_.begin(), order_.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  bucketPos_.clear();
  int pos = 0;
  const Group* prev = nullptr;
  for (auto [value, gi] : order_) {
    Group& g = groups_[std::size_t(gi)];
    if (g.value == 0) continue;  // the reference keeps only non-zero values
    // Groups with equal values share one bucket, so their genes interleave in template order.
    if (prev && prev->value == g.value) g.bucket = prev->bucket;
    else g.bucket = int(bucketPos_.size()), bucketPos_.push_back(pos);
    pos += g.size;
    prev = &g;
  }
  return pos;
}

void SpotRanker::resetGroups() {
  for (int s : usedSlots_) table_[std::size_t(s)].group = -1;
  usedSlots_.clear();
  for (int d : usedDirect_) direct_[std::size_t(d)] = -1;
  usedDirect_.clear();
  groups_.clear();
}

int SpotRanker::rank(double total, int maxLen, TokenId* out) {
  const std::size_t n = count_;
  if (total == 0) total = 1;
  const double scale = 10000.0 / total;
  const int kept = assignBuckets(scale);
  // Counting sort: genes visited in template order land in their value's bucket in that order,
  // which is the reference's tie-break (stable argsort over template indices).
  for (std::size_t i = 0; i < n; ++i) {
    const Gene g = genes_[i];
    const int b = groups_[std::size_t(g.group)].bucket;
    if (b < 0) continue;
    const int p = bucketPos_[std::size_t(b)]++;
    if (p < maxLen) out[p] = TokenId(g.index + kTokenAux);
  }
  resetGroups();
  const int len = std::min(kept, maxLen);
  std::fill(out + len, out + maxLen, 0);  // padding (the table is not zeroed beforehand)
  return len;
}

}  // namespace stamp::core::st::detail
