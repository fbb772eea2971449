// stamp evaluate: how well a model localizes patches (chance 1/9) and retrieves spots <-> patches
// on a sample's spots.
#include <cstdlib>
#include <iostream>

#include "analysis/embedding_stats.h"
#include "cli_common.h"
#include "commands.h"
#include "common/threads.h"
#include "data/crops.h"
#include "engine/embedder.h"
#include "engine/localizer.h"
#include "st/open_spatial.h"

namespace stamp::app::cli {
using namespace stamp::core;

namespace {

/// Retrieval recall@1/5/10 between gene and image embeddings of the valid spots.
void printRetrieval(const engine::EmbeddingTable& t) {
  st::DenseMatrix g{0, t.gene.cols, {}}, im{0, t.image.cols, {}};
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (!t.geneValid[r] || !t.imageValid[r]) continue;
    g.data.insert(g.data.end(), t.gene.data.begin() + std::ptrdiff_t(r * std::size_t(g.cols)), t.gene.data.begin() + std::ptrdiff_t((r + 1) * std::size_t(g.cols)));
    im.data.insert(im.data.end(), t.image.data.begin() + std::ptrdiff_t(r * std::size_t(im.cols)), t.image.data.begin() + std::ptrdiff_t((r + 1) * std::size_t(im.cols)));
    ++g.rows, ++im.rows;
  }
  auto p2s = analysis::recallAtK(im, g, {1, 5, 10});
  auto s2p = analysis::recallAtK(g, im, {1, 5, 10});
  if (!p2s || !s2p) return;
  std::printf("retrieval over %lld spots (chance@5 = %.4f)\n", (long long)g.rows, std::min(1.0, 5.0 / double(g.rows)));
  std::printf("  patch->spot recall@1/5/10: %.4f %.4f %.4f\n", (*p2s)[0], (*p2s)[1], (*p2s)[2]);
  std::printf("  spot->patch recall@1/5/10: %.4f %.4f %.4f\n", (*s2p)[0], (*s2p)[1], (*s2p)[2]);
}

}  // namespace

static int runEvaluate(Args& a) {
  engine::EmbedOptions eo;
  if (a.has("mpp")) eo.mpp = a.getDouble("mpp", 0);
  if (a.has("magnification")) eo.magnification = a.getDouble("magnification", 0);
  const long long maxSpots = a.getInt("spots", 500), seed = a.getInt("seed", 0);
  if (!a.error().empty()) return fail(a.error());
  setupComputeThreads(0);
  auto sample = st::openSpatial(*a.get("st"));
  if (!sample) return fail(sample.error().describe());
  auto slide = openSlideFor(a.get("slide"), &*sample);
  if (!slide) return fail(slide.error().describe());
  eo.coordScale = slide->coordScale;
  auto mpp = engine::fullresMpp(&*sample, *slide->reader, eo);
  if (!mpp) return fail(mpp.error().describe());
  auto model = modelFromArgs(a);
  if (!model) return fail(model.error().describe());
  ProgressReporter progress(progressLine, {}, 0.5);
  const double ps = data::halfPatchPx(10.0 / *mpp);
  auto loc = engine::evaluateLocalization(**model, *slide->reader, *sample, ps, slide->coordScale, maxSpots,
                                          std::uint64_t(seed), &progress);
  if (!loc) return fail(loc.error().describe());
  std::printf("localization accuracy: %.4f over %lld spots (chance 0.1111)\n", loc->accuracy(), (long long)loc->evaluated);
  const char* env = std::getenv("STAMP_VOCAB");
  std::optional<std::string> vocabDir = a.get("vocab");
  if (!vocabDir && env) vocabDir = env;
  if (!vocabDir) {
    std::cout << "(retrieval skipped: give --vocab DIR for gene embeddings)\n";
    return kOk;
  }
  auto vocab = st::Vocabulary::load(*vocabDir);
  if (!vocab) return fail(vocab.error().describe());
  eo.inTissueOnly = true;
  auto table = engine::embedSpots(**model, *sample, *slide->reader, &*vocab, eo, &progress);
  if (!table) return fail(table.error().describe());
  printRetrieval(*table);
  return kOk;
}

Command evaluateCommand() {
  Command c{"evaluate",
            "Evaluate a model on a sample: cross-scale localization accuracy on held-out spots\n"
            "(chance 1/9) and, with the vocabulary, patch<->spot retrieval recall@1/5/10.",
            "--st ST [--slide S] --weights W [--vocab DIR] [--spots N] [--seed N]",
            {{"st", "ST", "spatial input", true},
             {"slide", "S", "whole-slide image (default: the sample's own image)", false},
             {"vocab", "DIR", "STAMP vocabulary folder (default $STAMP_VOCAB)", false},
             {"spots", "N", "spots evaluated for localization (default 500)", false},
             {"seed", "N", "seed for spot order and cells (default 0)", false},
             {"mpp", "UM", "microns per full-resolution pixel", false},
             {"magnification", "X", "magnification (overrides --mpp)", false}},
            0, 0, runEvaluate};
  auto m = modelOptions();
  c.options.insert(c.options.begin() + 2, m.begin(), m.end());
  return c;
}

}  // namespace stamp::app::cli
