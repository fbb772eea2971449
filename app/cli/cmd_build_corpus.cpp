// stamp build-corpus: many spatial samples -> sharded HDF5 training corpus (SpaVis-6M path).
#include <csignal>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "corpus/corpus.h"

namespace stamp::app::cli {
using namespace stamp::core;

namespace {

CancelToken* gCancel = nullptr;
void onInterrupt(int) {
  if (gCancel) gCancel->cancel();  // an atomic store: safe in a signal handler
}

int runBuildCorpus(Args& a) {
  corpus::CorpusOptions o;
  o.inputs.push_back(*a.get("inputs"));
  for (const auto& p : a.positional()) o.inputs.push_back(p);
  o.outDir = *a.get("out");
  o.vocabDir = a.getOr("vocab", "");
  o.shardSize = int(a.getInt("shard-size", o.shardSize));
  o.withImages = a.has("with-images");
  o.minGenes = int(a.getInt("min-genes", o.minGenes));
  o.inTissueOnly = a.has("in-tissue-only");
  o.workers = int(a.getInt("workers", 0));
  const long long seed = a.getInt("seed", 0);
  if (a.has("magnification")) o.magnification = a.getDouble("magnification", 0);
  if (a.has("mpp")) o.mpp = a.getDouble("mpp", 0);
  if (!a.error().empty()) return usageError(buildCorpusCommand(), a.error());
  if (seed < 0) return usageError(buildCorpusCommand(), "--seed must be a non-negative integer");
  o.seed = std::uint64_t(seed);
  if (o.vocabDir.empty()) return usageError(buildCorpusCommand(), "--vocab DIR is required (the STAMP vocabulary folder)");
  CancelToken cancel;
  gCancel = &cancel;
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
  ProgressReporter progress(progressLine, cancel, 0.5);
  auto sum = corpus::buildCorpus(o, &progress);
  std::cerr << "\n";
  if (!sum) {
    if (sum.error().code == ErrorCode::Cancelled)
      return fail("stopped; run the same command again to resume (completed samples are kept)");
    return fail(sum.error().describe());
  }
  long long skipped = 0;
  for (const auto& s : sum->samples) skipped += s.skipped.empty() ? 0 : 1;
  std::cout << "wrote " << sum->spots << " spots from " << sum->samples.size() - std::size_t(skipped) << " sample(s) in "
            << sum->shards.size() << " shard(s) to " << o.outDir << (sum->resumed ? " (resumed)" : "") << "\n"
            << "  vocabulary coverage: " << sum->vocabularyGenesSeen << " / " << sum->vocabularySize << " genes\n"
            << "  manifest: manifest.json, manifest.csv; report: summary.txt, summary.png\n";
  if (skipped > 0) std::cout << "  " << skipped << " sample(s) skipped; reasons in summary.txt\n";
  return kOk;
}

}  // namespace

Command buildCorpusCommand() {
  return {"build-corpus",
          "Build a STAMP training corpus from many spatial samples (HEST-1k roots, Space Ranger\n"
          "outs/ folders found recursively, .h5ad files, or a .txt list of sample paths; more\n"
          "inputs may follow as positional arguments). Writes tokens-<k>.h5 shards (tokenized_gene,\n"
          "images, images_aug, pos_label, batch_slide_id, batch_dataset_id), manifest.json/.csv and\n"
          "summary.txt/.png. An interrupted build resumes when run again with the same options.",
          "--inputs DIR|LIST --out DIR --vocab DIR [--shard-size N] [--with-images] [--min-genes N] "
          "[--in-tissue-only] [--workers N] [--magnification X | --mpp UM] [--seed N] [MORE_INPUTS...]",
          {{"inputs", "DIR|LIST", "folder to search for samples, a sample path, or a .txt list of paths", true},
           {"out", "DIR", "output folder (created; an interrupted build there is resumed)", true},
           {"vocab", "DIR", "STAMP vocabulary folder (model.h5ad, Visium_mean.npy, gene_symbol_to_ensembl.tsv)", false},
           {"shard-size", "N", "rows per shard (default 4096)", false},
           {"with-images", "", "also cut the 224 px spot patch and the region crop with its cell label", false},
           {"min-genes", "N", "drop spots expressing fewer vocabulary genes (default 1)", false},
           {"in-tissue-only", "", "drop spots marked off tissue", false},
           {"workers", "N", "samples processed in parallel (default: all cores)", false},
           {"magnification", "X", "crop magnification for every sample (default: from pixel size)", false},
           {"mpp", "UM", "pixel size for every sample (magnification = 10 / mpp)", false},
           {"seed", "N", "seed of the region cell draws (default 0)", false}},
          0, 1000, runBuildCorpus};
}

}  // namespace stamp::app::cli
