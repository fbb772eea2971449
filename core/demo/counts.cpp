#include "demo/counts.h"

#include <array>
#include <cmath>
#include <random>

#include "demo/gene_table.h"
#include "demo/noise.h"

namespace stamp::core::demo {
namespace {

// Rows: programs (in enum order); columns: Tumour, Stroma, Lymphoid, Gland, Fat.
constexpr double kWeights[kProgramCount][kTissueCompartments] = {
    {1.00, 1.00, 1.00, 1.00, 0.60},  // Housekeeping
    {1.00, 0.02, 0.01, 0.90, 0.01},  // Epithelial
    {1.00, 0.03, 0.01, 0.06, 0.01},  // Tumour
    {1.00, 0.04, 0.25, 0.15, 0.01},  // Prolif (germinal centres in lymphoid, crypt bases)
    {0.15, 1.00, 0.08, 0.25, 0.25},  // Stroma
    {0.04, 0.60, 0.04, 0.40, 0.10},  // Smooth muscle (muscularis mucosae, vessel walls)
    {0.15, 0.60, 0.25, 0.30, 0.50},  // Endothelial
    {0.04, 0.08, 1.00, 0.15, 0.02},  // Lymphoid
    {0.20, 0.25, 0.60, 0.30, 0.10},  // Myeloid
    {0.04, 0.10, 0.40, 0.80, 0.02},  // Plasma
    {0.05, 0.01, 0.01, 1.00, 0.01},  // Gland
    {0.01, 0.08, 0.01, 0.01, 1.00},  // Fat
    {0.50, 0.10, 0.10, 0.10, 0.10},  // Hypoxia
    {0.15, 0.10, 0.40, 0.10, 0.05},  // Interferon
    {0.20, 0.20, 0.20, 0.20, 0.20},  // Stress
};
// How much the smooth random field moves each program (log scale).
constexpr double kFieldStrength[kProgramCount] = {0.15, 0.3, 0.35, 0.5, 0.3, 0.4, 0.4, 0.35,
                                                  0.45, 0.5, 0.3, 0.3, 0.9, 0.9, 0.6};
constexpr double kDispersion = 3.0;  // NB size r: variance = mu + mu^2 / r

}  // namespace

double programWeight(Program program, Compartment c) {
  const auto p = std::size_t(program);
  if (c == Compartment::Background) {
    double sum = 0;
    for (double w : kWeights[p]) sum += w;
    return sum / kTissueCompartments;
  }
  return kWeights[p][std::size_t(c) - 1];
}

double compartmentLibrarySize(Compartment c) {
  static constexpr double sizes[kCompartmentCount] = {250, 15000, 5500, 11000, 9500, 2500};
  return sizes[std::size_t(c)];
}

namespace {

// Per compartment, each gene's share of the compartment's UMIs (each row sums to 1).
std::vector<std::array<double, kCompartmentCount>> compartmentProfiles() {
  const auto& genes = demoGenes();
  std::vector<std::array<double, kCompartmentCount>> prof(genes.size());
  for (int c = 0; c < kCompartmentCount; ++c) {
    double total = 0;
    for (std::size_t g = 0; g < genes.size(); ++g)
      total += prof[g][std::size_t(c)] = genes[g].level * programWeight(genes[g].program, Compartment(c));
    for (auto& p : prof) p[std::size_t(c)] /= total;
  }
  return prof;
}

std::array<double, kProgramCount> programFields(const TissueModel& m, double x, double y) {
  std::array<double, kProgramCount> f{};
  const double um = m.mpp();
  for (int p = 0; p < kProgramCount; ++p)
    f[std::size_t(p)] = std::exp(kFieldStrength[p] *
                                 fbm(m.seed() + 500 + std::uint64_t(p), x * um / 1400.0, y * um / 1400.0, 2));
  return f;
}

}  // namespace

st::CsrMatrix simulateCounts(const TissueModel& model, const std::vector<st::Spot>& spots,
                             const std::vector<std::vector<double>>& fractions) {
  const auto& genes = demoGenes();
  const auto prof = compartmentProfiles();
  st::CsrMatrix m;
  m.rows = std::int64_t(spots.size());
  m.cols = std::int64_t(genes.size());
  m.indptr.push_back(0);
  const double um = model.mpp();
  for (std::size_t s = 0; s < spots.size(); ++s) {
    const st::Spot& spot = spots[s];
    const auto field = programFields(model, spot.x, spot.y);
    double libField = std::exp(0.25 * fbm(model.seed() + 499, spot.x * um / 1800.0, spot.y * um / 1800.0, 2));
    std::mt19937_64 rng(hash3(model.seed(), spot.arrayRow, spot.arrayCol, 0xC0u));
    for (std::size_t g = 0; g < genes.size(); ++g) {
      double mu = 0;
      for (int c = 0; c < kCompartmentCount; ++c)
        mu += fractions[s][std::size_t(c)] * compartmentLibrarySize(Compartment(c)) * prof[g][std::size_t(c)];
      mu *= libField * field[std::size_t(genes[g].program)];
      if (mu <= 1e-9) continue;
      double lambda = std::gamma_distribution<double>(kDispersion, mu / kDispersion)(rng);
      if (!(lambda > 0)) continue;
      auto count = std::poisson_distribution<long long>(lambda)(rng);
      if (count <= 0) continue;
      m.indices.push_back(std::int32_t(g));
      m.data.push_back(float(count));
    }
    m.indptr.push_back(std::int64_t(m.data.size()));
  }
  return m;
}

}  // namespace stamp::core::demo
