#pragma once
/// Differential expression between two groups of spots (two lassos, two clusters) and the genes
/// that characterise a group against all spots: effect size + Wilcoxon rank-sum test.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "st/spatial_sample.h"

namespace stamp::core::analysis {

struct GeneDifference {
  std::string gene;        // symbol
  double meanA = 0;        // mean log1p(CP10k) in group A
  double meanB = 0;
  double log2FoldChange = 0;  // log2((mean CP10k A + 1) / (mean CP10k B + 1))
  double statistic = 0;    // Mann-Whitney U z-score (tie-corrected, continuity-corrected)
  double pValue = 1;       // two-sided
  double pAdjusted = 1;    // Benjamini-Hochberg
};

/// Every gene expressed in either group, sorted by adjusted p then |log2FC|. Groups are spot
/// indices; they must be non-empty and may not overlap.
Result<std::vector<GeneDifference>> compareGroups(const st::SpatialSample& sample,
                                                  const std::vector<std::int64_t>& groupA,
                                                  const std::vector<std::int64_t>& groupB);

/// Genes characteristic of `group` against the remaining spots, top `n` by z-score with
/// positive fold change.
Result<std::vector<GeneDifference>> characteristicGenes(const st::SpatialSample& sample,
                                                        const std::vector<std::int64_t>& group, int n);

/// CSV of the table (gene, means, log2FC, z, p, p_adj), written atomically.
Status writeDifferencesCsv(const std::string& path, const std::vector<GeneDifference>& rows);

/// Per-spot normalised expression of one gene column: raw counts, CP10k, or log1p(CP10k).
enum class Normalisation { Raw, Cp10k, Log1p };
std::vector<float> geneValues(const st::SpatialSample& sample, std::int64_t gene, Normalisation how);

}  // namespace stamp::core::analysis
