#include "analysis/differential.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "common/atomic_file.h"

namespace stamp::core::analysis {
namespace {

/// Non-zero CP10k values per gene for the spots of one group (a column view of those rows).
std::vector<std::vector<double>> groupColumns(const st::SpatialSample& s, const std::vector<std::int64_t>& rows,
                                              const std::vector<double>& totals) {
  std::vector<std::vector<double>> cols(std::size_t(s.counts.cols));
  for (auto r : rows) {
    const double scale = totals[std::size_t(r)] > 0 ? 1e4 / totals[std::size_t(r)] : 0;
    for (auto k = s.counts.indptr[std::size_t(r)]; k < s.counts.indptr[std::size_t(r) + 1]; ++k)
      if (s.counts.data[std::size_t(k)] > 0) cols[std::size_t(s.counts.indices[std::size_t(k)])].push_back(s.counts.data[std::size_t(k)] * scale);
  }
  return cols;
}

/// Mann-Whitney U z-score of A vs B where only non-zero values are listed (the rest are zeros,
/// one big tie at the bottom). Tie- and continuity-corrected normal approximation.
double mannWhitneyZ(std::vector<double> a, std::vector<double> b, double nA, double nB) {
  const double zeros = (nA - double(a.size())) + (nB - double(b.size())), n = nA + nB;
  std::vector<std::pair<double, int>> all;
  for (double v : a) all.emplace_back(v, 0);
  for (double v : b) all.emplace_back(v, 1);
  std::sort(all.begin(), all.end());
  double rankA = (nA - double(a.size())) * (zeros + 1) / 2, tieSum = zeros * zeros * zeros - zeros;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double t = double(j - i), avg = zeros + (double(i) + double(j) + 1) / 2;
    for (std::size_t k = i; k < j; ++k) rankA += all[k].second == 0 ? avg : 0;
    tieSum += t * t * t - t;
    i = j;
  }
  const double u = rankA - nA * (nA + 1) / 2, mean = nA * nB / 2;
  const double var = nA * nB / 12 * ((n + 1) - tieSum / (n * (n - 1)));
  if (var <= 0) return 0;
  const double d = u - mean;
  return (d - (d > 0 ? 0.5 : d < 0 ? -0.5 : 0)) / std::sqrt(var);
}

void adjustBh(std::vector<GeneDifference>& rows) {
  std::vector<std::size_t> idx(rows.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](auto x, auto y) { return rows[x].pValue > rows[y].pValue; });
  double running = 1;
  for (std::size_t r = 0; r < idx.size(); ++r) {
    const double rank = double(idx.size() - r);
    running = std::min(running, rows[idx[r]].pValue * double(idx.size()) / rank);
    rows[idx[r]].pAdjusted = running;
  }
}

double meanLog(const std::vector<double>& nz, double n) {
  double s = 0;
  for (double v : nz) s += std::log1p(v);
  return n > 0 ? s / n : 0;
}

double meanValue(const std::vector<double>& nz, double n) {
  return n > 0 ? std::accumulate(nz.begin(), nz.end(), 0.0) / n : 0;
}

Status checkGroup(const st::SpatialSample& s, const std::vector<std::int64_t>& g, const char* name) {
  if (g.empty()) return makeError(ErrorCode::InvalidArgument, std::string("group ") + name + " is empty");
  for (auto r : g)
    if (r < 0 || r >= s.counts.rows) return makeError(ErrorCode::OutOfRange, std::string("group ") + name + " names a spot that does not exist");
  return {};
}

}  // namespace

Result<std::vector<GeneDifference>> compareGroups(const st::SpatialSample& s, const std::vector<std::int64_t>& a,
                                                  const std::vector<std::int64_t>& b) {
  STAMP_CHECK(checkGroup(s, a, "A"));
  STAMP_CHECK(checkGroup(s, b, "B"));
  std::vector<std::int64_t> sa = a, sb = b, both;
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(both));
  if (!both.empty()) return makeError(ErrorCode::InvalidArgument, "the two groups share " + std::to_string(both.size()) + " spot(s)");
  const auto totals = s.counts.rowSums();
  const auto ca = groupColumns(s, a, totals), cb = groupColumns(s, b, totals);
  const double nA = double(a.size()), nB = double(b.size());
  std::vector<GeneDifference> rows;
  for (std::size_t g = 0; g < ca.size(); ++g) {
    if (ca[g].empty() && cb[g].empty()) continue;
    GeneDifference d;
    d.gene = s.genes[g].symbol.empty() ? s.genes[g].id : s.genes[g].symbol;
    d.meanA = meanLog(ca[g], nA);
    d.meanB = meanLog(cb[g], nB);
    d.log2FoldChange = std::log2((meanValue(ca[g], nA) + 1) / (meanValue(cb[g], nB) + 1));
    d.statistic = mannWhitneyZ(ca[g], cb[g], nA, nB);
    d.pValue = std::erfc(std::abs(d.statistic) / std::sqrt(2.0));
    rows.push_back(std::move(d));
  }
  adjustBh(rows);
  std::stable_sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) {
    return x.pAdjusted < y.pAdjusted || (x.pAdjusted == y.pAdjusted && std::abs(x.log2FoldChange) > std::abs(y.log2FoldChange));
  });
  return rows;
}

Result<std::vector<GeneDifference>> characteristicGenes(const st::SpatialSample& s, const std::vector<std::int64_t>& group, int n) {
  STAMP_CHECK(checkGroup(s, group, "A"));
  std::vector<std::uint8_t> in(std::size_t(s.counts.rows), 0);
  for (auto r : group) in[std::size_t(r)] = 1;
  std::vector<std::int64_t> rest;
  for (std::int64_t r = 0; r < s.counts.rows; ++r)
    if (!in[std::size_t(r)]) rest.push_back(r);
  if (rest.empty()) return makeError(ErrorCode::InvalidArgument, "the group holds every spot: nothing to compare with");
  STAMP_ASSIGN(auto rows, compareGroups(s, group, rest));
  std::erase_if(rows, [](const auto& d) { return d.log2FoldChange <= 0; });
  std::stable_sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) { return x.statistic > y.statistic; });
  if (int(rows.size()) > n) rows.resize(std::size_t(std::max(0, n)));
  return rows;
}

Status writeDifferencesCsv(const std::string& path, const std::vector<GeneDifference>& rows) {
  std::ostringstream os;
  os.precision(8);
  os << "gene,mean_log1p_a,mean_log1p_b,log2_fold_change,z,p_value,p_adjusted\n";
  for (const auto& d : rows)
    os << d.gene << ',' << d.meanA << ',' << d.meanB << ',' << d.log2FoldChange << ',' << d.statistic << ','
       << d.pValue << ',' << d.pAdjusted << '\n';
  return writeFileAtomic(path, os.str());
}

std::vector<float> geneValues(const st::SpatialSample& s, std::int64_t gene, Normalisation how) {
  std::vector<float> out(std::size_t(s.counts.rows), 0.f);
  const auto totals = how == Normalisation::Raw ? std::vector<double>() : s.counts.rowSums();
  for (std::int64_t r = 0; r < s.counts.rows; ++r)
    for (auto k = s.counts.indptr[std::size_t(r)]; k < s.counts.indptr[std::size_t(r) + 1]; ++k) {
      if (s.counts.indices[std::size_t(k)] != gene) continue;
      double v = s.counts.data[std::size_t(k)];
      if (how != Normalisation::Raw) v = totals[std::size_t(r)] > 0 ? v * 1e4 / totals[std::size_t(r)] : 0;
      if (how == Normalisation::Log1p) v = std::log1p(v);
      out[std::size_t(r)] = float(v);
    }
  return out;
}

}  // namespace stamp::core::analysis
