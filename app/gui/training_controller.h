#pragma once
/// TrainingController: runs one STAMP training run (core/engine runTraining) on its own worker
/// thread, so the GUI thread never waits on it. Metrics rows arrive as queued, coalesced batches;
/// pause holds the worker between two optimiser steps; cancel stops it after the step in progress
/// (the trainer writes a checkpoint first, so the run can be resumed). When a run completes its
/// final weights are loaded (on the worker) and handed over with `finished`. GUI-thread object.
#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "common/progress.h"
#include "engine/metrics.h"
#include "engine/model_handle.h"
#include "engine/train_config.h"
#include "engine/trainer.h"

namespace stamp::app {

/// One metrics row with the training time spent up to it (pauses excluded), for the ETA.
struct TrainingPoint {
  core::engine::MetricsRow row;
  double activeSeconds = 0;
  bool history = false;  // logged before a resume: charted, but not part of this session's pace
};

/// What to run. With `startModel` the run starts from that model's current weights (written to
/// <output>/initial-model.safetensors on the worker) and configuration.
struct TrainingRequest {
  core::engine::TrainConfig config;
  bool resume = false;
  std::shared_ptr<core::engine::ModelHandle> startModel;
};

/// How a run ended: exactly one of completed (summary + model), cancelled, or error.
struct TrainingOutcome {
  core::engine::TrainSummary summary;
  std::shared_ptr<core::engine::ModelHandle> model;  // the final weights, when completed
  QString error;
  QString output;
  bool cancelled = false;
  bool completed() const { return error.isEmpty() && !cancelled && model != nullptr; }
};

/// Holds the worker between steps while paused; cancel releases it. Thread-safe.
class PauseGate {
 public:
  void setPaused(bool paused);
  bool paused() const;
  /// Blocks while paused and `token` is not cancelled; returns the seconds spent waiting.
  double wait(const core::CancelToken& token);
  void release();
  /// Whether a worker is held in wait() right now.
  bool holding() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool paused_ = false;
  bool holding_ = false;
};

class TrainingController : public QObject {
  Q_OBJECT
 public:
  explicit TrainingController(QObject* parent = nullptr);
  /// Cancels a running job and waits for it (at most one training step).
  ~TrainingController() override;

  /// Starts the run (validated first: false and `failed` when the request is rejected or a run
  /// is already going).
  bool start(const TrainingRequest& request);
  void setPaused(bool paused);
  void cancel();

  bool busy() const { return watcher_.isRunning(); }
  bool paused() const { return gate_->paused(); }
  /// Paused and the worker is holding between two steps (nothing runs).
  bool holding() const { return gate_->holding(); }
  /// Optimiser steps done by the running (or last) run; any thread.
  std::int64_t stepsDone() const { return steps_->load(); }
  std::int64_t totalSteps() const { return totalSteps_; }
  QString output() const { return output_; }

 Q_SIGNALS:
  void started(const QString& output, std::int64_t totalSteps, bool resumed);
  /// New rows since the last batch, in order (coalesced: at most one batch event is pending).
  void metricsReceived(const std::vector<stamp::app::TrainingPoint>& points);
  /// Notices of the trainer (e.g. mixed precision refused) and of the controller.
  void message(const QString& text);
  void pausedChanged(bool paused);
  void finished(const stamp::app::TrainingOutcome& outcome);
  void failed(const QString& message);
  void busyChanged(bool busy);

 private:
  struct Inbox {
    std::mutex mutex;
    std::vector<TrainingPoint> points;
    bool posted = false;
  };
  TrainingOutcome work(TrainingRequest request, core::CancelToken token);
  core::engine::TrainHooks hooks(const core::CancelToken& token, double* activeStart);
  void post(TrainingPoint point);
  void drain();
  void finish();

  QThreadPool pool_;  // one thread of its own: a long run never starves QtConcurrent's pool
  QFutureWatcher<TrainingOutcome> watcher_;
  core::CancelToken token_;
  std::shared_ptr<PauseGate> gate_ = std::make_shared<PauseGate>();
  std::shared_ptr<std::atomic<std::int64_t>> steps_ = std::make_shared<std::atomic<std::int64_t>>(0);
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  std::int64_t totalSteps_ = 0;
  QString output_;
};

}  // namespace stamp::app

Q_DECLARE_METATYPE(stamp::app::TrainingOutcome)
