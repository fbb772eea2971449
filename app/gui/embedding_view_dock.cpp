#include "embedding_view_dock.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent>

#include "analysis/projection3d.h"
#include "main_window.h"
#include "model_actions.h"
#include "model_controller.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

namespace stamp::app {

namespace {

// Runs on a worker: the joint PCA of both embeddings, as the view's cloud.
ProjectionOutcome projectTable(const core::engine::EmbeddingTable& t) {
  ProjectionOutcome out;
  auto p = core::analysis::project3d(t.gene, t.image, t.geneValid, t.imageValid);
  if (!p) {
    out.error = QString::fromStdString(p.error().describe());
    return out;
  }
  out.cloud.gene = std::move(p->gene);
  out.cloud.image = std::move(p->image);
  out.cloud.geneValid = std::move(p->geneValid);
  out.cloud.imageValid = std::move(p->imageValid);
  out.explained = p->explainedFraction;
  return out;
}

}  // namespace

EmbeddingViewDock::EmbeddingViewDock(MainWindow* window)
    : QDockWidget(tr("Embedding space (3D)"), window), window_(window) {
  setObjectName(QStringLiteral("Embedding space (3D)"));
  auto* body = new QWidget(this);
  view3d_ = new widgets::EmbeddingView(body);
  view3d_->setMinimumSize(280, 240);
  showGene_ = new QCheckBox(tr("Gene ●"), body);
  showImage_ = new QCheckBox(tr("Image ■"), body);
  showGene_->setChecked(true);
  showImage_->setChecked(true);
  showGene_->setToolTip(tr("Show the spots' gene-expression embeddings (round points)"));
  showImage_->setToolTip(tr("Show the spots' image embeddings (square points)"));
  auto* reset = new QPushButton(tr("Reset view"), body);
  status_ = new QLabel(body);
  status_->setWordWrap(true);
  auto* bar = new QHBoxLayout;
  bar->addWidget(showGene_);
  bar->addWidget(showImage_);
  bar->addStretch(1);
  bar->addWidget(reset);
  auto* layout = new QVBoxLayout(body);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(bar);
  layout->addWidget(view3d_, 1);
  layout->addWidget(status_);
  setWidget(body);
  clearCloud(tr("Compute embeddings (Model menu) to see the spots in the joint embedding space."));

  window->addDockWidget(Qt::RightDockWidgetArea, this);
  hide();  // opened from the View menu: no GL work until then
  toggleViewAction()->setShortcut(QKeySequence(tr("Ctrl+3")));
  if (auto* menu = window->findChild<QMenu*>(QStringLiteral("viewMenu"))) menu->addAction(toggleViewAction());

  using widgets::EmbeddingView;
  connect(showGene_, &QCheckBox::toggled, this, [this](bool on) { view3d_->setSetVisible(EmbeddingView::Set::Gene, on); });
  connect(showImage_, &QCheckBox::toggled, this, [this](bool on) { view3d_->setSetVisible(EmbeddingView::Set::Image, on); });
  connect(reset, &QPushButton::clicked, view3d_, &EmbeddingView::resetCamera);
  connect(view3d_, &EmbeddingView::spotPicked, this, &EmbeddingViewDock::spotPicked);
  connect(window->view(), &widgets::SlideView::selectionChanged, this, &EmbeddingViewDock::selectionChanged);
  connect(window->layers(), &widgets::LayerModel::currentRowChanged, this, &EmbeddingViewDock::recolor);
  connect(window->layers(), &widgets::LayerModel::appearanceChanged, this, &EmbeddingViewDock::recolor);
  ModelController* models = window->modelActions()->controller();
  connect(models, &ModelController::embeddingsReady, this, &EmbeddingViewDock::embeddingsChanged);
  connect(window, &MainWindow::sampleShown, this, [this] {
    wanted_.reset();
    clearCloud(tr("Compute embeddings (Model menu) to see the spots in the joint embedding space."));
  });
  connect(this, &QDockWidget::visibilityChanged, this, [this](bool visible) {
    if (visible) projectIfNeeded();
  });
  connect(&watcher_, &QFutureWatcher<ProjectionOutcome>::finished, this, &EmbeddingViewDock::showProjection);
}

EmbeddingViewDock::~EmbeddingViewDock() { watcher_.waitForFinished(); }

QString EmbeddingViewDock::statusText() const { return status_->text(); }

void EmbeddingViewDock::embeddingsChanged() {
  wanted_ = window_->modelActions()->controller()->embeddings();
  projectIfNeeded();
}

// Projects only what is wanted, once, and only while the dock is shown (a 100,000-spot joint
// PCA takes seconds; nobody should pay for it with the dock closed).
void EmbeddingViewDock::projectIfNeeded() {
  if (!isVisible() || !wanted_ || wanted_ == shown_ || watcher_.isRunning()) return;
  shown_ = wanted_;
  status_->setText(tr("Projecting %1 spots to 3D…").arg(shown_->rows()));
  auto table = shown_;
  watcher_.setFuture(QtConcurrent::run([table] { return projectTable(*table); }));
}

void EmbeddingViewDock::showProjection() {
  ProjectionOutcome out = watcher_.result();
  if (shown_ != wanted_) {  // embeddings changed meanwhile: this result is stale
    shown_.reset();
    projectIfNeeded();
    return;
  }
  if (!out.error.isEmpty()) {
    clearCloud(tr("No 3D view: %1").arg(out.error));
    return;
  }
  const std::size_t n = out.cloud.spotCount();
  const bool withGene = !out.cloud.gene.empty();
  view3d_->setCloud(std::move(out.cloud));
  recolor();
  selectionChanged();
  const double pct = 100 * (out.explained[0] + out.explained[1] + out.explained[2]);
  status_->setText(withGene ? tr("%1 spots: gene ● and image ■ embeddings, joint PCA (%2% of the variance)")
                                  .arg(n).arg(pct, 0, 'f', 1)
                            : tr("%1 spots: image ■ embeddings (no gene embeddings), PCA (%2% of the variance)")
                                  .arg(n).arg(pct, 0, 'f', 1));
  showGene_->setEnabled(withGene);
  Q_EMIT cloudShown();
}

void EmbeddingViewDock::clearCloud(const QString& why) {
  shown_.reset();
  view3d_->setCloud({});
  status_->setText(why);
}

void EmbeddingViewDock::recolor() {
  const widgets::LayerModel* layers = window_->layers();
  int row = layers->currentRow();
  if (row < 0 || !layers->layer(row).visible) row = layers->topVisibleRow();
  const std::size_t n = view3d_->cloud().spotCount();
  if (row >= 0 && n > 0 && layers->layer(row).spotCount() == n)
    view3d_->setColors(layers->layer(row).packedColors());
  else
    view3d_->setColors({});
}

// The 3D points and the slide view's spots are the same rows only for the same sample.
bool EmbeddingViewDock::linked() const {
  const std::size_t n = view3d_->cloud().spotCount();
  return n > 0 && std::size_t(window_->view()->spots().count()) == n;
}

void EmbeddingViewDock::spotPicked(int spot) {
  if (!linked()) return;
  widgets::SlideView* view = window_->view();
  view->setSelection({spot});  // its selectionChanged highlights the spot here too
  view->centreOn(view->spots().centre(spot));
}

void EmbeddingViewDock::selectionChanged() {
  view3d_->setHighlighted(linked() ? window_->view()->spots().selection() : std::vector<int>{});
}

}  // namespace stamp::app
