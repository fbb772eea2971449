#pragma once
/// Simulated Visium counts for the synthetic section.
#include <vector>

#include "demo/tissue_model.h"
#include "st/spatial_sample.h"

namespace stamp::core::demo {

/// Counts (spots x demoGenes(), float32 integers) for `spots`, whose compartment mixtures are
/// `fractions[i]` (indexed by Compartment, from footprintFractions). A spot's expected profile
/// mixes the compartment programs by area and RNA content, scaled per program by a smooth random
/// field (so expression varies smoothly within a compartment too); counts are negative binomial
/// (gamma-Poisson, overdispersed). Library sizes: a few thousand to ~20k UMIs in tissue, a few
/// hundred ambient UMIs off tissue. Deterministic: each spot draws from a generator seeded by the
/// sample seed and its array position.
st::CsrMatrix simulateCounts(const TissueModel& model, const std::vector<st::Spot>& spots,
                             const std::vector<std::vector<double>>& fractions);

/// Expected UMIs of a spot made only of compartment `c` (before the smooth field).
double compartmentLibrarySize(Compartment c);

}  // namespace stamp::core::demo
