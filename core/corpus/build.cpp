// buildCorpus: samples in parallel into part files, then shards assembled in input order.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>

#include "common/atomic_file.h"
#include "common/parallel.h"
#include "corpus/corpus_internal.h"
#include "corpus/shard_io.h"

namespace stamp::core::corpus {
namespace fs = std::filesystem;

const std::vector<int>& geneBins() {
  static const std::vector<int> bins = {10, 50, 100, 200, 500, 1000, 2000, kTokenLen};
  return bins;
}

namespace {

Status validate(const CorpusOptions& o) {
  auto bad = [](const std::string& m) { return makeError(ErrorCode::InvalidArgument, m); };
  if (o.inputs.empty()) return bad("no inputs given");
  if (o.outDir.empty()) return bad("no output folder given");
  if (o.shardSize < 1) return bad("shard size must be at least 1");
  if (o.minGenes < 0 || o.minGenes > kTokenLen) return bad("min-genes must be between 0 and 4096");
  if (o.workers < 0) return bad("workers must be 0 (all cores) or more");
  if (o.magnification && o.mpp) return bad("give --magnification or --mpp, not both");
  if (o.magnification && !(*o.magnification > 0 && *o.magnification <= 200)) return bad("magnification must be in (0, 200]");
  if (o.mpp && !(*o.mpp > 0 && *o.mpp <= 100)) return bad("mpp must be in (0, 100]");
  return {};
}

/// What makes two builds the same build (workers excluded: they do not change the output).
nlohmann::json fingerprint(const CorpusOptions& o) {
  nlohmann::json j = {{"inputs", o.inputs},     {"vocab", o.vocabDir},        {"shard_size", o.shardSize},
                      {"with_images", o.withImages}, {"min_genes", o.minGenes}, {"in_tissue_only", o.inTissueOnly},
                      {"seed", o.seed}};
  j["magnification"] = o.magnification ? nlohmann::json(*o.magnification) : nlohmann::json();
  j["mpp"] = o.mpp ? nlohmann::json(*o.mpp) : nlohmann::json();
  return j;
}

/// Temp files of a killed run (".<name>.tmp-<pid>-...") are never complete: remove them.
void sweepTemps(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.size() > 1 && n[0] == '.' && n.find(".tmp-") != std::string::npos) fs::remove(it->path(), ec);
  }
}

/// Creates the folders and checks (or records) that a resumed build uses the same options.
Result<bool> prepareFolders(const CorpusOptions& o, const fs::path& work) {
  std::error_code ec;
  if (fs::exists(fs::path(o.outDir) / "manifest.json", ec))
    return makeError(ErrorCode::InvalidArgument,
                     "this folder already holds a complete corpus (manifest.json); choose a new output folder", o.outDir);
  fs::create_directories(work, ec);
  if (ec) return makeError(ErrorCode::Io, "cannot create the output folder: " + ec.message(), o.outDir);
  sweepTemps(o.outDir);
  sweepTemps(work);
  const fs::path fp = work / "build.json";
  const nlohmann::json want = fingerprint(o);
  if (fs::exists(fp, ec)) {
    STAMP_ASSIGN(auto text, readFile(fp));
    const auto have = nlohmann::json::parse(text, nullptr, false);
    if (have != want)
      return makeError(ErrorCode::Mismatch,
                       "an interrupted build with other options is in this folder; resume it with the same options "
                       "or choose a new output folder", o.outDir);
    return true;
  }
  STAMP_CHECK(writeFileAtomic(fp, want.dump(2)));
  return false;
}

fs::path partPath(const fs::path& work, int i) { return work / ("part-" + std::to_string(i) + ".h5"); }
fs::path recordPath(const fs::path& work, int i) { return work / ("part-" + std::to_string(i) + ".json"); }

/// Completed samples of an interrupted run (a record is written only after its part).
std::vector<std::optional<SampleOutcome>> loadRecords(const fs::path& work, std::size_t n) {
  std::vector<std::optional<SampleOutcome>> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto text = readFile(recordPath(work, int(i)));
    if (!text) continue;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded()) continue;
    auto o = outcomeFromJson(j);
    std::error_code ec;
    // A record whose rows are gone (part deleted by hand) is redone rather than trusted.
    if (o && (o->record.spotsKept == 0 || fs::exists(partPath(work, int(i)), ec))) out[i] = std::move(*o);
  }
  return out;
}

struct SampleRun {
  const std::vector<InputSample>& inputs;
  const std::vector<int>& datasetIds;
  const JobContext& ctx;
  const fs::path& work;
  std::vector<std::optional<SampleOutcome>>& outcomes;
  ProgressReporter* progress;
};

/// Runs the samples without a record on `workers` threads; the first hard error stops the rest.
Status runSamples(SampleRun run, int workers) {
  std::vector<int> todo;
  for (std::size_t i = 0; i < run.outcomes.size(); ++i)
    if (!run.outcomes[i]) todo.push_back(int(i));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::optional<Error> firstError;
  auto worker = [&] {
    for (std::size_t k; !stop && (k = next++) < todo.size();) {
      if (run.ctx.cancel.cancelled()) {
        std::lock_guard lock(mutex);
        if (!firstError) firstError = makeError(ErrorCode::Cancelled, "cancelled");
        stop = true;
        break;
      }
      const int i = todo[k];
      auto o = processSample(run.inputs[std::size_t(i)], i, run.datasetIds[std::size_t(i)], run.ctx,
                             partPath(run.work, i).string());
      Status saved = o ? writeFileAtomic(recordPath(run.work, i), toJson(*o).dump()) : Status(o.error());
      std::lock_guard lock(mutex);
      if (!saved) {
        if (!firstError) firstError = saved.error();
        stop = true;
        continue;
      }
      run.outcomes[std::size_t(i)] = std::move(*o);
      if (run.progress) run.progress->advance();
    }
  };
  core::runOnThreads(std::max(1, std::min<int>(workers, int(todo.size()))), [&](int) { worker(); });
  if (firstError) return *firstError;
  return {};
}

struct Segment {
  int sample;
  long long from, count;  // rows of the sample's part
};

/// Copies the segments' rows into one shard file (through a temp name).
Status writeShard(const fs::path& path, const fs::path& work, const std::vector<Segment>& segs, long long rows,
                  bool images, const CancelToken& cancel, ProgressReporter* progress) {
  const long long block = images ? 32 : 512;
  return writeViaTemp(path, [&](const fs::path& tmp) -> Status {
    STAMP_ASSIGN(auto w, RowWriter::create(tmp.string(), rows, kTokenLen, images ? kImagePx : 0));
    for (const Segment& s : segs) {
      STAMP_ASSIGN(auto r, RowReader::open(partPath(work, s.sample).string()));
      for (long long at = s.from; at < s.from + s.count; at += block) {
        STAMP_CHECK(cancel.check());
        STAMP_ASSIGN(auto b, r.read(at, std::min(block, s.from + s.count - at), images));
        STAMP_CHECK(w.write(b));
        if (progress) progress->advance(b.rows);
      }
    }
    return w.close();
  });
}

/// Cuts the kept rows, in sample order, into shards of `shardSize` rows and writes the missing ones.
Result<std::vector<ShardRecord>> writeShards(const CorpusOptions& o, const fs::path& work,
                                             const std::vector<SampleRecord>& samples, const CancelToken& cancel,
                                             ProgressReporter* progress) {
  std::vector<std::vector<Segment>> plan(1);
  std::vector<ShardRecord> shards(1);
  for (const auto& s : samples) {
    for (long long from = 0; from < s.spotsKept;) {
      if (shards.back().rows == o.shardSize) plan.emplace_back(), shards.emplace_back();
      const long long n = std::min(s.spotsKept - from, o.shardSize - shards.back().rows);
      plan.back().push_back({s.id, from, n});
      shards.back().rows += n;
      shards.back().samples.emplace_back(s.id, n);
      from += n;
    }
  }
  if (shards.back().rows == 0) return std::vector<ShardRecord>{};
  long long total = 0;
  for (const auto& s : shards) total += s.rows;
  if (progress) progress->begin("Writing shards", total);
  for (std::size_t k = 0; k < shards.size(); ++k) {
    shards[k].file = "tokens-" + std::to_string(k) + ".h5";
    const fs::path path = fs::path(o.outDir) / shards[k].file;
    std::error_code ec;
    if (fs::exists(path, ec)) {  // renamed into place only when complete
      if (progress) progress->advance(shards[k].rows);
      continue;
    }
    STAMP_CHECK(writeShard(path, work, plan[k], shards[k].rows, o.withImages, cancel, progress));
  }
  return shards;
}

}  // namespace

Result<CorpusSummary> buildCorpus(const CorpusOptions& options, ProgressReporter* progress) {
  STAMP_CHECK(validate(options));
  const fs::path work = fs::path(options.outDir) / ".corpus";
  if (progress) progress->begin("Scanning inputs", 1);
  STAMP_ASSIGN(auto inputs, discoverInputs(options.inputs));
  STAMP_ASSIGN(auto vocab, st::Vocabulary::load(options.vocabDir));
  STAMP_ASSIGN(const bool resumed, prepareFolders(options, work));  // nothing created before this
  CorpusSummary sum;
  sum.outDir = options.outDir;
  sum.vocabularySize = (long long)vocab.size();
  std::vector<int> datasetIds;
  std::map<std::string, int> datasetIndex;
  for (const auto& in : inputs) {
    auto [it, added] = datasetIndex.emplace(in.datasetKey, int(sum.datasets.size()));
    if (added) sum.datasets.push_back(in.datasetKey);
    datasetIds.push_back(it->second);
  }
  auto outcomes = loadRecords(work, inputs.size());
  sum.resumed = resumed && std::any_of(outcomes.begin(), outcomes.end(), [](auto& o) { return o.has_value(); });
  JobContext ctx{&options, &vocab, progress ? progress->token() : CancelToken{}};
  if (progress) {
    progress->begin("Processing samples", (long long)inputs.size());
    progress->advance(std::count_if(outcomes.begin(), outcomes.end(), [](auto& o) { return o.has_value(); }));
  }
  const int workers = options.workers > 0 ? options.workers : core::hardwareThreads();
  STAMP_CHECK(runSamples({inputs, datasetIds, ctx, work, outcomes, progress}, workers));
  std::vector<char> seen(vocab.size(), 0);
  for (auto& o : outcomes) {
    for (int g : o->expressedGenes)
      if (g >= 0 && std::size_t(g) < seen.size()) seen[std::size_t(g)] = 1;
    sum.spots += o->record.spotsKept;
    sum.samples.push_back(std::move(o->record));
  }
  sum.vocabularyGenesSeen = std::count(seen.begin(), seen.end(), char(1));
  STAMP_ASSIGN(sum.shards, writeShards(options, work, sum.samples, ctx.cancel, progress));
  STAMP_CHECK(writeReports(sum, options));
  std::error_code ec;
  fs::remove_all(work, ec);  // the manifest marks completion; the parts are no longer needed
  return sum;
}

}  // namespace stamp::core::corpus
