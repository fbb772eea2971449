#pragma once
/// Pieces of the corpus builder shared between its source files (not a public API).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "corpus/corpus.h"
#include "st/vocabulary.h"

namespace stamp::core::corpus {

/// One sample found under the inputs: what openSpatial takes, and the dataset it belongs to.
struct InputSample {
  std::string path;
  std::string datasetKey;
};

/// Expands the inputs (folders walked recursively, list files, single sample paths) into the
/// sorted-per-input list of samples. Error only when an input does not exist or nothing is found.
Result<std::vector<InputSample>> discoverInputs(const std::vector<std::string>& inputs);

/// What every sample job needs, read-only and shared by the workers.
struct JobContext {
  const CorpusOptions* options = nullptr;
  const st::Vocabulary* vocab = nullptr;
  CancelToken cancel;
};

/// Result of one sample: its record, plus the vocabulary genes its kept spots express.
struct SampleOutcome {
  SampleRecord record;
  std::vector<int> expressedGenes;  // sorted template indices
};

/// Reads, tokenizes, filters and (optionally) crops one sample, streaming its rows into
/// `partPath` (through a temp name). A bad sample is not an error: record.skipped says why.
/// Errors are reserved for cancellation and output failures.
Result<SampleOutcome> processSample(const InputSample& in, int id, int datasetId,
                                    const JobContext& ctx, const std::string& partPath);

nlohmann::json toJson(const SampleOutcome& o);
Result<SampleOutcome> outcomeFromJson(const nlohmann::json& j);

/// manifest.json, manifest.csv, summary.txt, summary.png (each atomically).
Status writeReports(const CorpusSummary& summary, const CorpusOptions& options);
/// The summary chart (spots per organ, genes-per-spot histogram) as a PNG.
Status writeSummaryChart(const CorpusSummary& summary, const std::string& path);

/// splitmix64: the seeded, platform-independent generator behind every random draw here.
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace stamp::core::corpus
