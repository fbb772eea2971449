#include "model_actions.h"

#include <QAction>
#include <QLabel>
#include <QMenuBar>
#include <QProgressBar>
#include <QSpinBox>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>

#include "main_window.h"
#include "model_dialog.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

namespace stamp::app {

using core::engine::EmbeddingTable;

ModelActions::ModelActions(MainWindow* window)
    : QObject(window), window_(window), controller_(new ModelController(this)) {
  buildMenu();
  status_.emplace(window_, tr("Cancel embedding"), [this] { controller_->cancel(); });
  auto* status = window_->statusBar();
  connect(controller_, &ModelController::progress, this, &ModelActions::showProgress);
  connect(controller_, &ModelController::busyChanged, this, &ModelActions::setBusy);
  connect(controller_, &ModelController::embeddingsReady, this, &ModelActions::embeddingsShown);
  connect(controller_, &ModelController::modelLoaded, this, [status](const QString& d) {
    status->showMessage(tr("Model loaded: %1").arg(d), 10000);
  });
  connect(controller_, &ModelController::failed, this,
          [status](const QString& m) { status->showMessage(m, 10000); });
  connect(controller_, &ModelController::cancelled, this,
          [status] { status->showMessage(tr("Embedding cancelled"), 5000); });
  connect(controller_, &ModelController::layerReady, this,
          [this](std::shared_ptr<const widgets::Layer> l) { window_->layers()->addLayer(*l); });
  connect(window_->view(), &widgets::SlideView::spotClicked, this, [this](int spot) {
    if (spot < 0) return;
    lastClicked_ = spot;
    if (followClicks_ && controller_->embeddings()) addSimilarityLayer(spot);
  });
  // A new sample invalidates the embeddings of the previous one.
  connect(window_, &MainWindow::sampleShown, this, [this] {
    followClicks_ = false;
    lastClicked_ = 0;
    controller_->forgetEmbeddings();
  });
}

void ModelActions::buildMenu() {
  QMenu* menu = window_->menuBar()->addMenu(tr("&Model"));
  QAction* load = menu->addAction(tr("&Load model…"), this, &ModelActions::chooseModel);
  compute_ = menu->addAction(tr("&Compute embeddings"), this, &ModelActions::computeEmbeddings);
  menu->addSeparator();
  menu->addAction(tr("Gene embedding (PCA RGB)"), this,
                  [this] { addPcaLayer(EmbeddingSource::Gene); });
  menu->addAction(tr("Image embedding (PCA RGB)"), this,
                  [this] { addPcaLayer(EmbeddingSource::Image); });
  menu->addAction(tr("Clusters (k-means) on gene embedding"), this,
                  [this] { addClusterLayer(EmbeddingSource::Gene); });
  menu->addAction(tr("Clusters (k-means) on image embedding"), this,
                  [this] { addClusterLayer(EmbeddingSource::Image); });
  menu->addAction(tr("Similarity to clicked spot"), this,
                  [this] { addSimilarityLayer(lastClicked_); });
  menu->addAction(tr("Image–gene agreement"), this, &ModelActions::addAgreementLayer);
  kBox_ = new QSpinBox(window_);
  kBox_->setRange(2, 20);
  kBox_->setValue(6);
  kBox_->setPrefix(tr("k = "));
  kBox_->setToolTip(tr("Number of k-means clusters"));
  QToolBar* bar = window_->addToolBar(tr("Model"));
  bar->setObjectName("modelToolbar");
  bar->addAction(load);
  bar->addAction(compute_);
  bar->addWidget(kBox_);
}

void ModelActions::showProgress(const QString& phase, double fraction, double eta) {
  status_->show(phase, fraction, eta);
}

void ModelActions::setBusy(bool busy) {
  status_->setBusy(busy);
  compute_->setEnabled(!busy);
}

void ModelActions::chooseModel() {
  ModelDialog dialog(window_);
  if (dialog.exec() != QDialog::Accepted) return;
  dialog.remember();
  controller_->setVocabularyFolder(dialog.vocabularyFolder());
  controller_->loadModel(dialog.request());
}

void ModelActions::computeEmbeddings() {
  const LoadedSample* s = window_->current();
  if (!s) {
    window_->statusBar()->showMessage(tr("Open a sample or slide first"), 5000);
    return;
  }
  // LoadedSample is immutable once shown; the worker shares a copy of the handles.
  controller_->computeEmbeddings(std::make_shared<const LoadedSample>(*s));
}

void ModelActions::embeddingsShown(bool fromCache) {
  const auto table = controller_->embeddings();
  if (!table) return;
  const LoadedSample* s = window_->current();
  if (s && !s->sample) showGridSpots();
  window_->statusBar()->showMessage(
      tr("Embeddings of %1 %2 %3").arg(table->rows()).arg(s && s->sample ? tr("spots") : tr("patches"))
          .arg(fromCache ? tr("(from cache)") : QString()),
      10000);
}

// A slide without spots: the grid patches become the "spots", drawn as patch-sized circles.
void ModelActions::showGridSpots() {
  const auto table = controller_->embeddings();
  std::vector<QPointF> centres;
  centres.reserve(table->rows());
  for (std::size_t i = 0; i < table->rows(); ++i) centres.emplace_back(table->x[i], table->y[i]);
  window_->layers()->clear();
  window_->view()->setSpots(std::move(centres), 2.0 * table->halfPatchPx);
}

void ModelActions::addPcaLayer(EmbeddingSource source) {
  controller_->buildLayer([source](const EmbeddingTable& t) { return pcaRgbLayer(t, source); });
}

void ModelActions::addClusterLayer(EmbeddingSource source) {
  const int k = kBox_->value();
  controller_->buildLayer(
      [source, k](const EmbeddingTable& t) { return clusterLayer(t, source, k); });
}

void ModelActions::addSimilarityLayer(int spot) {
  followClicks_ = true;
  controller_->buildLayer([spot](const EmbeddingTable& t) { return similarityLayer(t, spot); });
}

void ModelActions::addAgreementLayer() {
  controller_->buildLayer([](const EmbeddingTable& t) { return agreementLayer(t); });
}

}  // namespace stamp::app
