#pragma once
/// The "Model" menu and toolbar of the main window: load a model, compute embeddings (progress,
/// ETA and Cancel in the status bar) and add embedding layers. Owns the ModelController.
#include <QObject>
#include <QString>
#include <optional>

#include "embedding_layers.h"
#include "model_controller.h"
#include "status_progress.h"

class QAction;
class QSpinBox;

namespace stamp::app {

class MainWindow;

class ModelActions : public QObject {
  Q_OBJECT
 public:
  explicit ModelActions(MainWindow* window);
  ModelController* controller() const { return controller_; }
  QSpinBox* clusterCount() const { return kBox_; }
  QAction* computeAction() const { return compute_; }

  /// Opens the dialog; loads the model it describes (asynchronously).
  void chooseModel();
  void computeEmbeddings();
  void addPcaLayer(EmbeddingSource source);
  void addClusterLayer(EmbeddingSource source);
  /// Adds "Similarity to clicked spot" for `spot` and keeps it following clicks.
  void addSimilarityLayer(int spot);
  void addAgreementLayer();

 private:
  void buildMenu();
  void showProgress(const QString& phase, double fraction, double eta);
  void setBusy(bool busy);
  void embeddingsShown(bool fromCache);
  void showGridSpots();
  MainWindow* window_;
  ModelController* controller_;
  QAction* compute_ = nullptr;
  QSpinBox* kBox_ = nullptr;
  std::optional<StatusProgress> status_;
  int lastClicked_ = 0;
  bool followClicks_ = false;
};

}  // namespace stamp::app
