#include "localize_actions.h"

#include <QAction>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <cmath>

#include "localize_panel.h"
#include "main_window.h"
#include "model_actions.h"
#include "widgets/slide_view.h"

namespace stamp::app {

using widgets::SlideView;

LocalizeActions::LocalizeActions(MainWindow* window)
    : QObject(window), window_(window), controller_(new LocalizeController(this)) {
  setObjectName(QStringLiteral("localizeActions"));
  buildDock();
  buildMenu();
  status_.emplace(window_, tr("Cancel search"), [this] { controller_->cancel(); });
  SlideView* view = window_->view();
  connect(view, &SlideView::regionChosen, this, &LocalizeActions::localizeRegion);
  connect(view, &SlideView::pointClicked, this, [this](QPointF f) {
    if (pick_->isChecked()) pickAt(f);
  });
  connect(view, &SlideView::toolChanged, this, [this](SlideView::Tool t) {
    regionTool_->setChecked(t == SlideView::Tool::Region);
  });
  connect(window_, &MainWindow::sampleShown, this, &LocalizeActions::sampleChanged);
  connect(controller_, &LocalizeController::regionReady, this, &LocalizeActions::showRegion);
  connect(controller_, &LocalizeController::searchReady, this, &LocalizeActions::showSearch);
  connect(controller_, &LocalizeController::evaluated, this, &LocalizeActions::showEvaluation);
  connect(controller_, &LocalizeController::progress, this, &LocalizeActions::showProgress);
  connect(controller_, &LocalizeController::busyChanged, this, &LocalizeActions::setBusy);
  connect(controller_, &LocalizeController::failed, this, [this](const QString& m) { message(m); });
  connect(controller_, &LocalizeController::cancelled, this,
          [this] { message(tr("Localization search cancelled"), 5000); });
}

void LocalizeActions::buildMenu() {
  QMenu* menu = window_->menuBar()->addMenu(tr("&Localize"));
  pick_ = menu->addAction(tr("&Pick reference on slide"));
  pick_->setCheckable(true);
  pick_->setToolTip(tr("The next click chooses the reference patch: a spot or any point"));
  connect(pick_, &QAction::toggled, this, [this](bool on) {
    panel_->setPicking(on);
    if (on) window_->view()->setTool(SlideView::Tool::Pan);  // clicks, not region drags
  });
  menu->addAction(tr("Reference from &image file…"), this, &LocalizeActions::chooseImage);
  regionTool_ = menu->addAction(tr("&Region box"));
  regionTool_->setCheckable(true);
  regionTool_->setToolTip(tr("Click or drag to place the 3 × 3 region; its cell probabilities "
                             "appear at once"));
  connect(regionTool_, &QAction::triggered, this, [this](bool on) {
    if (on) pick_->setChecked(false);
    window_->view()->setTool(on ? SlideView::Tool::Region : SlideView::Tool::Pan);
  });
  menu->addSeparator();
  searchVisible_ = menu->addAction(tr("Search &visible area"), this, &LocalizeActions::searchVisible);
  menu->addAction(tr("Search whole &tissue"), this, [this] { search(std::nullopt); });
  menu->addAction(tr("&Clear localization"), this, &LocalizeActions::clearOverlays);
  menu->addSeparator();
  evaluate_ = menu->addAction(tr("&Evaluate localization"), this, &LocalizeActions::evaluate);
  QToolBar* bar = window_->addToolBar(tr("Localize"));
  bar->setObjectName(QStringLiteral("localizeToolbar"));
  bar->addAction(pick_);
  bar->addAction(regionTool_);
  bar->addAction(searchVisible_);
}

void LocalizeActions::buildDock() {
  panel_ = new LocalizePanel(window_);
  auto* dock = new QDockWidget(tr("Localize"), window_);
  dock->setObjectName(QStringLiteral("Localize"));
  dock->setWidget(panel_);
  window_->addDockWidget(Qt::RightDockWidgetArea, dock);
  connect(panel_, &LocalizePanel::pickRequested, this, [this](bool on) { pick_->setChecked(on); });
  connect(panel_, &LocalizePanel::imageRequested, this, &LocalizeActions::chooseImage);
  connect(panel_, &LocalizePanel::searchVisibleRequested, this, &LocalizeActions::searchVisible);
  connect(panel_, &LocalizePanel::searchTissueRequested, this, [this] { search(std::nullopt); });
  connect(panel_, &LocalizePanel::clearRequested, this, &LocalizeActions::clearOverlays);
  connect(panel_, &LocalizePanel::evaluateRequested, this, &LocalizeActions::evaluate);
  connect(panel_, &LocalizePanel::hitActivated, window_->view(), &SlideView::centreOn);
}

// A new sample: a new patch size and image; the old reference and results mean nothing here.
void LocalizeActions::sampleChanged() {
  controller_->reset();
  ctx_.reset();
  ctxError_.clear();
  ref_ = {};
  lastSearch_.reset();
  panel_->setReference({});
  panel_->clearRegion();
  panel_->clearSearch();
  if (const LoadedSample* s = window_->current()) {
    auto c = localizeContext(*s);
    if (c.ok()) ctx_ = *c;
    else ctxError_ = QString::fromStdString(c.error().describe());
  }
  SlideView* view = window_->view();
  view->setRegionSide(ctx_ ? ctx_->regionSide() : 0);
  if (ctx_) panel_->setStrideRange(int(std::lround(2 * ctx_->psFrame)));
}

bool LocalizeActions::prepare() {
  controller_->setModel(window_->modelActions()->controller()->model());
  if (ctx_) return true;
  message(ctxError_.isEmpty() ? tr("Open a sample or slide first") : ctxError_);
  return false;
}

void LocalizeActions::pickAt(const QPointF& frame) {
  pick_->setChecked(false);
  SlideView* view = window_->view();
  const int spot = view->spots().spotAt(frame);
  const auto* s = window_->current();
  if (spot >= 0 && s && s->sample && std::size_t(spot) < s->sample->spots.size())
    setReferencePoint(view->spots().centre(spot),
                      tr("spot %1").arg(QString::fromStdString(s->sample->spots[std::size_t(spot)].barcode)));
  else
    setReferencePoint(frame, tr("point (%1, %2)").arg(frame.x(), 0, 'f', 0).arg(frame.y(), 0, 'f', 0));
}

void LocalizeActions::setReferencePoint(const QPointF& frame, const QString& label) {
  ref_ = {LocalizeReference::Kind::Point, frame, {}, label};
  panel_->setReference(label);
  const double ps = ctx_ ? ctx_->psFrame : 0;
  window_->view()->setReferenceMark(QRectF(frame.x() - ps, frame.y() - ps, 2 * ps, 2 * ps));
  if (auto r = window_->view()->region()) localizeRegion(*r);  // the answer follows the reference
}

void LocalizeActions::setReferenceImage(const QString& path) {
  ref_ = {LocalizeReference::Kind::Image, {}, path, QFileInfo(path).fileName()};
  panel_->setReference(ref_.label);
  window_->view()->setReferenceMark(std::nullopt);
  if (auto r = window_->view()->region()) localizeRegion(*r);
}

void LocalizeActions::chooseImage() {
  const QString path = QFileDialog::getOpenFileName(
      window_, tr("Reference patch image"), {},
      tr("Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp);;All files (*)"));
  if (!path.isEmpty()) setReferenceImage(path);
}

void LocalizeActions::localizeRegion(const QRectF& region) {
  if (!ref_.valid()) {
    message(tr("Choose a reference patch first (Localize ▸ Pick reference on slide)"));
    return;
  }
  if (prepare()) controller_->localizeRegion(*ctx_, ref_, region);
}

void LocalizeActions::showRegion(const RegionResult& r) {
  SlideView* view = window_->view();
  if (view->region() != r.region) view->setRegion(r.region);
  view->setCellProbabilities(r.cells.probs, r.trueCell);
  panel_->showRegion(r);
}

void LocalizeActions::search(std::optional<QRectF> area) {
  if (!ref_.valid()) {
    message(tr("Choose a reference patch first (Localize ▸ Pick reference on slide)"));
    return;
  }
  if (prepare()) controller_->search(*ctx_, ref_, area, panel_->stride());
}

void LocalizeActions::searchVisible() {
  const QRectF visible = window_->view()->transform().visibleFrameRect() & window_->view()->contentRect();
  if (visible.isEmpty()) message(tr("Nothing visible to search"));
  else search(visible);
}

void LocalizeActions::showSearch(std::shared_ptr<const SearchResult> r) {
  lastSearch_ = r;
  SlideView* view = window_->view();
  view->setHeatmap(r->image, r->imageRect);
  std::vector<QRectF> hits;
  for (const auto& h : r->hits) hits.push_back(h.cell);
  view->setHitMarks(std::move(hits));
  panel_->showSearch(*r);
  message(tr("Searched %1 × %2 locations; best p = %3")
              .arg(r->heatmap.width).arg(r->heatmap.height)
              .arg(r->hits.empty() ? 0.0 : r->hits.front().score, 0, 'f', 3));
}

void LocalizeActions::evaluate() {
  if (prepare()) controller_->evaluate(*ctx_);
}

void LocalizeActions::showEvaluation(std::int64_t evaluated, std::int64_t correct) {
  panel_->showEvaluation(evaluated, correct);
  const QString text = panel_->evaluationLabel()->text();
  message(text, 15000);
  if (window_->isVisible() && !qEnvironmentVariableIsSet("STAMP_NO_DIALOGS"))
    QMessageBox::information(window_, tr("Localization accuracy"), text);
}

void LocalizeActions::clearOverlays() {
  SlideView* view = window_->view();
  view->clearHeatmap();
  view->setHitMarks({});
  view->setRegion(std::nullopt);
  lastSearch_.reset();
  panel_->clearRegion();
  panel_->clearSearch();
}

void LocalizeActions::showProgress(const QString& phase, double fraction, double eta) {
  status_->show(phase, fraction, eta);
}

void LocalizeActions::setBusy(bool busy) {
  status_->setBusy(busy);
  searchVisible_->setEnabled(!busy);
  evaluate_->setEnabled(!busy);
  panel_->setBusy(busy);
}

void LocalizeActions::message(const QString& text, int ms) { window_->statusBar()->showMessage(text, ms); }

}  // namespace stamp::app
