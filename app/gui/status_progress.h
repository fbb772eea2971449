#pragma once
/// A long job's progress in the main window's status bar: a bar with the phase and percent, an
/// ETA and a cancel button, all three shown only while the job runs (embedding, localizing).
#include <QString>
#include <functional>

class QLabel;
class QMainWindow;
class QProgressBar;
class QToolButton;

namespace stamp::app {

class StatusProgress {
 public:
  /// Adds the (hidden) widgets to `window`'s status bar; the button, labelled `cancelText`,
  /// calls `cancel`.
  StatusProgress(QMainWindow* window, const QString& cancelText, std::function<void()> cancel);
  /// `fraction` in [0, 1]; `etaSeconds` < 0 when not known yet.
  void show(const QString& phase, double fraction, double etaSeconds);
  /// Shows the widgets (the bar at 0) or hides them.
  void setBusy(bool busy);

 private:
  QProgressBar* bar_ = nullptr;
  QLabel* eta_ = nullptr;
  QToolButton* cancel_ = nullptr;
};

}  // namespace stamp::app
