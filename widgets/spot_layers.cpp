#include "widgets/spot_layers.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace stamp::widgets {

using core::st::ObsColumn;
using core::st::SpatialSample;

SpotTables SpotTables::build(const SpatialSample& sample) {
  const auto& m = sample.counts;
  SpotTables t;
  t.totals.assign(std::size_t(m.rows), 0.f);
  t.colPtr.assign(std::size_t(m.cols) + 1, 0);
  for (std::int32_t c : m.indices) ++t.colPtr[std::size_t(c) + 1];
  for (std::size_t g = 0; g < std::size_t(m.cols); ++g) t.colPtr[g + 1] += t.colPtr[g];
  t.rowIdx.resize(m.data.size());
  t.colVal.resize(m.data.size());
  std::vector<std::int64_t> next(t.colPtr.begin(), t.colPtr.end() - 1);
  for (std::int64_t r = 0; r < m.rows; ++r) {
    for (std::int64_t k = m.indptr[std::size_t(r)]; k < m.indptr[std::size_t(r) + 1]; ++k) {
      const auto c = std::size_t(m.indices[std::size_t(k)]);
      const float v = m.data[std::size_t(k)];
      t.totals[std::size_t(r)] += v;
      t.rowIdx[std::size_t(next[c])] = std::int32_t(r);
      t.colVal[std::size_t(next[c]++)] = v;
    }
  }
  return t;
}

const char* expressionScaleName(ExpressionScale s) {
  switch (s) {
    case ExpressionScale::Raw: return "raw counts";
    case ExpressionScale::Cp10k: return "CP10k";
    case ExpressionScale::Log1p: return "log1p CP10k";
  }
  return "?";
}

static std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<int> findGene(const SpatialSample& sample, const std::string& name) {
  const std::string key = lower(name);
  for (std::size_t g = 0; g < sample.genes.size(); ++g)
    if (lower(sample.genes[g].symbol) == key) return int(g);
  for (std::size_t g = 0; g < sample.genes.size(); ++g)
    if (lower(sample.genes[g].id) == key) return int(g);
  return std::nullopt;
}

Layer geneLayer(const SpatialSample& sample, const SpotTables& tables, int gene,
                ExpressionScale scale) {
  Layer layer;
  layer.name = sample.genes.at(std::size_t(gene)).symbol + " (" + expressionScaleName(scale) + ")";
  layer.values.assign(tables.totals.size(), 0.f);
  for (std::int64_t k = tables.colPtr[std::size_t(gene)]; k < tables.colPtr[std::size_t(gene) + 1];
       ++k) {
    const auto r = std::size_t(tables.rowIdx[std::size_t(k)]);
    float v = tables.colVal[std::size_t(k)];
    if (scale != ExpressionScale::Raw)
      v = tables.totals[r] > 0 ? v / tables.totals[r] * 1e4f : 0.f;
    if (scale == ExpressionScale::Log1p) v = std::log1p(v);
    layer.values[r] = v;
  }
  layer.autoLimits();
  return layer;
}

Layer totalCountsLayer(const SpotTables& tables) {
  Layer layer;
  layer.name = "total counts";
  layer.values = tables.totals;
  layer.colorMap = ColorMapId::Magma;
  layer.autoLimits();
  return layer;
}

std::optional<Layer> obsLayer(const SpatialSample& sample, const std::string& column) {
  auto it = sample.obs.find(column);
  if (it == sample.obs.end()) return std::nullopt;
  const ObsColumn& col = it->second;
  Layer layer;
  layer.name = column;
  if (col.kind == ObsColumn::Kind::Categorical) {
    if (col.codes.size() != sample.spotCount()) return std::nullopt;
    layer.kind = Layer::Kind::Categorical;
    layer.codes = col.codes;
    layer.categories = col.categories;
    layer.colorMap = ColorMapId::Tab20;
    return layer;
  }
  if (col.kind != ObsColumn::Kind::Numeric || col.numbers.size() != sample.spotCount())
    return std::nullopt;
  layer.values.assign(col.numbers.begin(), col.numbers.end());
  layer.autoLimits();
  return layer;
}

std::vector<std::string> layerableObsColumns(const SpatialSample& sample) {
  std::vector<std::string> names;
  for (const auto& [name, col] : sample.obs) {
    const std::size_t n = col.kind == ObsColumn::Kind::Categorical ? col.codes.size()
                          : col.kind == ObsColumn::Kind::Numeric  ? col.numbers.size()
                                                                  : 0;
    if (n == sample.spotCount() && n > 0) names.push_back(name);
  }
  return names;
}

std::vector<std::pair<int, float>> topGenes(const SpatialSample& sample, std::size_t spot, int n) {
  const auto& m = sample.counts;
  std::vector<std::pair<int, float>> row;
  if (spot + 1 >= m.indptr.size()) return row;
  for (std::int64_t k = m.indptr[spot]; k < m.indptr[spot + 1]; ++k)
    row.emplace_back(m.indices[std::size_t(k)], m.data[std::size_t(k)]);
  const std::size_t keep = std::min(row.size(), std::size_t(std::max(n, 0)));
  std::partial_sort(row.begin(), row.begin() + std::ptrdiff_t(keep), row.end(),
                    [](auto& a, auto& b) { return a.second > b.second; });
  row.resize(keep);
  return row;
}

}  // namespace stamp::widgets
