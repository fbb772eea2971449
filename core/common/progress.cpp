#include "common/progress.h"

namespace stamp::core {

Status CancelToken::check() const {
  if (cancelled()) return makeError(ErrorCode::Cancelled, "cancelled by the user");
  return {};
}

ProgressReporter::ProgressReporter(ProgressCallback cb, CancelToken token, double minIntervalSeconds)
    : cb_(std::move(cb)), token_(std::move(token)), minInterval_(minIntervalSeconds) {
  start_ = last_ = std::chrono::steady_clock::now();
}

void ProgressReporter::begin(std::string phase, long long total) {
  {
    std::lock_guard lock(mutex_);
    phase_ = std::move(phase);
    total_ = total;
    done_ = 0;
    start_ = std::chrono::steady_clock::now();
  }
  emit(true);
}

void ProgressReporter::advance(long long n) {
  long long now = done_.fetch_add(n) + n;
  emit(now >= total_);
}

void ProgressReporter::emit(bool force) {
  if (!cb_) return;
  ProgressUpdate u;
  {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    double sinceLast = std::chrono::duration<double>(now - last_).count();
    if (!force && sinceLast < minInterval_) return;
    last_ = now;
    u.phase = phase_;
    u.done = done_.load();
    u.total = total_;
    u.elapsedSeconds = std::chrono::duration<double>(now - start_).count();
    if (u.done > 0 && u.total > 0)
      u.etaSeconds = u.elapsedSeconds * double(u.total - u.done) / double(u.done);
  }
  cb_(u);  // outside the lock: the callback may be slow (queued signal, console line)
}

}  // namespace stamp::core
