#include "model_controller.h"

#include <QDir>
#include <QFileInfo>
#include <QPointer>
#include <QStandardPaths>
#include <QtConcurrent>

#include "background_job.h"
#include "embedding_cache.h"

#include "engine/embedding_io.h"
#include "model/config.h"
#include "slide/slide_reader.h"
#include "st/h5ad.h"

namespace stamp::app {

namespace engine = core::engine;

namespace {

QString describe(const core::Error& e) { return QString::fromStdString(e.describe()); }

ModelJobOutcome failure(const core::Error& e) {
  ModelJobOutcome out;
  out.cancelled = e.code == core::ErrorCode::Cancelled;
  out.error = describe(e);
  return out;
}

core::Result<std::shared_ptr<engine::ModelHandle>> openModel(const ModelRequest& r) {
  STAMP_ASSIGN(core::model::Precision precision, core::model::parsePrecision(r.precision.toStdString()));
  const std::string device = r.device.toStdString();
  std::shared_ptr<engine::ModelHandle> model;
  if (r.untrained) {
    STAMP_ASSIGN(auto config, core::model::presetByName(r.preset.toStdString()));
    STAMP_ASSIGN(model, engine::ModelHandle::fromConfig(config, /*seed=*/0, device));
  } else {
    std::optional<std::string> config, preset;
    if (!r.config.isEmpty()) config = r.config.toStdString();
    else if (!r.preset.isEmpty()) preset = r.preset.toStdString();
    STAMP_ASSIGN(model, engine::ModelHandle::fromFiles(r.weights.toStdString(), config, preset, device));
  }
  STAMP_CHECK(model->setPrecision(precision));
  return model;
}

}  // namespace

QString defaultVocabularyFolder() {
  const QString env = qEnvironmentVariable("STAMP_VOCAB");
  if (!env.isEmpty()) return env;
  const QString shared = QDir::current().absoluteFilePath(QStringLiteral("../shared/data/stamp-vocab"));
  return QFileInfo(shared).isDir() ? QDir::cleanPath(shared) : QString();
}

ModelController::ModelController(QObject* parent)
    : QObject(parent),
      vocabFolder_(defaultVocabularyFolder()),
      cacheDir_(QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                QStringLiteral("/embeddings")) {
  connect(&watcher_, &QFutureWatcher<ModelJobOutcome>::finished, this, &ModelController::finish);
  connect(&layerWatcher_, &QFutureWatcher<ModelJobOutcome>::finished, this, [this] {
    const ModelJobOutcome out = layerWatcher_.result();
    startNextLayer();  // before emitting: a slot may queue another layer
    if (out.epoch != epoch_) return;  // built for the previous sample
    if (out.layer) Q_EMIT layerReady(out.layer);
    else Q_EMIT failed(out.error);
  });
}

ModelController::~ModelController() {
  token_.cancel();
  watcher_.waitForFinished();  // jobs post progress to `this`
  layerWatcher_.waitForFinished();
}

void ModelController::setVocabularyFolder(const QString& folder) {
  if (folder != vocabFolder_) vocab_.reset();
  vocabFolder_ = folder;
}

void ModelController::setModel(std::shared_ptr<engine::ModelHandle> model) {
  model_ = std::move(model);
  table_.reset();
}

QString ModelController::cachePathFor(const LoadedSample& s) const {
  if (!model_ || cacheDir_.isEmpty()) return {};
  QString name = s.sample ? QString::fromStdString(s.sample->name) : QFileInfo(s.path).baseName();
  if (name.isEmpty()) name = QFileInfo(s.path).baseName();
  QString sha = QString::fromStdString(model_->sha256()).left(12);
  for (QChar& c : sha)
    if (!c.isLetterOrNumber()) c = QLatin1Char('_');  // "untrained:0" is no file name
  // A bare slide's grid and a sample's spots never share a file, even under one name; a spot
  // table read back must also carry the sample's barcodes in order (readEmbeddingCache checks, with the source file).
  if (!s.sample) name += QStringLiteral("-grid");
  // Reduced precision gives (slightly) other embeddings: they keep a file of their own.
  if (model_->precision() != core::model::Precision::Fp32)
    sha += QLatin1Char('-') + QString::fromLatin1(core::model::precisionName(model_->precision()));
  return QDir(cacheDir_).filePath(name + QLatin1Char('-') + sha + QStringLiteral(".h5ad"));
}

void ModelController::loadModel(const ModelRequest& request) {
  run([request](core::CancelToken, core::ProgressCallback cb) {
    cb(core::ProgressUpdate{"Loading model", 0, 1});
    auto model = openModel(request);
    if (!model.ok()) return failure(model.error());
    ModelJobOutcome out;
    out.model = std::move(model).value();
    return out;
  });
}

void ModelController::computeEmbeddings(std::shared_ptr<const LoadedSample> sample) {
  if (!model_ || !sample) {
    Q_EMIT failed(model_ ? tr("Open a sample or slide first") : tr("Load a model first"));
    return;
  }
  auto model = model_;
  auto vocab = vocab_;
  const QString folder = vocabFolder_;
  const QString path = cachePathFor(*sample);
  run([=](core::CancelToken token, core::ProgressCallback cb) {
    ModelJobOutcome out;
    out.vocab = vocab;
    if (!out.vocab && sample->sample && !folder.isEmpty()) {
      auto v = core::st::Vocabulary::load(folder.toStdString());
      if (!v.ok()) return failure(v.error());
      out.vocab = std::make_shared<const core::st::Vocabulary>(std::move(v).value());
    }
    out.cachePath = path;
    if ((out.table = readEmbeddingCache(path, *sample, out.vocab != nullptr))) {
      out.fromCache = true;
      return out;
    }
    core::ProgressReporter progress(cb, token);
    auto table = embedLoadedSample(*model, *sample, out.vocab.get(), progress);
    if (!table.ok()) return failure(table.error());
    writeEmbeddingCache(path, *table, *sample, *model);
    out.table = std::make_shared<const engine::EmbeddingTable>(std::move(table).value());
    return out;
  });
}

void ModelController::buildLayer(
    std::function<core::Result<widgets::Layer>(const engine::EmbeddingTable&)> make) {
  if (!table_) {
    Q_EMIT failed(tr("Compute embeddings first"));
    return;
  }
  // One layer job at a time keeps the layers in the order asked for; later requests queue
  // (k-means over many spots can take seconds, and the GUI thread never waits for it).
  pendingLayers_.push_back({table_, std::move(make), epoch_});
  if (!layerBusy_) startNextLayer();
}

void ModelController::startNextLayer() {
  // Busy until the finished handler has run: a finished future whose signal is still queued
  // must not be replaced (its result would be dropped).
  layerBusy_ = !pendingLayers_.empty();
  if (!layerBusy_) return;
  PendingLayer next = std::move(pendingLayers_.front());
  pendingLayers_.pop_front();
  layerWatcher_.setFuture(QtConcurrent::run([next = std::move(next)] {
    auto layer = next.make(*next.table);
    ModelJobOutcome out = layer.ok() ? ModelJobOutcome{} : failure(layer.error());
    if (layer.ok()) out.layer = std::make_shared<const widgets::Layer>(std::move(layer).value());
    out.epoch = next.epoch;
    return out;
  }));
}

void ModelController::cancel() { token_.cancel(); }

void ModelController::forgetEmbeddings() {
  ++epoch_;
  pendingLayers_.clear();  // they were for the previous embeddings
  if (watcher_.isRunning()) token_.cancel();
  table_.reset();
}

core::ProgressCallback ModelController::progressCallback() {
  return queuedProgress(this, [](ModelController* c, const core::ProgressUpdate& u) {
    Q_EMIT c->progress(QString::fromStdString(u.phase), u.fraction(), u.etaSeconds);
  });
}

void ModelController::run(std::function<ModelJobOutcome(core::CancelToken, core::ProgressCallback)> job) {
  const std::uint64_t epoch = epoch_;
  startJob<ModelJobOutcome>(watcher_, token_, [job = std::move(job), epoch](core::CancelToken t, core::ProgressCallback cb) {
    ModelJobOutcome out = job(std::move(t), std::move(cb));
    out.epoch = epoch;
    return out;
  }, progressCallback());
  Q_EMIT busyChanged(true);
}

void ModelController::finish() {
  const ModelJobOutcome out = watcher_.result();
  Q_EMIT busyChanged(false);
  if (out.model) {
    setModel(out.model);
    Q_EMIT modelLoaded(QStringLiteral("%1 (%2) on %3, %4")
                           .arg(QString::fromStdString(out.model->weightsPath().empty()
                                                           ? std::string("untrained")
                                                           : out.model->weightsPath()),
                                QString::fromStdString(out.model->sha256()).left(12),
                                QString::fromStdString(out.model->device()),
                                QString::fromLatin1(core::model::precisionName(out.model->precision()))));
  } else if (out.table) {
    if (out.epoch != epoch_) return;  // embeddings of the previous sample
    table_ = out.table;
    if (out.vocab) vocab_ = out.vocab;
    Q_EMIT embeddingsReady(out.fromCache);
  } else if (out.cancelled) {
    Q_EMIT cancelled();
  } else {
    Q_EMIT failed(out.error);
  }
}

}  // namespace stamp::app
