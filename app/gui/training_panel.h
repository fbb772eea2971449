#pragma once
/// TrainingPanel: the training dock. Samples (the open sample and files added), the model (the
/// loaded one, or a preset/config with optional weights) and what trains, hyper-parameters with
/// TrainConfig's defaults, device and output folder; Start / Pause / Cancel / Resume; live charts,
/// throughput and ETA. The run itself is the TrainingController's (a worker thread).
#include <QDoubleSpinBox>
#include <QString>
#include <QWidget>
#include <functional>
#include <optional>

#include "training_controller.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace stamp::app {

class ModelController;
class TrainingCharts;
struct LoadedSample;

/// A spin box that shows and reads values like 1e-4 (learning rates, weight decay).
class ScientificSpinBox : public QDoubleSpinBox {
 public:
  explicit ScientificSpinBox(QWidget* parent = nullptr);
  QString textFromValue(double value) const override;
  double valueFromText(const QString& text) const override;
  QValidator::State validate(QString& text, int& pos) const override;
  void stepBy(int steps) override;  // multiplies/divides by 2 per step
};

/// The panel's inputs (public so tests and scripts drive the real widgets).
struct TrainingForm {
  QListWidget* samples = nullptr;   // item data: Qt::UserRole st path, UserRole+1 slide path
  QComboBox* mode = nullptr;        // "align" / "pretrain"
  QComboBox* modelSource = nullptr; // 0 loaded model, 1 preset/config
  QComboBox* preset = nullptr;
  QLineEdit* config = nullptr;      // JSON text or config file
  QLineEdit* weights = nullptr;     // optional start weights
  QCheckBox* partial = nullptr;
  QLineEdit* vocab = nullptr;
  QComboBox* scope = nullptr;       // TrainScope order
  QSpinBox* lastBlocks = nullptr;
  ScientificSpinBox* lr = nullptr;
  ScientificSpinBox* weightDecay = nullptr;
  QSpinBox* batch = nullptr;
  QSpinBox* steps = nullptr;
  QSpinBox* warmup = nullptr;
  QSpinBox* validateEvery = nullptr;
  QSpinBox* checkpointEvery = nullptr;
  QSpinBox* valSpots = nullptr;
  QSpinBox* seed = nullptr;
  QComboBox* device = nullptr;
  QCheckBox* mixedPrecision = nullptr;
  QLineEdit* output = nullptr;
};

class TrainingPanel : public QWidget {
  Q_OBJECT
 public:
  TrainingPanel(ModelController* models, QWidget* parent = nullptr);

  /// The sample on screen becomes the first training sample (null: none is open).
  void setOpenSample(const LoadedSample* sample);
  void addSampleFiles(const QStringList& paths);
  /// The request the form describes, or the reason it cannot run.
  std::optional<TrainingRequest> request(QString* error) const;

  /// Starts a run from the form; false (reason in the status line) when rejected.
  bool start();
  /// Continues the run in `folder` from its last checkpoint (its run.json), charting its
  /// metrics.csv history first.
  bool resumeRun(const QString& folder);

  TrainingController* controller() const { return controller_; }
  TrainingCharts* charts() const { return charts_; }
  const TrainingForm& form() const { return form_; }
  QPushButton* startButton() const { return start_; }
  QPushButton* pauseButton() const { return pause_; }
  QPushButton* cancelButton() const { return cancel_; }
  QLabel* statusLabel() const { return status_; }

 Q_SIGNALS:
  /// A run finished with new weights (already loaded as `outcome.model`).
  void runCompleted(const stamp::app::TrainingOutcome& outcome);

 private:
  QWidget* buildSamples();
  QWidget* buildModel();
  QWidget* buildHyper();
  QWidget* buildButtons();
  void fillDefaults();
  void chooseSamples();
  void chooseResume();
  void choosePath(QLineEdit* edit, bool folder, const QString& title);
  void setRunning(bool running);
  void showPoints(const std::vector<TrainingPoint>& points);
  void showFinished(const TrainingOutcome& outcome);
  void updateEta();

  ModelController* models_;
  TrainingController* controller_;
  TrainingCharts* charts_ = nullptr;
  TrainingForm form_;
  QPushButton* start_ = nullptr;
  QPushButton* pause_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QPushButton* resume_ = nullptr;
  QLabel* status_ = nullptr;
  QLabel* rate_ = nullptr;
  std::int64_t lastStep_ = 0;
  double lastActive_ = 0, firstActive_ = -1;
  std::int64_t firstStep_ = 0;
  double samplesPerSecond_ = 0;
};

}  // namespace stamp::app
