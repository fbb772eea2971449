#pragma once
/// ModelController: loads a STAMP model, computes (or reads back cached) embeddings of the shown
/// sample and builds embedding layers, all on worker threads. Progress arrives as queued
/// signals; cancel() stops the running embedding between batches. GUI-thread object.
#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <deque>
#include <functional>
#include <memory>

#include "common/progress.h"
#include "embedding_layers.h"
#include "engine/embedder.h"
#include "engine/model_handle.h"
#include "sample_controller.h"
#include "st/vocabulary.h"

namespace stamp::app {

/// What the "Load model" dialog asks for. `untrained` builds a fresh seeded model of `preset`.
struct ModelRequest {
  QString preset = QStringLiteral("tiny");  // "tiny" or "uni"
  QString weights;                          // .pt / .safetensors (unless untrained)
  QString config;                           // optional config JSON
  bool untrained = false;
  QString device = QStringLiteral("cpu");      // "cpu", "cuda" or "cuda:N"
  QString precision = QStringLiteral("fp32");  // inference precision: fp32, bf16 or fp16 (CUDA)
};

/// Result of one worker job (exactly one of the payloads, or an error / cancellation).
struct ModelJobOutcome {
  std::shared_ptr<core::engine::ModelHandle> model;
  std::shared_ptr<const core::engine::EmbeddingTable> table;
  std::shared_ptr<const core::st::Vocabulary> vocab;
  std::shared_ptr<const widgets::Layer> layer;
  QString error;
  QString cachePath;
  bool fromCache = false;
  bool cancelled = false;
  std::uint64_t epoch = 0;  // the sample generation the job started in (see forgetEmbeddings)
};

class ModelController : public QObject {
  Q_OBJECT
 public:
  explicit ModelController(QObject* parent = nullptr);
  ~ModelController() override;

  void loadModel(const ModelRequest& request);
  /// Hands over an already loaded model (scripts, tests).
  void setModel(std::shared_ptr<core::engine::ModelHandle> model);
  /// Embeds the spots of `sample` (or a grid over a slide without spots). Reads
  /// `<cacheDir>/<sample>[-grid]-<sha256 prefix>[-bf16|-fp16].h5ad` instead when it exists, else
  /// writes it.
  void computeEmbeddings(std::shared_ptr<const LoadedSample> sample);
  /// Builds a layer from the current embeddings on a worker; emits layerReady.
  void buildLayer(std::function<core::Result<widgets::Layer>(const core::engine::EmbeddingTable&)> make);
  void cancel();
  /// A new sample is on screen: drops the embeddings and cancels jobs of the previous one; their
  /// tables and layers, should they still arrive, are ignored.
  void forgetEmbeddings();

  void setVocabularyFolder(const QString& folder);
  QString vocabularyFolder() const { return vocabFolder_; }
  void setCacheDir(const QString& dir) { cacheDir_ = dir; }
  QString cacheDir() const { return cacheDir_; }
  /// The cache file for `sample` with the current model ("" without a model).
  QString cachePathFor(const LoadedSample& sample) const;

  bool busy() const { return watcher_.isRunning(); }
  std::shared_ptr<core::engine::ModelHandle> model() const { return model_; }
  std::shared_ptr<const core::engine::EmbeddingTable> embeddings() const { return table_; }

 Q_SIGNALS:
  void modelLoaded(const QString& description);
  void embeddingsReady(bool fromCache);
  void layerReady(std::shared_ptr<const stamp::widgets::Layer> layer);
  /// Phase, fraction 0..1 and the estimated seconds left (< 0 unknown).
  void progress(const QString& phase, double fraction, double etaSeconds);
  void failed(const QString& message);
  void cancelled();
  void busyChanged(bool busy);

 private:
  void run(std::function<ModelJobOutcome(core::CancelToken, core::ProgressCallback)> job);
  void finish();
  void startNextLayer();
  core::ProgressCallback progressCallback();
  QFutureWatcher<ModelJobOutcome> watcher_;
  QFutureWatcher<ModelJobOutcome> layerWatcher_;
  struct PendingLayer {
    std::shared_ptr<const core::engine::EmbeddingTable> table;
    std::function<core::Result<widgets::Layer>(const core::engine::EmbeddingTable&)> make;
    std::uint64_t epoch = 0;
  };
  std::deque<PendingLayer> pendingLayers_;
  bool layerBusy_ = false;
  core::CancelToken token_;
  std::uint64_t epoch_ = 0;
  std::shared_ptr<core::engine::ModelHandle> model_;
  std::shared_ptr<const core::engine::EmbeddingTable> table_;
  std::shared_ptr<const core::st::Vocabulary> vocab_;
  QString vocabFolder_;
  QString cacheDir_;
};

/// $STAMP_VOCAB, else ../shared/data/stamp-vocab beside the working folder when present.
QString defaultVocabularyFolder();

}  // namespace stamp::app
