#pragma once
/// The "Training" menu of the main window: the training dock (TrainingPanel) and "Build
/// corpus…". When a run completes, its weights become the ModelController's model and the open
/// sample is re-embedded, so the embedding layers can be rebuilt with the new weights.
#include <QObject>

class QDockWidget;

namespace stamp::app {

class MainWindow;
class TrainingPanel;
class CorpusDialog;
struct TrainingOutcome;

class TrainingActions : public QObject {
  Q_OBJECT
 public:
  explicit TrainingActions(MainWindow* window);
  TrainingPanel* panel() const { return panel_; }
  QDockWidget* dock() const { return dock_; }
  /// Shows the training dock (raised).
  void showPanel();
  /// Opens the (modeless) corpus dialog; the same one while it lives.
  CorpusDialog* showCorpusDialog();

 private:
  void adoptWeights(const TrainingOutcome& outcome);
  MainWindow* window_;
  TrainingPanel* panel_;
  QDockWidget* dock_;
  CorpusDialog* corpus_ = nullptr;
};

}  // namespace stamp::app
