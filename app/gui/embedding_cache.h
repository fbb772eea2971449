#pragma once
/// Embedding a loaded sample and the GUI's embedding cache: one piece of code for the open
/// sample (ModelController) and for samples a query runs across (embedOtherSample).
#include <QString>
#include <memory>

#include "common/progress.h"
#include "common/result.h"
#include "engine/embedder.h"
#include "engine/model_handle.h"
#include "st/vocabulary.h"

namespace stamp::app {

struct LoadedSample;

/// The cached table at `path` when it was computed from the same file as `s` (a same-named
/// sample or slide in another folder is not it), covers the same rows (the sample's barcodes
/// in order) and has the gene part when `needGene`; null otherwise.
std::shared_ptr<const core::engine::EmbeddingTable> readEmbeddingCache(const QString& path, const LoadedSample& s,
                                                                       bool needGene);

/// Writes the table with its model and source (atomically); a failed write only costs a
/// recomputation next time, so it is not reported.
void writeEmbeddingCache(const QString& path, const core::engine::EmbeddingTable& table, const LoadedSample& s,
                         const core::engine::ModelHandle& model);

/// Embeds the sample's spots on its image (its own, else the one shown for it), or a bare
/// slide's tissue grid. Without `vocab` only images are embedded.
core::Result<core::engine::EmbeddingTable> embedLoadedSample(const core::engine::ModelHandle& model,
                                                             const LoadedSample& s, const core::st::Vocabulary* vocab,
                                                             core::ProgressReporter& progress);

}  // namespace stamp::app
