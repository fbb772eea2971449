#pragma once
/// The computations behind the Query menu, as plain C++ (no Qt) so that they run on workers and
/// tests call them directly: similarity layers for a query vector, ranked matches, the genes of
/// a patch's nearest spots, cropping and embedding a patch anywhere on a slide, and embedding
/// (or reading back from the cache) another sample to run the same query there.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "analysis/differential.h"
#include "common/progress.h"
#include "common/result.h"
#include "engine/embedder.h"
#include "engine/model_handle.h"
#include "widgets/layer.h"

namespace stamp::app {

struct LoadedSample;

/// The image embedding of table row `row` (an Error when out of range or not embedded).
core::Result<std::vector<float>> imageEmbeddingRow(const core::engine::EmbeddingTable& table,
                                                   std::int64_t row);

/// Cosine similarity of every row's image embedding to `query`, as a continuous layer named
/// `name` (viridis from the 1st percentile to the best match); rows not embedded are NaN.
core::Result<widgets::Layer> querySimilarityLayer(const core::engine::EmbeddingTable& table,
                                                  const std::vector<float>& query,
                                                  const std::string& name);

/// One match of a query: a row of some table with its cosine similarity.
struct Match {
  std::int64_t row = -1;
  std::string id;
  double x = 0, y = 0;
  float score = 0;
};
/// The `k` rows whose image embeddings are most similar to `query`, best first.
core::Result<std::vector<Match>> bestMatches(const core::engine::EmbeddingTable& table,
                                             const std::vector<float>& query, int k);

/// The patch square around a frame point, cut from `image` and embedded with the model.
/// `imageToFrame` is frame px per image level-0 px; `halfPatchFramePx` the half patch side.
core::Result<std::vector<float>> embedPatchAt(const core::engine::ModelHandle& model,
                                              const std::string& imagePath, double imageToFrame,
                                              double frameX, double frameY, double halfPatchFramePx);

/// Patch -> genes: the `k` spots whose embeddings lie nearest to `query` in the joint space
/// (their gene embeddings when computed, else their image embeddings), then the `n` genes most
/// characteristic of those spots against the rest.
struct PatchGenes {
  std::vector<core::analysis::GeneDifference> genes;
  std::vector<std::int64_t> spots;  // the nearest spots, nearest first
  bool jointSpace = false;          // true when gene embeddings were searched
};
core::Result<PatchGenes> genesOfPatch(const core::st::SpatialSample& sample,
                                      const core::engine::EmbeddingTable& table,
                                      const std::vector<float>& query, int k, int n);

/// Embeds the image patches of another sample (or slide) for a cross-sample query: reads
/// `cachePath` when it holds a table of the same rows, else embeds and writes it there.
core::Result<std::shared_ptr<const core::engine::EmbeddingTable>> embedOtherSample(
    const core::engine::ModelHandle& model, const LoadedSample& sample,
    const std::string& cachePath, core::ProgressReporter& progress);

}  // namespace stamp::app
