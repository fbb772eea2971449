#pragma once
/// Training corpus builder (the SpaVis-6M path): many spatial samples -> sharded HDF5 files in
/// the layout the published STAMP training code reads. Torch-free API (it links into
/// stamp_core only because it reuses data/crops and engine/embedding_io).
///
/// Output folder:
///   tokens-<k>.h5        k = 0, 1, ...; rows of consecutive samples in input order, at most
///                        `shardSize` rows each. Datasets (all chunked + deflate):
///                          tokenized_gene    (N, 4096) int32  STAMP token ids, 0-padded
///                          images            (N, 3, 224, 224) uint8  spot patch, CHW, RGB
///                          images_aug        (N, 3, 224, 224) uint8  region crop (6ps, the spot
///                                            in cell pos_label) resized to 224; zeros when
///                                            pos_label = -1
///                          pos_label         (N) int32  cell 0..8; -1 when no region fits
///                          batch_slide_id    (N) int32  index of the sample in manifest.slides
///                          batch_dataset_id  (N) int32  index in manifest.datasets
///                          spot_index        (N) int64  row of the spot in its sample
///                        images/images_aug/pos_label only with `withImages`.
///   manifest.json, manifest.csv, summary.txt, summary.png   written last (a folder with
///                        manifest.json is a complete corpus)
///   .corpus/             working state, removed when the build completes:
///     build.json         the options fingerprint (a resume with other options is refused)
///     part-<i>.h5        rows of sample i; part-<i>.json its completion record (written
///                        atomically after the part), so a resumed build redoes only samples
///                        without a record.
/// Images (withImages): cut from the sample's full-resolution slide; a sample without one (a
/// plain Space Ranger outs/ with only PNGs) uses its hires, else lowres, PNG with the scale factor,
/// and then needs its magnification from the options or its pixel size (else it is skipped with
/// the reason). Spots whose 224 px patch square leaves the image are dropped; pos_label is -1 when
/// no 3 x 3 region fits. Patches are resampled bilinearly (data::cropSquare), stored RGB.
/// Design: workers take whole samples (one sample in flight per worker, its rows streamed to
/// its own part file in blocks); shards are then assembled by one writer in input order from
/// the parts, each through a temp name renamed when complete. The result therefore does not
/// depend on the number of workers, the scheduling, or interruptions.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "common/result.h"

namespace stamp::core::corpus {

inline constexpr int kTokenLen = 4096;
inline constexpr int kImagePx = 224;

struct CorpusOptions {
  std::vector<std::string> inputs;  // folders (walked), list files, or single sample paths
  std::string outDir;
  std::string vocabDir;
  int shardSize = 4096;  // rows per shard
  bool withImages = false;
  int minGenes = 1;  // drop spots with fewer expressed vocabulary genes (1 drops empty spots)
  bool inTissueOnly = false;
  int workers = 0;  // 0 = hardware threads
  std::optional<double> magnification;  // crop magnification for every sample
  std::optional<double> mpp;            // or its pixel size (magnification = 10 / mpp)
  std::uint64_t seed = 0;               // region cell draws
};

/// One input sample and what became of it.
struct SampleRecord {
  int id = -1;  // batch_slide_id
  std::string path, name, organ, technology;
  int datasetId = -1;
  long long spotsRead = 0, spotsKept = 0;
  long long droppedMinGenes = 0, droppedOffTissue = 0, droppedOutsideSlide = 0;
  long long noRegionCell = 0;  // kept spots with pos_label -1
  int genesMatched = 0, genesInput = 0;
  double magnification = 0;
  std::string imagePath;
  std::string skipped;  // reason, empty when used
  std::vector<long long> genesPerSpot;  // histogram (see kGeneBins), kept spots only
};

struct ShardRecord {
  std::string file;
  long long rows = 0;
  std::vector<std::pair<int, long long>> samples;  // (slide id, rows) in order
};

struct CorpusSummary {
  std::string outDir;
  std::vector<SampleRecord> samples;
  std::vector<std::string> datasets;  // dataset keys by batch_dataset_id
  std::vector<ShardRecord> shards;
  long long spots = 0;
  long long vocabularyGenesSeen = 0;  // vocabulary genes expressed in at least one kept spot
  long long vocabularySize = 0;
  bool resumed = false;  // some samples came from a previous, interrupted run
};

/// Upper bounds of the genes-per-spot histogram bins (the last bin is open).
const std::vector<int>& geneBins();

/// Builds (or resumes) the corpus. Progress phases: "Scanning inputs", "Processing samples"
/// (units = samples), "Writing shards" (units = rows). Cancellation through the reporter stops
/// at the next spot block; completed samples are kept for the resume.
Result<CorpusSummary> buildCorpus(const CorpusOptions& options, ProgressReporter* progress = nullptr);

}  // namespace stamp::core::corpus
