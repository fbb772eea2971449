#include "main_window.h"

#include <QActionGroup>
#include <QApplication>
#include <QDockWidget>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QProgressBar>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>
#include <QToolButton>

#include "localize_actions.h"
#include "export_actions.h"
#include "embedding_view_dock.h"
#include "model_actions.h"
#include "project_actions.h"
#include "query_actions.h"
#include "training_actions.h"
#include "widgets/colorbar_widget.h"
#include "widgets/layer_model.h"
#include "widgets/layers_panel.h"
#include "widgets/navigator_widget.h"
#include "widgets/slide_view.h"
#include "widgets/spot_info_panel.h"

namespace stamp::app {

using widgets::SlideView;

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      view_(new SlideView(this)),
      layers_(new widgets::LayerModel(this)),
      controller_(new SampleController(this)) {
  setWindowTitle(tr("STAMP Studio"));
  resize(1440, 900);
  setCentralWidget(view_);
  view_->setLayerModel(layers_);
  buildDocks();
  buildMenus();
  buildStatusBar();
  modelActions_ = new ModelActions(this);
  projectActions_ = new ProjectActions(this);
  exportActions_ = new ExportActions(this);
  localizeActions_ = new LocalizeActions(this);
  queryActions_ = new QueryActions(this);
  embeddingDock_ = new EmbeddingViewDock(this);
  trainingActions_ = new TrainingActions(this);
  connectView();
  connect(controller_, &SampleController::loaded, this, &MainWindow::showLoaded);
  connect(controller_, &SampleController::failed, this, &MainWindow::showFailure);
  connect(controller_, &SampleController::progress, this, &MainWindow::showProgress);
  connect(controller_, &SampleController::busyChanged, this, [this](bool busy) {
    progress_->setVisible(busy);
    cancelButton_->setVisible(busy);
    if (busy) progress_->setRange(0, 0);
  });
}

MainWindow::~MainWindow() = default;

void MainWindow::buildDocks() {
  auto dock = [this](const QString& title, QWidget* w, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(title);
    d->setWidget(w);
    addDockWidget(area, d);
    return d;
  };
  navigator_ = new widgets::NavigatorWidget(this);
  navigator_->setMaximumHeight(280);
  layersPanel_ = new widgets::LayersPanel(this);
  layersPanel_->setLayerModel(layers_);
  colorBar_ = new widgets::ColorBarWidget(this);
  colorBar_->setLayerModel(layers_);
  info_ = new widgets::SpotInfoPanel(this);
  navigatorToggle_ = dock(tr("Navigator"), navigator_, Qt::RightDockWidgetArea)->toggleViewAction();
  dock(tr("Layers"), layersPanel_, Qt::LeftDockWidgetArea);
  dock(tr("Colour bar / legend"), colorBar_, Qt::LeftDockWidgetArea);
  dock(tr("Spot info"), info_, Qt::RightDockWidgetArea);
  connect(layersPanel_, &widgets::LayersPanel::geneRequested, this,
          [this](const QString& g, int scale) { addGeneLayer(g, widgets::ExpressionScale(scale)); });
  connect(layersPanel_, &widgets::LayersPanel::totalCountsRequested, this,
          &MainWindow::addTotalCountsLayer);
  connect(layersPanel_, &widgets::LayersPanel::obsRequested, this, &MainWindow::addObsLayer);
  connect(layersPanel_, &widgets::LayersPanel::outlinesToggled, view_, &SlideView::setOutlines);
  connect(navigator_, &widgets::NavigatorWidget::centreRequested, view_, &SlideView::centreOn);
}

void MainWindow::buildMenus() {
  QMenu* file = fileMenu_ = menuBar()->addMenu(tr("&File"));
  QAction* openSlide = file->addAction(tr("Open &slide…"), QKeySequence::Open, this,
                                       &MainWindow::chooseSlide);
  QAction* openSt = file->addAction(tr("Open s&patial data…"), QKeySequence(tr("Ctrl+Shift+O")),
                                    this, &MainWindow::chooseSpatial);
  QAction* demo = file->addAction(tr("Open &demo sample"), this, &MainWindow::openDemo);
  recentMenu_ = file->addMenu(tr("&Recent files"));
  rebuildRecentMenu();
  file->addSeparator();
  QAction* exportPng = file->addAction(tr("&Export view as PNG…"), QKeySequence(tr("Ctrl+E")),
                                       this, &MainWindow::chooseExport);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);
  openSlide->setIcon(style()->standardIcon(QStyle::SP_DialogOpenButton));
  openSt->setIcon(style()->standardIcon(QStyle::SP_DirOpenIcon));
  exportPng->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));

  QMenu* viewMenu = menuBar()->addMenu(tr("&View"));
  viewMenu->setObjectName(QStringLiteral("viewMenu"));  // docks add their toggles here
  QAction* fit = viewMenu->addAction(tr("&Fit to window"), QKeySequence(tr("Ctrl+0")), view_,
                                     &SlideView::fitToView);
  QAction* in = viewMenu->addAction(tr("Zoom &in"), QKeySequence::ZoomIn, view_, &SlideView::zoomIn);
  QAction* out = viewMenu->addAction(tr("Zoom &out"), QKeySequence::ZoomOut, view_,
                                     &SlideView::zoomOut);
  viewMenu->addSeparator();
  navigatorToggle_->setShortcut(QKeySequence(tr("Ctrl+N")));
  viewMenu->addAction(navigatorToggle_);
  buildToolBar({openSlide, openSt, demo, nullptr, fit, in, out, nullptr}, exportPng);
}

// `actions` go first (nullptr = separator), then the pan/lasso tools, then `last`.
void MainWindow::buildToolBar(const QList<QAction*>& actions, QAction* last) {
  auto* tools = new QActionGroup(this);
  QAction* pan = tools->addAction(tr("Pan"));
  QAction* lasso = tools->addAction(tr("Lasso select"));
  pan->setCheckable(true);
  lasso->setCheckable(true);
  pan->setChecked(true);
  pan->setToolTip(tr("Drag to pan, click a spot to select it"));
  lasso->setToolTip(tr("Draw around spots to select them (Shift+drag works in any mode)"));
  // A second click on the checked tool keeps it checked (the group lets all be unchecked).
  connect(pan, &QAction::triggered, this, [this, pan] { view_->setTool(SlideView::Tool::Pan); pan->setChecked(true); });
  connect(lasso, &QAction::triggered, this, [this, lasso] { view_->setTool(SlideView::Tool::Lasso); lasso->setChecked(true); });
  // Other tools (the Localize region box) switch the view too: the buttons follow the view,
  // and neither is checked while another tool is active.
  tools->setExclusionPolicy(QActionGroup::ExclusionPolicy::ExclusiveOptional);
  connect(view_, &SlideView::toolChanged, this, [pan, lasso](SlideView::Tool t) {
    pan->setChecked(t == SlideView::Tool::Pan);
    lasso->setChecked(t == SlideView::Tool::Lasso);
  });
  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName("mainToolbar");
  bar->setMovable(false);
  for (QAction* a : actions) {
    if (a) bar->addAction(a);
    else bar->addSeparator();
  }
  bar->addAction(pan);
  bar->addAction(lasso);
  bar->addSeparator();
  bar->addAction(last);
}

void MainWindow::buildStatusBar() {
  cursorLabel_ = new QLabel(this);
  magLabel_ = new QLabel(this);
  selectionLabel_ = new QLabel(this);
  progress_ = new QProgressBar(this);
  progress_->setMaximumWidth(220);
  progress_->setVisible(false);
  cancelButton_ = new QToolButton(this);
  cancelButton_->setText(tr("Cancel"));
  cancelButton_->setVisible(false);
  connect(cancelButton_, &QToolButton::clicked, controller_, &SampleController::cancel);
  statusBar()->addWidget(cursorLabel_, 1);
  statusBar()->addPermanentWidget(selectionLabel_);
  statusBar()->addPermanentWidget(magLabel_);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancelButton_);
}

void MainWindow::connectView() {
  connect(view_, &SlideView::viewChanged, this, [this] {
    navigator_->setViewRect(view_->transform().visibleFrameRect());
    updateStatus();
  });
  connect(view_, &SlideView::cursorMoved, this, [this](QPointF f, bool inside) {
    if (!inside) {
      cursorLabel_->clear();
      return;
    }
    QString text = tr("x %1  y %2 px").arg(f.x(), 0, 'f', 0).arg(f.y(), 0, 'f', 0);
    if (current_ && current_->umPerFramePx)
      text += tr("   (%1, %2 µm)")
                  .arg(f.x() * *current_->umPerFramePx, 0, 'f', 1)
                  .arg(f.y() * *current_->umPerFramePx, 0, 'f', 1);
    cursorLabel_->setText(text);
  });
  connect(view_, &SlideView::spotHovered, this, &MainWindow::showHovered);
  connect(view_, &SlideView::spotClicked, this, &MainWindow::showHovered);
  connect(view_, &SlideView::selectionChanged, this, [this](int n) {
    info_->setSelectionCount(n);
    selectionLabel_->setText(n ? tr("%1 spots selected").arg(n) : QString());
  });
  connect(view_, &SlideView::loadError, this,
          [this](const QString& m) { statusBar()->showMessage(m, 8000); });
}

void MainWindow::updateStatus() {
  QString text;
  if (auto mag = view_->magnification()) text = tr("%1x").arg(*mag, 0, 'f', *mag < 10 ? 2 : 1);
  if (auto um = view_->umPerScreenPx()) text += tr("   %1 µm/px").arg(*um, 0, 'g', 3);
  magLabel_->setText(text);
}

}  // namespace stamp::app
