#pragma once
/// MainWindow: the slide view in the middle; docks for layers, colour bar/legend, spot info and
/// the navigator; File/View menus, toolbar, status bar. Loading runs in a SampleController.
#include <QMainWindow>
#include <memory>

#include "sample_controller.h"
#include "widgets/spot_layers.h"

class QLabel;
class QMenu;
class QProgressBar;
class QToolButton;
class QAction;

namespace stamp::widgets {
class SlideView;
class LayerModel;
class LayersPanel;
class ColorBarWidget;
class NavigatorWidget;
class SpotInfoPanel;
}  // namespace stamp::widgets

namespace stamp::app {

class ModelActions;
class ProjectActions;
class ExportActions;
class LocalizeActions;
class QueryActions;
class EmbeddingViewDock;
class TrainingActions;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  void openSlidePath(const QString& path);
  void openSpatialPath(const QString& path, const QString& imageOverride = {});
  void openDemo();
  /// Adds layers for the current sample; false (and a status message) when impossible.
  bool addGeneLayer(const QString& gene, widgets::ExpressionScale scale);
  bool addTotalCountsLayer();
  bool addObsLayer(const QString& column);
  /// Saves what the view shows (tiles, spots, scale bar) as a PNG, atomically.
  bool exportView(const QString& path, QString* error = nullptr);

  widgets::SlideView* view() const { return view_; }
  widgets::LayerModel* layers() const { return layers_; }
  widgets::LayersPanel* layersPanel() const { return layersPanel_; }
  widgets::ColorBarWidget* colorBar() const { return colorBar_; }
  widgets::NavigatorWidget* navigator() const { return navigator_; }
  widgets::SpotInfoPanel* spotInfo() const { return info_; }
  SampleController* controller() const { return controller_; }
  /// The Model menu: model loading, embeddings and embedding layers.
  ModelActions* modelActions() const { return modelActions_; }
  /// File > project entries and File > Export.
  ProjectActions* projectActions() const { return projectActions_; }
  ExportActions* exportActions() const { return exportActions_; }
  QMenu* fileMenu() const { return fileMenu_; }
  /// The Localize menu: cross-scale patch localization, dense search, evaluation.
  LocalizeActions* localizeActions() const { return localizeActions_; }
  /// The Query menu: query by patch/genes, patch -> genes, compare selections.
  QueryActions* queryActions() const { return queryActions_; }
  /// The Training menu: the training dock and "Build corpus…".
  TrainingActions* trainingActions() const { return trainingActions_; }
  /// The "Embedding space (3D)" dock (VTK), linked with the slide view.
  EmbeddingViewDock* embeddingDock() const { return embeddingDock_; }
  const LoadedSample* current() const { return current_.get(); }

 Q_SIGNALS:
  /// A sample (or slide) is on screen: tests and scripts wait for this.
  void sampleShown();
  void loadFailed(const QString& message);

 private:
  void buildMenus();
  void buildToolBar(const QList<QAction*>& actions, QAction* last);
  void buildDocks();
  void buildStatusBar();
  void connectView();
  void showLoaded(std::shared_ptr<const LoadedSample> loaded);
  void showSpots(const LoadedSample& loaded);
  void showFailure(const QString& message);
  void showProgress(const QString& phase, double fraction);
  void updateStatus();
  void showHovered(int spot);
  void rememberRecent(const QString& path, const QString& kind);
  void rebuildRecentMenu();
  void chooseSlide();
  void chooseSpatial();
  void chooseExport();
  QString lastFolder() const;

  widgets::SlideView* view_;
  widgets::LayerModel* layers_;
  widgets::LayersPanel* layersPanel_ = nullptr;
  widgets::ColorBarWidget* colorBar_ = nullptr;
  widgets::NavigatorWidget* navigator_ = nullptr;
  widgets::SpotInfoPanel* info_ = nullptr;
  SampleController* controller_;
  ModelActions* modelActions_ = nullptr;
  ProjectActions* projectActions_ = nullptr;
  ExportActions* exportActions_ = nullptr;
  QMenu* fileMenu_ = nullptr;
  LocalizeActions* localizeActions_ = nullptr;
  QueryActions* queryActions_ = nullptr;
  EmbeddingViewDock* embeddingDock_ = nullptr;
  TrainingActions* trainingActions_ = nullptr;
  std::shared_ptr<const LoadedSample> current_;
  QMenu* recentMenu_ = nullptr;
  QAction* navigatorToggle_ = nullptr;
  QLabel* cursorLabel_ = nullptr;
  QLabel* magLabel_ = nullptr;
  QLabel* selectionLabel_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QToolButton* cancelButton_ = nullptr;
};

}  // namespace stamp::app
