#pragma once
/// File > New / Open / Save / Save As project and Recent projects. Saving records the open
/// sample, the model, the layers and the view, and copies the computed embeddings into
/// "<project>.embeddings/" (on a worker); opening restores them in order: sample -> sample
/// layers -> model -> embeddings read from that folder (no recomputation) -> embedding layers
/// -> layer order and looks -> view. Every step runs off the GUI thread.
#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <memory>
#include <optional>

#include "common/project.h"

class QAction;
class QMenu;

namespace stamp::app {

class MainWindow;

class ProjectActions : public QObject {
  Q_OBJECT
 public:
  explicit ProjectActions(MainWindow* window);
  ~ProjectActions() override;

  /// Reads `path` and restores it; emits restored() or failed().
  void openProject(const QString& path);
  /// Saves the window's state as `path`; emits saved() or failed().
  void saveProject(const QString& path);
  /// Forgets the project file and clears the layers (the open sample stays).
  void newProject();
  /// The project being edited ("" when unsaved).
  QString projectPath() const { return path_; }
  /// The state of the window as a project (embeddings: the cache file currently in use).
  core::Project currentState() const;
  bool busy() const { return stage_ != Stage::Idle || saveWatcher_.isRunning(); }

 Q_SIGNALS:
  void saved(const QString& path);
  void restored(const QString& path);
  void failed(const QString& message);

 private:
  enum class Stage { Idle, Reading, Sample, Model, Embeddings, Layers };
  void buildMenu();
  void chooseOpen();
  void chooseSave(bool askName);
  void rememberRecent(const QString& path);
  void rebuildRecentMenu();
  void startRestore(core::Project project);
  void restoreSampleLayers();
  void restoreModel();
  void restoreEmbeddingLayers();
  void finishRestore();
  void abortRestore(const QString& message);
  MainWindow* window_;
  QString path_;
  QString pendingPath_;
  std::optional<core::Project> pending_;
  Stage stage_ = Stage::Idle;
  int layersAwaited_ = 0;
  QMenu* recentMenu_ = nullptr;
  QFutureWatcher<QString> saveWatcher_;
  QFutureWatcher<std::shared_ptr<core::Result<core::Project>>> readWatcher_;
};

}  // namespace stamp::app
