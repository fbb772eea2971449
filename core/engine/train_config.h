#pragma once
/// The settings of a training run (`stamp train` / `stamp pretrain-genes` / the GUI panel),
/// read from and written to JSON. Torch-free.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "data/augment.h"

namespace stamp::core::engine {

struct TrainSample {
  std::string st;      // anything openSpatial reads
  std::string slide;   // optional: the image (else the one the sample names)
  std::optional<double> mpp;  // optional: full-resolution um/px
  std::string slideId; // optional: samples of one slide share it (default: the slide path)
};

/// Which parameters train.
enum class TrainScope { All, Heads, LastBlocks, GeneOnly };

struct TrainConfig {
  std::string mode = "align";          // "align" (fine-tuning) or "pretrain" (gene encoder)
  std::vector<TrainSample> samples;
  /// A built corpus folder (stamp build-corpus) or published STAMP shards, streamed instead of
  /// samples (never loaded whole). Alignment needs its images (--with-images).
  std::string corpus;
  int shuffleBuffer = 2048;            // corpus: rows in the shuffle buffer
  int blockRows = 64;                  // corpus: consecutive rows read from a shard at a time
  std::string vocab;                   // STAMP vocabulary folder (optional with a corpus: checks its size)
  std::string modelConfig = R"({"preset":"tiny","n_genes":20310,"context":128})";  // JSON text or a file path
  std::string initWeights;             // optional .pt / .safetensors to start from
  bool initPartial = false;            // load what fits of initWeights
  std::string output;                  // run folder (checkpoints, metrics.csv, final model)
  std::string device = "cpu";
  std::uint64_t seed = 0;
  std::int64_t steps = 1000;
  int batchSize = 16;                  // align: spots per micro-batch per process (rows = 2x); pretrain: groups
  int gradAccum = 1;
  double lr = 1e-4, weightDecay = 1e-3, minLr = 1e-5;
  std::int64_t warmupSteps = 100;
  double gradClip = 1.0;               // max global gradient norm; 0 = off
  bool mixedPrecision = false;         // bf16 autocast (CUDA, or a CPU with bf16 instructions)
  TrainScope scope = TrainScope::All;
  int lastBlocks = 2;                  // for scope LastBlocks
  std::int64_t checkpointEvery = 100;
  int keepCheckpoints = 2;
  std::int64_t validateEvery = 100;    // 0 = only at the end
  std::int64_t logEvery = 1;
  int maxValSpots = 512;
  std::string split = "blocks";        // "blocks" or "slides"; with a corpus "slides" (default) or "shards"
  double valFraction = 0.2;
  int blockSize = 12;
  int workers = 2, prefetch = 2, threads = 0;
  data::AugmentOptions augment{true, true, 0.05};
  double explodeFactor = 100;          // loss above factor x its running mean stops the run
  // pre-training
  double maskProbability = 0.15;
  std::int64_t mlmOnlySteps = 0;       // steps with the MLM loss only before MLM + spatial
  double maxGroupDistance = 10;
};

const char* toString(TrainScope s);

/// Parses a run file. Unknown keys and wrong types are rejected with the field named; relative
/// paths are taken relative to `baseDir` (the run file's folder).
Result<TrainConfig> parseTrainConfig(const std::string& json, const std::string& baseDir = {},
                                     const std::string& context = {});
Result<TrainConfig> readTrainConfig(const std::string& path);
/// Range and consistency checks (the error names the field).
Status validateTrainConfig(const TrainConfig& c);
/// The JSON form (what the run folder keeps as run.json, so `--resume` needs nothing else).
std::string trainConfigToJson(const TrainConfig& c);
/// A documented default run file for `--print-config` (comments as "//"-prefixed keys).
std::string documentedDefaultConfig(const std::string& mode);

}  // namespace stamp::core::engine
