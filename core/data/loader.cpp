#include "data/loader.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace stamp::core::data {

std::uint64_t mixSeed(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x7F4A7C159E3779B9ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

namespace {

/// The epoch's permutation of 0..n-1 (std::shuffle's output is fixed by libstdc++'s algorithm
/// and the mt19937_64 stream, so it is the same on every run of this build).
std::vector<int> epochOrder(std::size_t n, std::uint64_t seed, std::int64_t epoch) {
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(mixSeed(seed, std::uint64_t(epoch) + 0x1000));
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);  // Fisher-Yates
  return order;
}

}  // namespace

PairSampler::PairSampler(const Sources& sources, std::vector<SpotRef> items, int batchSize, std::uint64_t seed)
    : items_(std::move(items)), bySource_(sources.size()), batchSize_(std::max(1, batchSize)), seed_(seed) {
  for (std::size_t i = 0; i < items_.size(); ++i) bySource_[std::size_t(items_[i].source)].push_back(int(i));
}

std::int64_t PairSampler::batchesPerEpoch() const { return std::int64_t(items_.size()) / batchSize_; }

std::vector<std::pair<SpotRef, std::uint64_t>> PairSampler::rows(std::int64_t k) const {
  std::vector<std::pair<SpotRef, std::uint64_t>> out;
  const std::int64_t per = batchesPerEpoch();
  if (per <= 0) return out;
  const std::int64_t epoch = k / per, first = (k % per) * batchSize_;
  const auto order = epochOrder(items_.size(), seed_, epoch);
  for (int i = 0; i < batchSize_; ++i) {
    const SpotRef a = items_[std::size_t(order[std::size_t(first + i)])];
    const std::uint64_t s = mixSeed(seed_, std::uint64_t(k) * 4096u + std::uint64_t(i));
    // The partner: another spot of the same source (itself only when it is alone).
    const auto& pool = bySource_[std::size_t(a.source)];
    std::size_t pick = mixSeed(s, 1) % pool.size();
    if (items_[std::size_t(pool[pick])] == a && pool.size() > 1) pick = (pick + 1) % pool.size();
    const SpotRef b = items_[std::size_t(pool[pick])];
    out.push_back({a, mixSeed(s, 3)});
    out.push_back({b, mixSeed(s, 4)});
  }
  return out;
}

Result<PairBatch> buildPairBatch(const Sources& sources, const std::vector<std::pair<SpotRef, std::uint64_t>>& rows,
                                 const PairOptions& o) {
  PairBatch b;
  b.rows = int(rows.size());
  b.context = rows.empty() ? 0 : sources[std::size_t(rows[0].first.source)]->context;
  const auto n = std::size_t(b.rows);
  b.patches.resize(n * kImageFloats);
  b.regions.resize(n * kImageFloats);
  b.refs.resize(n * kRefFloats);
  b.tokens.resize(n * std::size_t(b.context));
  b.cells.resize(n);
  b.hasCell.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    const auto& [spot, seed] = rows[r];
    const auto& src = *sources[std::size_t(spot.source)];
    if (src.context != b.context) return makeError(ErrorCode::Mismatch, "sources disagree on the context length", src.name);
    std::mt19937_64 rng(seed);
    STAMP_ASSIGN(PairItem it, makeItem(src, spot.spot, o, rng));
    std::memcpy(b.patches.data() + r * kImageFloats, it.patch.data(), kImageFloats * sizeof(float));
    std::memcpy(b.regions.data() + r * kImageFloats, it.region.data(), kImageFloats * sizeof(float));
    std::memcpy(b.refs.data() + r * kRefFloats, it.ref.data(), kRefFloats * sizeof(float));
    std::memcpy(b.tokens.data() + r * std::size_t(b.context), it.tokens.data(), std::size_t(b.context) * sizeof(std::int64_t));
    b.cells[r] = it.cell;
    b.hasCell[r] = it.hasCell;
    b.spots.push_back(spot);
  }
  return b;
}

std::vector<std::vector<SpotRef>> groupSpots(const Sources& sources, const std::vector<SpotRef>& items, double maxDistance) {
  std::vector<std::vector<SpotRef>> out;
  for (std::size_t si = 0; si < sources.size(); ++si) {
    std::vector<int> spots, rows, cols;
    for (const auto& r : items)
      if (r.source == int(si)) {
        spots.push_back(r.spot);
        rows.push_back(sources[si]->row[std::size_t(r.spot)]);
        cols.push_back(sources[si]->col[std::size_t(r.spot)]);
      }
    for (const auto& g : neighbourGroups(rows, cols, maxDistance)) {
      std::vector<SpotRef> grp;
      for (int i : g) grp.push_back({int(si), spots[std::size_t(i)]});
      out.push_back(std::move(grp));
    }
  }
  return out;
}

GroupSampler::GroupSampler(std::vector<std::vector<SpotRef>> groups, int groupsPerBatch, std::uint64_t seed)
    : groups_(std::move(groups)), perBatch_(std::max(1, groupsPerBatch)), seed_(seed) {}

std::int64_t GroupSampler::batchesPerEpoch() const { return std::int64_t(groups_.size()) / perBatch_; }

std::vector<std::pair<std::vector<SpotRef>, std::uint64_t>> GroupSampler::groups(std::int64_t k) const {
  std::vector<std::pair<std::vector<SpotRef>, std::uint64_t>> out;
  const std::int64_t per = batchesPerEpoch();
  if (per <= 0) return out;
  const auto order = epochOrder(groups_.size(), seed_, k / per);
  const std::int64_t first = (k % per) * perBatch_;
  for (int i = 0; i < perBatch_; ++i)
    out.push_back({groups_[std::size_t(order[std::size_t(first + i)])], mixSeed(seed_, std::uint64_t(k) * 4096u + std::uint64_t(i))});
  return out;
}

GroupBatch buildGroupBatch(const Sources& sources, const std::vector<std::pair<std::vector<SpotRef>, std::uint64_t>>& groups,
                           const MaskOptions& mask) {
  GroupBatch b;
  b.groups = int(groups.size());
  b.context = groups.empty() ? 0 : sources[std::size_t(groups[0].first[0].source)]->context;
  const auto L = std::size_t(b.context), rows = std::size_t(b.groups) * kGroupSize;
  b.tokens.resize(rows * L);
  b.masked.resize(rows * L);
  b.targets.resize(rows * L);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::mt19937_64 rng(groups[g].second);
    for (std::size_t m = 0; m < kGroupSize; ++m) {
      const SpotRef s = groups[g].first[m];
      const std::size_t r = g * kGroupSize + m;
      std::copy_n(sources[std::size_t(s.source)]->tokenRow(std::size_t(s.spot)), L, &b.tokens[r * L]);  // to int64
      b.maskedCount += maskTokens(&b.tokens[r * L], int(L), mask, rng, &b.masked[r * L], &b.targets[r * L]);
    }
  }
  if (b.maskedCount == 0 && rows > 0 && b.tokens[0] > 1) {
    b.masked[0] = 0;
    b.targets[0] = b.tokens[0];
    b.maskedCount = 1;
  }
  return b;
}

}  // namespace stamp::core::data
