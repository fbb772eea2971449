#include "training_controller.h"

#include <QDir>
#include <QFileInfo>
#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent>
#include <chrono>
#include <filesystem>

#include "engine/checkpoint.h"
#include "engine/model_handle_impl.h"
#include "model/config.h"

namespace stamp::app {

namespace engine = core::engine;
namespace fs = std::filesystem;

void PauseGate::setPaused(bool paused) {
  {
    std::lock_guard lock(mutex_);
    paused_ = paused;
  }
  cv_.notify_all();
}

bool PauseGate::paused() const {
  std::lock_guard lock(mutex_);
  return paused_;
}

double PauseGate::wait(const core::CancelToken& token) {
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  // A short timed wait: cancel() notifies, but the token is not guarded by this mutex.
  holding_ = paused_;
  while (paused_ && !token.cancelled()) cv_.wait_for(lock, std::chrono::milliseconds(100));
  holding_ = false;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void PauseGate::release() { cv_.notify_all(); }

bool PauseGate::holding() const {
  std::lock_guard lock(mutex_);
  return holding_;
}

TrainingController::TrainingController(QObject* parent) : QObject(parent) {
  pool_.setMaxThreadCount(1);
  connect(&watcher_, &QFutureWatcher<TrainingOutcome>::finished, this, &TrainingController::finish);
}

TrainingController::~TrainingController() {
  if (watcher_.isRunning()) {
    cancel();
    watcher_.waitForFinished();
  }
}

bool TrainingController::start(const TrainingRequest& request) {
  if (busy()) {
    Q_EMIT failed(tr("A training run is already going; cancel it first"));
    return false;
  }
  if (auto ok = engine::validateTrainConfig(request.config); !ok) {
    Q_EMIT failed(QString::fromStdString(ok.error().describe()));
    return false;
  }
  const QString out = QString::fromStdString(request.config.output);
  if (!request.resume && QFileInfo::exists(QDir(out).filePath(QStringLiteral("latest.json")))) {
    Q_EMIT failed(tr("%1 already holds a run: resume it, or choose another output folder").arg(out));
    return false;
  }
  token_ = core::CancelToken();
  gate_->setPaused(false);
  steps_->store(0);
  {
    std::lock_guard lock(inbox_->mutex);
    inbox_->points.clear();
  }
  totalSteps_ = request.config.steps;
  output_ = out;
  auto token = token_;
  watcher_.setFuture(QtConcurrent::run(&pool_, [this, request, token] { return work(request, token); }));
  Q_EMIT busyChanged(true);
  Q_EMIT started(out, totalSteps_, request.resume);
  return true;
}

void TrainingController::setPaused(bool paused) {
  if (!busy() || gate_->paused() == paused) return;
  gate_->setPaused(paused);
  Q_EMIT pausedChanged(paused);
}

void TrainingController::cancel() {
  token_.cancel();
  gate_->release();
}

namespace {

/// Writes the start model's weights and configuration into the run folder (under its mutex:
/// the model may be embedding on another worker).
core::Result<std::string> saveStartModel(const engine::ModelHandle& model, const std::string& output) {
  std::error_code ec;
  fs::create_directories(output, ec);
  if (ec) return core::makeError(core::ErrorCode::Io, "cannot create the run folder: " + ec.message(), output);
  const fs::path weights = fs::path(output) / "initial-model.safetensors";
  std::lock_guard lock(model.mutex());
  try {
    STAMP_CHECK(engine::writeModelFiles(weights, model.impl().module));
  } catch (const std::exception& e) {
    return core::makeError(core::ErrorCode::Io, std::string("cannot save the start model: ") + e.what(), weights.string());
  }
  return weights.string();
}

TrainingOutcome failure(const core::Error& e, const std::string& output) {
  TrainingOutcome out;
  out.cancelled = e.code == core::ErrorCode::Cancelled;
  out.error = out.cancelled ? QString() : QString::fromStdString(e.describe());
  out.output = QString::fromStdString(output);
  return out;
}

}  // namespace

// Runs on the pool thread; only value types and the shared inbox/gate cross threads.
TrainingOutcome TrainingController::work(TrainingRequest request, core::CancelToken token) {
  auto& cfg = request.config;
  if (request.startModel && !request.resume) {
    auto weights = saveStartModel(*request.startModel, cfg.output);
    if (!weights) return failure(weights.error(), cfg.output);
    cfg.modelConfig = core::model::configToJson(request.startModel->config());
    cfg.initWeights = *weights;
    cfg.initPartial = false;
  }
  double pausedSeconds = 0;
  core::ProgressReporter progress({}, token);
  engine::TrainHooks h = hooks(token, &pausedSeconds);
  h.progress = &progress;
  auto r = engine::runTraining(cfg, engine::DistEnv{}, request.resume, h);
  if (!r) return failure(r.error(), cfg.output);
  TrainingOutcome out;
  out.summary = *r;
  out.output = QString::fromStdString(cfg.output);
  out.cancelled = r->cancelled;
  if (r->cancelled || r->finalWeights.empty()) return out;
  auto model = engine::ModelHandle::fromFiles(r->finalWeights, std::nullopt, std::nullopt, cfg.device);
  if (!model) return failure(model.error().within("the final weights"), cfg.output);
  out.model = std::move(model).value();
  return out;
}

engine::TrainHooks TrainingController::hooks(const core::CancelToken& token, double* pausedSeconds) {
  engine::TrainHooks h;
  const auto t0 = std::chrono::steady_clock::now();
  auto gate = gate_;
  auto steps = steps_;
  h.onMetrics = [this, t0, gate, steps, token, pausedSeconds](const engine::MetricsRow& row) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (row.phase == "train") steps->store(row.step);
    post(TrainingPoint{row, secs - *pausedSeconds});
    // Between two optimiser steps: the cheapest place to hold the run without touching it.
    if (row.phase == "train") *pausedSeconds += gate->wait(token);
  };
  h.onHistory = [this](const std::vector<engine::MetricsRow>& rows) {
    for (const auto& row : rows) post(TrainingPoint{row, 0, true});
  };
  QPointer<TrainingController> self(this);
  h.onMessage = [self](const std::string& m) {
    const QString text = QString::fromStdString(m);
    QMetaObject::invokeMethod(
        self, [self, text] { if (self) Q_EMIT self->message(text); }, Qt::QueuedConnection);
  };
  return h;
}

// Worker side: queue the point; post one drain unless one is already pending (coalescing keeps
// the GUI's event queue short however fast the steps are).
void TrainingController::post(TrainingPoint point) {
  bool schedule = false;
  {
    std::lock_guard lock(inbox_->mutex);
    inbox_->points.push_back(std::move(point));
    schedule = !std::exchange(inbox_->posted, true);
  }
  if (schedule) QMetaObject::invokeMethod(this, &TrainingController::drain, Qt::QueuedConnection);
}

void TrainingController::drain() {
  std::vector<TrainingPoint> points;
  {
    std::lock_guard lock(inbox_->mutex);
    points.swap(inbox_->points);
    inbox_->posted = false;
  }
  if (!points.empty()) Q_EMIT metricsReceived(points);
}

void TrainingController::finish() {
  drain();  // the last rows before the outcome
  const bool wasPaused = gate_->paused();
  gate_->setPaused(false);
  if (wasPaused) Q_EMIT pausedChanged(false);
  TrainingOutcome outcome = watcher_.result();
  Q_EMIT busyChanged(false);
  if (!outcome.error.isEmpty()) Q_EMIT failed(outcome.error);
  Q_EMIT finished(outcome);
}

}  // namespace stamp::app
