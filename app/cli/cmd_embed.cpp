// stamp embed: STAMP gene and image embeddings of a slide's spots (or tissue grid) as AnnData.
#include <cstdlib>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "common/threads.h"
#include "engine/embedding_io.h"
#include "slide/slide_reader.h"
#include "st/h5ad.h"
#include "st/open_spatial.h"

namespace stamp::app::cli {
using namespace stamp::core;

namespace {

std::optional<std::string> vocabFolder(Args& a) {
  if (auto v = a.get("vocab")) return v;
  if (const char* env = std::getenv("STAMP_VOCAB")) return std::string(env);
  return std::nullopt;
}

}  // namespace

static int runEmbed(Args& a) {
  engine::EmbedOptions opt;
  opt.batchSize = int(a.getInt("batch", 32));
  if (a.has("mpp")) opt.mpp = a.getDouble("mpp", 0);
  if (a.has("magnification")) opt.magnification = a.getDouble("magnification", 0);
  opt.gridStep = a.getDouble("grid-step", 0);
  opt.inTissueOnly = a.has("in-tissue-only");
  if (!a.error().empty()) return fail(a.error());
  if (opt.batchSize < 1) return fail("--batch must be at least 1");
  setupComputeThreads(int(a.getInt("threads", 0)));
  std::optional<st::SpatialSample> sample;
  if (auto stPath = a.get("st")) {
    auto s = st::openSpatial(*stPath);
    if (!s) return fail(s.error().describe());
    sample = std::move(s).value();
  }
  auto slide = openSlideFor(a.get("slide"), sample ? &*sample : nullptr);
  if (!slide) return fail(slide.error().describe());
  opt.coordScale = slide->coordScale;
  const std::string slidePath = slide->reader->path();
  auto model = modelFromArgs(a);
  if (!model) return fail(model.error().describe());
  std::optional<st::Vocabulary> vocab;
  if (sample && !a.has("image-only")) {
    auto folder = vocabFolder(a);
    if (!folder) return fail("gene embeddings need the STAMP vocabulary: give --vocab DIR (or set STAMP_VOCAB), or --image-only");
    auto v = st::Vocabulary::load(*folder);
    if (!v) return fail(v.error().describe());
    vocab = std::move(v).value();
  }
  ProgressReporter progress(progressLine, {}, 0.5);
  auto table = sample ? engine::embedSpots(**model, *sample, *slide->reader, vocab ? &*vocab : nullptr, opt, &progress)
                      : engine::embedGrid(**model, *slide->reader, opt, &progress);
  if (!table) return fail(table.error().describe());
  nlohmann::json params = {{"weights", (*model)->weightsPath()}, {"weights_sha256", (*model)->sha256()},
                           {"config", nlohmann::json::parse(model::configToJson((*model)->config()))},
                           {"device", (*model)->device()},
                           {"precision", model::precisionName((*model)->precision())}, {"batch", opt.batchSize}, {"slide", slidePath},
                           {"st", a.getOr("st", "")}, {"vocab", vocab ? vocab->folder() : ""},
                           {"mode", sample ? "spots" : "grid"}, {"tool", "stamp embed"}};
  auto out = engine::embeddingToSample(*table, sample ? &*sample : nullptr, params);
  if (auto st = st::writeH5ad(*a.get("out"), out); !st) return fail(st.error().describe());
  std::cout << "embedded " << table->rows() << (sample ? " spots" : " grid patches") << " at "
            << table->magnification << "x -> " << *a.get("out") << "\n";
  if (table->emptySpots) std::cerr << "warning: " << table->emptySpots << " spot(s) express no vocabulary gene (gene embedding left zero, flagged in obs['stamp_gene_valid'])\n";
  if (table->outsideSpots) std::cerr << "warning: " << table->outsideSpots << " patch(es) fall outside the slide (flagged in obs['stamp_image_valid'])\n";
  return kOk;
}

Command embedCommand() {
  Command c{"embed",
          "Compute STAMP gene and image embeddings for every spot of a sample (or, without --st,\n"
          "for a grid of patches over the slide's tissue) and write them as AnnData (.h5ad):\n"
          "obsm['X_stamp_gene'], obsm['X_stamp_image'], obs['stamp_agreement'], parameters and\n"
          "the checkpoint's sha256 in uns['stamp'].",
          "--slide S [--st ST] --weights W [--config C | --preset P] --out OUT.h5ad [options]",
          {{"slide", "S", "whole-slide image (default: the sample's own image)", false},
           {"st", "ST", "spatial transcriptomics input (Space Ranger outs/, .h5, .h5ad, HEST)", false},
           {"out", "OUT", "output .h5ad", true},
           {"vocab", "DIR", "STAMP vocabulary folder (default $STAMP_VOCAB)", false},
           {"batch", "N", "batch size (default 32)", false},
           {"mpp", "UM", "microns per full-resolution pixel (overrides the files)", false},
           {"magnification", "X", "magnification (overrides --mpp; 20 = 0.5 um/px)", false},
           {"grid-step", "PX", "image-only grid step in slide pixels (default: the patch size)", false},
           {"in-tissue-only", "", "skip spots marked outside the tissue", false},
           {"image-only", "", "embed only the images even when --st is given", false},
           {"threads", "N", "CPU threads (default: all cores)", false}},
          0, 0, runEmbed};
  auto m = modelOptions();
  c.options.insert(c.options.begin() + 2, m.begin(), m.end());
  return c;
}

}  // namespace stamp::app::cli
