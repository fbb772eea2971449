#pragma once
/// The one way the app's controllers run core work off the GUI thread: a QtConcurrent job with
/// its own CancelToken, and progress posted back to the controller's thread.
#include <QFutureWatcher>
#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent>
#include <functional>

#include "common/progress.h"

namespace stamp::app {

/// Cancels a running job and starts `job` with a fresh token that is stored in `token`. The GUI
/// thread does not wait for the old job: it sees its token within one batch and ends on its own,
/// and its outcome is never delivered because the watcher now follows the new future.
template <class Outcome>
void startJob(QFutureWatcher<Outcome>& watcher, core::CancelToken& token,
              std::function<Outcome(core::CancelToken, core::ProgressCallback)> job,
              core::ProgressCallback progress) {
  token.cancel();
  token = core::CancelToken();
  auto t = token;
  watcher.setFuture(QtConcurrent::run([job, t, progress] { return job(t, progress); }));
}

/// A progress callback, callable from any thread, that runs `report(receiver, update)` on the
/// receiver's thread; updates for a receiver that is gone are dropped.
template <class Receiver, class Report>
core::ProgressCallback queuedProgress(Receiver* receiver, Report report) {
  QPointer<Receiver> self(receiver);
  return [self, report](const core::ProgressUpdate& u) {
    QMetaObject::invokeMethod(
        self, [self, report, u] { if (self) report(self.data(), u); }, Qt::QueuedConnection);
  };
}

}  // namespace stamp::app
