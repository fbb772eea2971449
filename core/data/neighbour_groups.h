#pragma once
/// Spatial-aware gene pre-training data (STAMP-SPEC §2): groups of 9 neighbouring spots and
/// BERT-style masking of gene tokens. Torch-free.
#include <array>
#include <cstdint>
#include <random>
#include <vector>

namespace stamp::core::data {

inline constexpr int kGroupSize = 9;
using NeighbourGroup = std::array<int, kGroupSize>;  // spot indices, centre first

/// Groups spots into groups of 9 on their array coordinates (row, col), greedily: spots are
/// visited from the most central (smallest mean distance to its 8 nearest spots) outwards; each
/// unused spot takes its 8 nearest unused spots. A group whose largest pairwise distance exceeds
/// `maxDistance` grid units is dropped (its spots stay available to later centres). Every spot is
/// in at most one group. Deterministic (ties by spot index).
std::vector<NeighbourGroup> neighbourGroups(const std::vector<int>& rows, const std::vector<int>& cols,
                                            double maxDistance = 10.0);

struct MaskOptions {
  double probability = 0.15;  // per non-padding token
  int nTokens = 0;            // random replacements are drawn from [10, nTokens)
};

/// Masks `n` tokens (0 = padding, skipped; PAD 1 too): each other token is selected with
/// `probability`; of the selected 80% become 0 (MASK), 10% a random id in [10, nTokens), 10% stay.
/// `masked` receives the input, `targets` the original id where selected and -100 elsewhere.
/// Returns the number of selected tokens.
int maskTokens(const std::int64_t* tokens, int n, const MaskOptions& o, std::mt19937_64& rng,
               std::int64_t* masked, std::int64_t* targets);

}  // namespace stamp::core::data
