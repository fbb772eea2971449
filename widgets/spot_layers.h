#pragma once
/// Builds Layers from a SpatialSample: a gene's expression, total counts, obs columns; and the
/// per-spot facts the info panel shows. Plain C++: callable on worker threads.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "st/spatial_sample.h"
#include "widgets/layer.h"

namespace stamp::widgets {

/// Tables derived once per sample: per-spot totals and a gene-major (CSC) copy of the counts so
/// that one gene's column costs O(its non-zeros) instead of a scan of the whole matrix.
struct SpotTables {
  std::vector<float> totals;
  std::vector<std::int64_t> colPtr;  // genes + 1
  std::vector<std::int32_t> rowIdx;
  std::vector<float> colVal;
  static SpotTables build(const core::st::SpatialSample& sample);
};

enum class ExpressionScale { Raw, Cp10k, Log1p };
const char* expressionScaleName(ExpressionScale s);

/// Index of the gene whose symbol (or id) equals `name`, case-insensitively; nullopt if none.
std::optional<int> findGene(const core::st::SpatialSample& sample, const std::string& name);
/// Expression of gene `gene`: raw counts, counts per 10k of the spot's total, or log1p(CP10k).
Layer geneLayer(const core::st::SpatialSample& sample, const SpotTables& tables, int gene,
                ExpressionScale scale);
Layer totalCountsLayer(const SpotTables& tables);
/// A categorical (legend) or numeric (colour bar) layer from obs column `column`.
std::optional<Layer> obsLayer(const core::st::SpatialSample& sample, const std::string& column);
/// Names of obs columns that can become layers (categorical or numeric).
std::vector<std::string> layerableObsColumns(const core::st::SpatialSample& sample);
/// The `n` genes with the highest counts in spot `spot`, highest first (gene index, count).
std::vector<std::pair<int, float>> topGenes(const core::st::SpatialSample& sample,
                                            std::size_t spot, int n);

}  // namespace stamp::widgets
