#pragma once
/// Training data for STAMP alignment fine-tuning (STAMP-SPEC §4-§5): per in-tissue spot the
/// 224 px spot patch, its 16 px reference, the 6ps region with the spot's cell label, and the
/// spot's gene tokens. Torch-free: items are plain float/int buffers the trainer wraps.
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/result.h"
#include "data/augment.h"
#include "data/crops.h"
#include "slide/slide_reader.h"
#include "st/spatial_sample.h"
#include "st/vocabulary.h"

namespace stamp::core::data {

inline constexpr std::size_t kImageFloats = 3 * std::size_t(kPatchPx) * kPatchPx;
inline constexpr std::size_t kRefFloats = 3 * std::size_t(kRefPx) * kRefPx;

/// One sample ready for training: its slide and its usable spots (in tissue, with coordinates
/// and at least one expressed vocabulary gene; spots without genes have no defined gene
/// embedding, STAMP-SPEC §2, and are left out).
struct SampleSource {
  std::string name;
  std::string slideId;  // samples of one slide share it (pairing happens within a slide)
  std::shared_ptr<const slide::SlideReader> slide;
  double psSlide = 0;   // half patch size in slide level-0 pixels
  int context = 0;      // tokens kept per spot
  std::vector<double> x, y;           // slide level-0 pixel centres
  std::vector<int> row, col;          // array coordinates (grid units)
  std::vector<st::TokenId> tokens;    // spots x context (int32: half the memory of int64)
  std::vector<std::string> barcodes;
  std::vector<int> sampleIndex;       // row in the SpatialSample
  std::size_t size() const { return x.size(); }
  const st::TokenId* tokenRow(std::size_t i) const { return tokens.data() + i * std::size_t(context); }
};

struct SourceOptions {
  int context = 0;                      // model context (first tokens kept)
  double coordScale = 1;                // slide px per full-resolution spot px
  std::optional<double> mpp;            // full-resolution um/px; else from slide/sample
  std::string slideId;                  // default: the slide path
};

/// Builds a source from a sample already read and its slide (tokenizes with `vocab`).
Result<SampleSource> makeSource(const st::SpatialSample& sample, std::shared_ptr<const slide::SlideReader> slide,
                                const st::Vocabulary& vocab, const SourceOptions& o);
/// Reads a sample (any input openSpatial takes) and its image (`slidePath`, or the one the
/// sample names) and builds a source.
Result<SampleSource> openSource(const std::string& stPath, const std::string& slidePath,
                                const st::Vocabulary& vocab, SourceOptions o);

/// A spot of a source.
struct SpotRef {
  int source = 0;
  int spot = 0;
  bool operator==(const SpotRef&) const = default;
};

/// One spot's crops, ready for the model (ImageNet-normalised CHW, checkpoint channel order).
struct PairItem {
  std::vector<float> patch;   // kImageFloats
  std::vector<float> region;  // kImageFloats
  std::vector<float> ref;     // kRefFloats
  std::vector<std::int64_t> tokens;  // context
  int cell = 0;          // the spot's cell in the region (after augmentation)
  bool hasCell = false;  // false: no region fits in the slide; leave out of the positioning loss
};

struct PairOptions {
  AugmentOptions augment;
  ChannelOrder order = ChannelOrder::RGB;
};

/// Crops one spot. All randomness (cell choice, augmentation) comes from `rng`, so an item is
/// a pure function of (spot, rng seed): batches do not depend on thread timing.
Result<PairItem> makeItem(const SampleSource& src, int spot, const PairOptions& o, std::mt19937_64& rng);

/// Which spots train and which validate.
struct SplitOptions {
  enum class Mode { Blocks, Slides } mode = Mode::Blocks;
  double valFraction = 0.2;
  int blockSize = 12;   // grid units per square block (Blocks mode)
  int guard = 2;        // training spots closer than this (grid units) to a validation block are dropped
  std::uint64_t seed = 0;
};
struct Split {
  std::vector<SpotRef> train, val;
};
/// Blocks: square blocks of the array grid are drawn for validation (at least one per source
/// with >= 2 blocks), so neighbours of a validation spot are validation spots or dropped, never
/// training spots. Slides: whole slides (by slideId) validate (at least one when >= 2 slides).
Split splitSpots(const std::vector<std::shared_ptr<const SampleSource>>& sources, const SplitOptions& o);

}  // namespace stamp::core::data
