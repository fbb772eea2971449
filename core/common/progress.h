#pragma once
/// Progress reporting and cooperative cancellation usable from any thread (no Qt).
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"

namespace stamp::core {

/// A flag shared between the thread that asks to stop and the worker that checks it.
/// Copies share the same flag; thread-safe.
class CancelToken {
 public:
  CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void cancel() const { flag_->store(true, std::memory_order_relaxed); }
  bool cancelled() const { return flag_->load(std::memory_order_relaxed); }
  /// Error(Cancelled) when cancelled, so workers can `STAMP_CHECK(token.check())`.
  Status check() const;

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

/// One progress report: done of total units, with a phase label and an ETA estimate.
struct ProgressUpdate {
  std::string phase;
  long long done = 0;
  long long total = 0;
  double elapsedSeconds = 0;
  double etaSeconds = -1;  // < 0 when unknown
  double fraction() const { return total > 0 ? double(done) / double(total) : 0.0; }
};

using ProgressCallback = std::function<void(const ProgressUpdate&)>;

/// Turns step counts into ProgressUpdates with elapsed time and ETA, throttled so that a hot
/// loop does not flood the GUI. The callback runs on the reporting thread; thread-safe.
class ProgressReporter {
 public:
  explicit ProgressReporter(ProgressCallback cb = {}, CancelToken token = {},
                            double minIntervalSeconds = 0.1);
  void begin(std::string phase, long long total);
  /// Adds `n` done units; reports when enough time passed or when the phase completes.
  void advance(long long n = 1);
  Status check() const { return token_.check(); }
  const CancelToken& token() const { return token_; }
  long long done() const { return done_.load(); }

 private:
  void emit(bool force);
  ProgressCallback cb_;
  CancelToken token_;
  double minInterval_;
  std::mutex mutex_;
  std::string phase_;
  std::atomic<long long> done_{0};
  long long total_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace stamp::core
