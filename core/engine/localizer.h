#pragma once
/// Cross-scale patch localization (STAMP-SPEC §3-§5): where does a patch sit within a region 6
/// patches wide? Single regions (3 x 3 cell probabilities), dense search over an area as a
/// heatmap, and the held-out accuracy of a model. Torch-free header.
#include <array>
#include <cstdint>
#include <vector>

#include "common/progress.h"
#include "common/result.h"
#include "data/crops.h"
#include "engine/model_handle.h"
#include "slide/slide_reader.h"
#include "st/spatial_sample.h"

namespace stamp::core::engine {

struct CellProbabilities {
  std::array<float, 9> logits{};
  std::array<float, 9> probs{};  // softmax of logits; cell k = 3 * row + col
  int best = 0;
};

/// Probabilities of each cell of `region` (a level-0 square of the slide, 6 patch sizes wide)
/// holding the reference patch `ref` (any size; resized to 16 x 16).
Result<CellProbabilities> localizeInRegion(const ModelHandle& model, const slide::SlideReader& slide,
                                           const data::Square& region, const data::RgbImage& ref);

/// The 224 px spot patch centred at level-0 (x, y) with half size `ps` (level-0 px).
Result<data::RgbImage> spotPatch(const slide::SlideReader& slide, double x, double y, double ps);

struct SearchOptions {
  data::Square area;       // level-0 area to search (windows must fit inside the slide)
  double ps = 112;         // half patch size in level-0 px
  double stride = 0;       // window stride in level-0 px (0 = 2 * ps, one cell)
  int batchSize = 16;
};

/// Heatmap over cell centres: score = mean probability the windows covering that location gave
/// to it. Grid pitch = stride; cell (i, j) is centred at (x0 + i * pitch, y0 + j * pitch).
struct Heatmap {
  int width = 0, height = 0;
  double x0 = 0, y0 = 0, pitch = 0, cellSide = 0;  // level-0 px
  std::vector<float> score;    // width * height, 0 where never covered
  std::vector<int> coverage;   // windows that voted for each location
  /// Best locations (level-0 centres, score), highest first.
  std::vector<std::array<double, 3>> best(int n) const;
};

Result<Heatmap> searchPatch(const ModelHandle& model, const slide::SlideReader& slide,
                            const data::RgbImage& ref, const SearchOptions& options,
                            ProgressReporter* progress = nullptr);

struct LocalizationScore {
  std::int64_t evaluated = 0;
  std::int64_t correct = 0;
  double accuracy() const { return evaluated ? double(correct) / double(evaluated) : 0.0; }
};

/// Accuracy over spots (those with at least one region inside the slide; the cell is drawn with
/// `seed`): chance is 1/9. `coordScale`: slide pixels per full-resolution pixel.
Result<LocalizationScore> evaluateLocalization(const ModelHandle& model, const slide::SlideReader& slide,
                                               const st::SpatialSample& sample, double psFullres,
                                               double coordScale, std::int64_t maxSpots, std::uint64_t seed,
                                               ProgressReporter* progress = nullptr);

}  // namespace stamp::core::engine
