#include "data/neighbour_groups.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace stamp::core::data {
namespace {

/// Buckets of spots on a coarse grid so that nearest-neighbour queries stay local.
class SpotGrid {
 public:
  SpotGrid(const std::vector<int>& rows, const std::vector<int>& cols, int cell) : rows_(rows), cols_(cols), cell_(cell) {
    for (int i = 0; i < int(rows.size()); ++i) buckets_[key(rows[std::size_t(i)] / cell_, cols[std::size_t(i)] / cell_)].push_back(i);
  }
  double dist(int a, int b) const {
    const double dr = rows_[std::size_t(a)] - rows_[std::size_t(b)], dc = cols_[std::size_t(a)] - cols_[std::size_t(b)];
    return std::sqrt(dr * dr + dc * dc);
  }
  /// Up to k nearest spots to `centre` (excluding it) that pass `usable`, within `radius`.
  template <class Usable>
  std::vector<int> nearest(int centre, int k, double radius, Usable&& usable) const {
    std::vector<std::pair<double, int>> found;
    const int r0 = rows_[std::size_t(centre)] / cell_, c0 = cols_[std::size_t(centre)] / cell_;
    const int span = int(std::ceil(radius / cell_)) + 1;
    for (int dr = -span; dr <= span; ++dr)
      for (int dc = -span; dc <= span; ++dc) {
        auto it = buckets_.find(key(r0 + dr, c0 + dc));
        if (it == buckets_.end()) continue;
        for (int j : it->second)
          if (j != centre && usable(j)) {
            const double d = dist(centre, j);
            if (d <= radius) found.emplace_back(d, j);
          }
      }
    const std::size_t m = std::min<std::size_t>(std::size_t(k), found.size());
    std::partial_sort(found.begin(), found.begin() + std::ptrdiff_t(m), found.end());
    std::vector<int> out;
    for (std::size_t i = 0; i < m; ++i) out.push_back(found[i].second);
    return out;
  }

 private:
  static std::int64_t key(int r, int c) { return (std::int64_t(r) << 32) ^ std::uint32_t(c); }
  const std::vector<int>& rows_;
  const std::vector<int>& cols_;
  int cell_;
  std::unordered_map<std::int64_t, std::vector<int>> buckets_;
};

}  // namespace

std::vector<NeighbourGroup> neighbourGroups(const std::vector<int>& rows, const std::vector<int>& cols,
                                            double maxDistance) {
  std::vector<NeighbourGroup> groups;
  const int n = int(std::min(rows.size(), cols.size()));
  if (n < kGroupSize) return groups;
  SpotGrid grid(rows, cols, 8);
  // Centrality: mean distance to the 8 nearest spots (within the group diameter).
  std::vector<double> score(std::size_t(n), INFINITY);
  for (int i = 0; i < n; ++i) {
    auto nb = grid.nearest(i, kGroupSize - 1, maxDistance, [](int) { return true; });
    if (int(nb.size()) < kGroupSize - 1) continue;
    double s = 0;
    for (int j : nb) s += grid.dist(i, j);
    score[std::size_t(i)] = s / double(nb.size());
  }
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return score[std::size_t(a)] < score[std::size_t(b)]; });
  std::vector<std::uint8_t> used(std::size_t(n), 0);
  for (int c : order) {
    if (used[std::size_t(c)] || !std::isfinite(score[std::size_t(c)])) continue;
    auto nb = grid.nearest(c, kGroupSize - 1, maxDistance, [&](int j) { return !used[std::size_t(j)]; });
    if (int(nb.size()) < kGroupSize - 1) continue;
    NeighbourGroup g;
    g[0] = c;
    std::copy(nb.begin(), nb.end(), g.begin() + 1);
    double widest = 0;
    for (int a = 0; a < kGroupSize; ++a)
      for (int b = a + 1; b < kGroupSize; ++b) widest = std::max(widest, grid.dist(g[std::size_t(a)], g[std::size_t(b)]));
    if (widest > maxDistance) continue;
    for (int j : g) used[std::size_t(j)] = 1;
    groups.push_back(g);
  }
  return groups;
}

int maskTokens(const std::int64_t* tokens, int n, const MaskOptions& o, std::mt19937_64& rng,
               std::int64_t* masked, std::int64_t* targets) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<std::int64_t> randomId(10, std::max<std::int64_t>(10, o.nTokens - 1));
  int selected = 0;
  for (int i = 0; i < n; ++i) {
    const std::int64_t t = tokens[i];
    masked[i] = t;
    targets[i] = -100;
    if (t == 0 || t == 1) continue;
    // Three draws per token always, so a token's fate does not depend on earlier outcomes.
    const double pick = u(rng), how = u(rng);
    const std::int64_t replacement = randomId(rng);
    if (pick >= o.probability) continue;
    ++selected;
    targets[i] = t;
    if (how < 0.8) masked[i] = 0;
    else if (how < 0.9) masked[i] = replacement;
  }
  return selected;
}

}  // namespace stamp::core::data
