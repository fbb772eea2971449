// QueryActions: the menu, the docks, what a click does, and the one worker slot that every
// query runs in (the queries themselves are in query_jobs.cpp).
#include "query_actions.h"

#include <QActionGroup>
#include <QDockWidget>
#include <QFileDialog>
#include <QMenuBar>
#include <QStatusBar>

#include "background_job.h"
#include "compare_panel.h"
#include "main_window.h"
#include "model_actions.h"
#include "ranked_list_panel.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

namespace stamp::app {

QueryActions::QueryActions(MainWindow* window) : QObject(window), window_(window) {
  buildDocks();
  buildMenu();
  connect(&watcher_, &QFutureWatcher<QueryOutcome>::finished, this, &QueryActions::finished);
  connect(window_->view(), &widgets::SlideView::pointClicked, this, &QueryActions::clicked);
  connect(window_->view(), &widgets::SlideView::selectionChanged, this, [this] {
    compare_->setCurrentSelection(window_->view()->spots().selection());
  });
  connect(window_, &MainWindow::sampleShown, this, &QueryActions::sampleChanged);
  // Categorical layers (e.g. k-means clusters) become groups the compare panel offers.
  auto* layers = window_->layers();
  connect(layers, &widgets::LayerModel::rowsInserted, this, &QueryActions::offerLayerGroups);
  connect(layers, &widgets::LayerModel::rowsRemoved, this, &QueryActions::offerLayerGroups);
  connect(layers, &widgets::LayerModel::modelReset, this, &QueryActions::offerLayerGroups);
  // Switching to a match of a cross-sample query: its embeddings (from the cache) came back.
  connect(window_->modelActions()->controller(), &ModelController::embeddingsReady, this, [this] {
    if (!switchPending_) return;
    switchPending_ = false;
    addSwitchLayer();
  });
  connect(window_, &MainWindow::loadFailed, this, [this] { switchPending_ = false; });
  connect(this, &QueryActions::failed, this,
          [this](const QString& m) { window_->statusBar()->showMessage(m, 10000); });
  connect(this, &QueryActions::queryFinished, this,
          [this](const QString& t) { window_->statusBar()->showMessage(t, 10000); });
}

QueryActions::~QueryActions() {
  token_.cancel();
  watcher_.waitForFinished();  // jobs post progress to `this`
}

void QueryActions::buildDocks() {
  results_ = new RankedListPanel(window_);
  compare_ = new ComparePanel(window_);
  resultsDock_ = new QDockWidget(tr("Query results"), window_);
  resultsDock_->setObjectName(QStringLiteral("Query results"));
  resultsDock_->setWidget(results_);
  compareDock_ = new QDockWidget(tr("Compare selections"), window_);
  compareDock_->setObjectName(QStringLiteral("Compare selections"));
  compareDock_->setWidget(compare_);
  // Below the slide: tables and the volcano plot need width, the side docks are full already.
  window_->addDockWidget(Qt::BottomDockWidgetArea, resultsDock_);
  window_->addDockWidget(Qt::BottomDockWidgetArea, compareDock_);
  window_->tabifyDockWidget(resultsDock_, compareDock_);
  resultsDock_->hide();
  compareDock_->hide();
  connect(results_, &RankedListPanel::rowActivated, this, &QueryActions::switchToMatch);
}

void QueryActions::buildMenu() {
  QMenu* menu = window_->menuBar()->addMenu(tr("&Query"));
  auto* group = new QActionGroup(this);
  auto mode = [&](const QString& text, ClickMode m) {
    QAction* a = group->addAction(text);
    a->setCheckable(true);
    a->setChecked(m == mode_);
    connect(a, &QAction::triggered, this, [this, m] { setClickMode(m); });
    menu->addAction(a);
    modeActions_.push_back(a);
  };
  mode(tr("Click selects spots only"), ClickMode::None);
  mode(tr("Click queries by patch (similarity layer)"), ClickMode::QueryByPatch);
  mode(tr("Click shows patch → genes"), ClickMode::PatchToGenes);
  menu->addSeparator();
  menu->addAction(tr("Query by &genes…"), this, &QueryActions::chooseGenes);
  otherAction_ = menu->addAction(tr("Run patch query on &another sample…"), this,
                                 &QueryActions::chooseOtherSample);
  otherAction_->setEnabled(false);
  menu->addSeparator();
  QAction* cmp = compareDock_->toggleViewAction();
  cmp->setText(tr("&Compare two selections"));
  menu->addAction(cmp);
  menu->addAction(resultsDock_->toggleViewAction());
  menu->addSeparator();
  menu->addAction(tr("Cancel query"), this, &QueryActions::cancel);
}

void QueryActions::setClickMode(ClickMode mode) {
  mode_ = mode;
  // Keep the menu's radio items in step when a script or test sets the mode.
  if (std::size_t(mode) < modeActions_.size()) modeActions_[std::size_t(mode)]->setChecked(true);
}

void QueryActions::clicked(QPointF frame) {
  const int row = window_->view()->spots().spotAt(frame);
  if (row >= 0) lastSpot_ = row;
  if (mode_ == ClickMode::QueryByPatch) queryPatchAt(frame);
  else if (mode_ == ClickMode::PatchToGenes) genesOfPatchAt(frame);
}

void QueryActions::sampleChanged() {
  ++epoch_;
  if (watcher_.isRunning()) token_.cancel();
  lastSpot_ = -1;
  const LoadedSample* s = window_->current();
  compare_->setSample(s ? s->sample : nullptr);
  offerLayerGroups();
  if (switchPending_) window_->modelActions()->computeEmbeddings();  // reads the cache
}

void QueryActions::offerLayerGroups() {
  std::vector<std::pair<QString, const widgets::Layer*>> categorical;
  auto* layers = window_->layers();
  for (int r = 0; r < layers->count(); ++r)
    if (layers->layer(r).kind == widgets::Layer::Kind::Categorical)
      categorical.emplace_back(QString::fromStdString(layers->layer(r).name), &layers->layer(r));
  compare_->setLayerGroupings(categorical);
}

void QueryActions::chooseOtherSample() {
  const QString path = QFileDialog::getOpenFileName(
      window_, tr("Run the query on another sample or slide"), QString(),
      tr("Samples and slides (*.h5ad *.h5 *.svs *.tif *.tiff *.ndpi *.mrxs *.scn *.png *.jpg);;"
         "All files (*)"));
  if (!path.isEmpty()) queryOtherSample(path);
}

void QueryActions::cancel() { token_.cancel(); }

void QueryActions::run(std::function<QueryOutcome(core::CancelToken, core::ProgressCallback)> job) {
  auto progress = queuedProgress(this, [](QueryActions* q, const core::ProgressUpdate& u) {
    QString text = QStringLiteral("%1: %2%").arg(QString::fromStdString(u.phase)).arg(int(u.fraction() * 100));
    if (u.etaSeconds >= 0) text += tr(" (ETA %1 s)").arg(u.etaSeconds, 0, 'f', 0);
    q->window_->statusBar()->showMessage(text, 5000);
  });
  const std::uint64_t epoch = epoch_;
  startJob<QueryOutcome>(watcher_, token_, [job = std::move(job), epoch](core::CancelToken t, core::ProgressCallback cb) {
    QueryOutcome out = job(std::move(t), std::move(cb));
    out.epoch = epoch;
    return out;
  }, std::move(progress));
}

void QueryActions::finished() {
  QueryOutcome out = watcher_.result();
  if (out.vocab) vocab_ = out.vocab;
  if (out.epoch != epoch_) return;  // asked about the previous sample
  if (out.cancelled) {
    window_->statusBar()->showMessage(tr("Query cancelled"), 5000);
    return;
  }
  if (!out.error.isEmpty()) {
    Q_EMIT failed(out.error);
    return;
  }
  showOutcome(out);
}

void QueryActions::showOutcome(QueryOutcome& out) {
  switch (out.kind) {
    case QueryOutcome::Kind::Layer:
      window_->layers()->addLayer(*out.layer);
      if (!out.query.empty()) {
        lastQuery_ = std::move(out.query);
        lastQueryTitle_ = out.title;
        otherAction_->setEnabled(true);
      }
      break;
    case QueryOutcome::Kind::Genes:
      results_->showGenes(out.title, out.genes.genes);
      resultsDock_->show();
      resultsDock_->raise();
      break;
    case QueryOutcome::Kind::Matches:
      other_ = out.other;
      otherMatches_ = out.matches;
      results_->showMatches(out.title, out.matches);
      resultsDock_->show();
      resultsDock_->raise();
      break;
    case QueryOutcome::Kind::Loaded:
      searchOther(out.other);  // now that its name (and so its cache file) is known
      return;
    case QueryOutcome::Kind::Vocabulary:
      if (openGenesWhenLoaded_) {
        openGenesWhenLoaded_ = false;
        chooseGenes();
      }
      return;
  }
  Q_EMIT queryFinished(out.title);
}

int QueryActions::rowAt(QPointF frame) const {
  const auto table = window_->modelActions()->controller()->embeddings();
  const int row = window_->view()->spots().spotAt(frame);
  return table && row >= 0 && std::size_t(row) < table->rows() ? row : -1;
}

bool QueryActions::needEmbeddings() {
  auto* ctl = window_->modelActions()->controller();
  if (ctl->model() && ctl->embeddings() && window_->current()) return true;
  Q_EMIT failed(!ctl->model() ? tr("Load a model first (Model ▸ Load model)")
                              : tr("Compute embeddings first (Model ▸ Compute embeddings)"));
  return false;
}

void QueryActions::setVocabulary(std::shared_ptr<const core::st::Vocabulary> vocab) {
  vocab_ = std::move(vocab);
}

WeightedGenes QueryActions::clickedProfile() const {
  WeightedGenes out;
  const LoadedSample* s = window_->current();
  if (!s || !s->sample || lastSpot_ < 0 || std::size_t(lastSpot_) >= s->sample->spotCount()) return out;
  const auto& m = s->sample->counts;
  for (auto k = m.indptr[std::size_t(lastSpot_)]; k < m.indptr[std::size_t(lastSpot_) + 1]; ++k) {
    const auto& gene = s->sample->genes[std::size_t(m.indices[std::size_t(k)])];
    if (m.data[std::size_t(k)] > 0)
      out.emplace_back(gene.symbol.empty() ? gene.id : gene.symbol, m.data[std::size_t(k)]);
  }
  return out;
}

}  // namespace stamp::app
