#include "project_actions.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>
#include <QStatusBar>
#include <QtConcurrent>
#include <filesystem>

#include "common/atomic_file.h"
#include "engine/embedding_io.h"
#include "model/config.h"
#include "main_window.h"
#include "model_actions.h"
#include "project_state.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

namespace stamp::app {

namespace fs = std::filesystem;

namespace {

// Copies the embeddings beside the project (unless already there), then writes the project.
// `modelConfig`: the loaded model's structure as JSON. It is saved beside the project so that a
// model built from a custom config file (whose path the model does not keep) reopens too.
QString saveOnWorker(const QString& path, core::Project p, const std::string& modelConfig) {
  if (p.model && !p.model->untrained && !modelConfig.empty()) {
    const fs::path dest = fs::path(core::projectEmbeddingsDir(path.toStdString())) / "model-config.json";
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    auto written = core::writeFileAtomic(dest, modelConfig);
    if (!written.ok()) return QString::fromStdString(written.error().describe());
    p.model->config = dest.string();
  }
  if (!p.embeddings.empty()) {
    const fs::path dest = fs::path(core::projectEmbeddingsDir(path.toStdString())) / fs::path(p.embeddings).filename();
    std::error_code ec;
    if (!fs::equivalent(dest, p.embeddings, ec)) {
      fs::create_directories(dest.parent_path(), ec);
      auto copied = core::writeViaTemp(dest, [&](const fs::path& tmp) -> core::Status {
        std::error_code e;
        fs::copy_file(p.embeddings, tmp, fs::copy_options::overwrite_existing, e);
        if (e) return core::makeError(core::ErrorCode::Io, "cannot copy embeddings: " + e.message(), p.embeddings);
        return {};
      });
      if (!copied.ok()) return QString::fromStdString(copied.error().describe());
    }
    p.embeddings = dest.string();
  }
  auto written = core::writeProject(path.toStdString(), p);
  return written.ok() ? QString() : QString::fromStdString(written.error().describe());
}

}  // namespace

ProjectActions::ProjectActions(MainWindow* window) : QObject(window), window_(window) {
  buildMenu();
  ModelController* ctl = window_->modelActions()->controller();
  connect(&saveWatcher_, &QFutureWatcher<QString>::finished, this, [this] {
    const QString error = saveWatcher_.result();
    if (!error.isEmpty()) return Q_EMIT failed(error);
    path_ = pendingPath_;
    window_->modelActions()->controller()->setCacheDir(
        QString::fromStdString(core::projectEmbeddingsDir(path_.toStdString())));
    rememberRecent(path_);
    window_->statusBar()->showMessage(tr("Saved project %1").arg(path_), 6000);
    Q_EMIT saved(path_);
  });
  connect(&readWatcher_, &QFutureWatcher<std::shared_ptr<core::Result<core::Project>>>::finished, this, [this] {
    auto result = readWatcher_.result();
    if (!result->ok()) return abortRestore(QString::fromStdString(result->error().describe()));
    startRestore(std::move(*result).value());
  });
  connect(window_, &MainWindow::sampleShown, this, [this] {
    if (stage_ == Stage::Sample) restoreSampleLayers();
  });
  connect(window_, &MainWindow::loadFailed, this, [this](const QString& m) {
    if (stage_ == Stage::Sample) abortRestore(m);
  });
  connect(ctl, &ModelController::modelLoaded, this, [this] {
    if (stage_ != Stage::Model) return;
    stage_ = Stage::Embeddings;
    window_->modelActions()->computeEmbeddings();
  });
  connect(ctl, &ModelController::embeddingsReady, this, [this] {
    if (stage_ == Stage::Embeddings) restoreEmbeddingLayers();
  });
  connect(ctl, &ModelController::layerReady, this, [this] {
    if (stage_ == Stage::Layers) restoreEmbeddingLayers();
  });
  connect(ctl, &ModelController::failed, this, [this](const QString& m) {
    if (stage_ == Stage::Layers) restoreEmbeddingLayers();  // that layer is skipped, go on
    else if (stage_ == Stage::Model || stage_ == Stage::Embeddings) abortRestore(m);
  });
  connect(ctl, &ModelController::cancelled, this, [this] {
    if (stage_ == Stage::Embeddings) abortRestore(tr("Embedding cancelled: project partly restored"));
  });
}

ProjectActions::~ProjectActions() {
  saveWatcher_.waitForFinished();
  readWatcher_.waitForFinished();
}

void ProjectActions::buildMenu() {
  QMenu* file = window_->fileMenu();
  QAction* first = file->actions().isEmpty() ? nullptr : file->actions().front();
  auto add = [&](const QString& text, const QKeySequence& keys, auto slot) {
    auto* a = new QAction(text, file);
    a->setShortcut(keys);
    connect(a, &QAction::triggered, this, slot);
    file->insertAction(first, a);
    return a;
  };
  add(tr("&New project"), QKeySequence(tr("Ctrl+Alt+N")), [this] { newProject(); });
  add(tr("Open pro&ject…"), QKeySequence(tr("Ctrl+Alt+O")), [this] { chooseOpen(); });
  add(tr("Save pro&ject"), QKeySequence::Save, [this] { chooseSave(false); });
  add(tr("Save project &as…"), QKeySequence::SaveAs, [this] { chooseSave(true); });
  recentMenu_ = new QMenu(tr("Recent projec&ts"), file);
  file->insertMenu(first, recentMenu_);
  file->insertSeparator(first);
  rebuildRecentMenu();
}

void ProjectActions::chooseOpen() {
  const QString path = QFileDialog::getOpenFileName(window_, tr("Open project"), QString(),
                                                    tr("STAMP Studio projects (*.stamp.json *.json)"));
  if (!path.isEmpty()) openProject(path);
}

void ProjectActions::chooseSave(bool askName) {
  QString path = path_;
  if (askName || path.isEmpty())
    path = QFileDialog::getSaveFileName(window_, tr("Save project"), QStringLiteral("project.stamp.json"),
                                        tr("STAMP Studio projects (*.stamp.json)"));
  if (!path.isEmpty()) saveProject(path);
}

void ProjectActions::newProject() {
  path_.clear();
  window_->layers()->clear();
  window_->statusBar()->showMessage(tr("New project: Save asks for a file name"), 6000);
}

core::Project ProjectActions::currentState() const {
  core::Project p;
  const LoadedSample* s = window_->current();
  if (!s) return p;
  const std::string image = s->image ? s->image->path() : std::string();
  if (s->sample) {
    p.st = s->path.toStdString();
    p.slide = image;
    auto own = core::engine::sampleImage(*s->sample);
    std::error_code ec;
    p.slideIsStImage = own.ok() && !image.empty() && fs::equivalent(own->path, image, ec);
  } else {
    p.slide = s->path.toStdString();
  }
  ModelController* ctl = window_->modelActions()->controller();
  if (auto m = ctl->model()) {
    p.model = core::ProjectModel{m->config().preset, "", m->weightsPath(), m->sha256(), m->weightsPath().empty()};
    const QString cache = ctl->cachePathFor(*s);
    if (ctl->embeddings() && QFileInfo::exists(cache)) p.embeddings = cache.toStdString();
  }
  const widgets::LayerModel* layers = window_->layers();
  for (int row = 0; row < layers->count(); ++row)
    if (auto spec = describeLayer(layers->layer(row), s->sample.get())) p.layers.push_back(*spec);
  const auto& t = window_->view()->transform();
  p.view = core::ProjectView{t.centre.x(), t.centre.y(), t.zoom};
  return p;
}

void ProjectActions::saveProject(const QString& path) {
  if (!window_->current()) return Q_EMIT failed(tr("Nothing to save: open a sample or slide first"));
  if (saveWatcher_.isRunning()) return Q_EMIT failed(tr("A project is being saved"));
  pendingPath_ = QFileInfo(path).absoluteFilePath();
  const auto model = window_->modelActions()->controller()->model();
  const std::string modelConfig = model ? core::model::configToJson(model->config()) : std::string();
  saveWatcher_.setFuture(QtConcurrent::run(saveOnWorker, pendingPath_, currentState(), modelConfig));
}

void ProjectActions::openProject(const QString& path) {
  if (stage_ != Stage::Idle) return Q_EMIT failed(tr("A project is being opened"));
  stage_ = Stage::Reading;
  pendingPath_ = QFileInfo(path).absoluteFilePath();
  const std::string file = pendingPath_.toStdString();
  readWatcher_.setFuture(QtConcurrent::run([file] {
    return std::make_shared<core::Result<core::Project>>(core::readProject(file));
  }));
}

void ProjectActions::startRestore(core::Project project) {
  for (const auto& w : project.warnings) window_->statusBar()->showMessage(QString::fromStdString(w), 10000);
  pending_ = std::move(project);
  stage_ = Stage::Sample;
  const QString slide = QString::fromStdString(pending_->slide), st = QString::fromStdString(pending_->st);
  if (st.isEmpty()) window_->openSlidePath(slide);
  else window_->openSpatialPath(st, pending_->slideIsStImage ? QString() : slide);
}

void ProjectActions::restoreSampleLayers() {
  widgets::LayerModel* layers = window_->layers();
  layers->clear();
  const LoadedSample* s = window_->current();
  for (auto it = pending_->layers.rbegin(); it != pending_->layers.rend(); ++it) {
    if (isEmbeddingKind(it->kind) || !s->sample || !s->tables) continue;
    auto layer = rebuildSampleLayer(*it, *s->sample, *s->tables);
    if (layer.ok()) layers->addLayer(std::move(layer).value());
    else window_->statusBar()->showMessage(QString::fromStdString(layer.error().describe()), 10000);
  }
  restoreModel();
}

void ProjectActions::restoreModel() {
  bool wantsEmbeddings = !pending_->embeddings.empty();
  for (const auto& l : pending_->layers) wantsEmbeddings = wantsEmbeddings || isEmbeddingKind(l.kind);
  if (!pending_->model || !wantsEmbeddings) return finishRestore();
  ModelController* ctl = window_->modelActions()->controller();
  // The saved h5ad is found by the cache lookup: same folder, same sample name + weights hash.
  ctl->setCacheDir(!pending_->embeddings.empty()
                       ? QFileInfo(QString::fromStdString(pending_->embeddings)).absolutePath()
                       : QString::fromStdString(core::projectEmbeddingsDir(pendingPath_.toStdString())));
  const auto& m = *pending_->model;
  if (ctl->model() && ctl->model()->sha256() == m.sha256) {
    stage_ = Stage::Embeddings;
    return window_->modelActions()->computeEmbeddings();
  }
  stage_ = Stage::Model;
  ModelRequest request;
  request.preset = QString::fromStdString(m.preset);
  request.weights = QString::fromStdString(m.weights);
  request.config = QString::fromStdString(m.config);
  request.untrained = m.untrained;
  ctl->loadModel(request);
}

// Builds the embedding layers one at a time (each call handles the next one).
void ProjectActions::restoreEmbeddingLayers() {
  if (stage_ != Stage::Layers) stage_ = Stage::Layers, layersAwaited_ = 0;
  const auto& specs = pending_->layers;
  int seen = 0;
  for (const auto& spec : specs) {
    if (!isEmbeddingKind(spec.kind)) continue;
    if (seen++ < layersAwaited_) continue;
    ++layersAwaited_;
    window_->modelActions()->controller()->buildLayer(*embeddingLayerMaker(spec));
    return;
  }
  finishRestore();
}

void ProjectActions::finishRestore() {
  widgets::LayerModel* layers = window_->layers();
  int target = 0;
  for (const auto& spec : pending_->layers) {
    int row = -1;
    for (int r = target; r < layers->count() && row < 0; ++r)
      if (layers->layer(r).name == spec.name) row = r;
    if (row < 0) continue;
    for (; row > target; --row) layers->moveLayer(row, -1);
    layers->setVisible(target, spec.visible);
    layers->setOpacity(target, float(spec.opacity));
    if (layers->layer(target).kind == widgets::Layer::Kind::Continuous) {
      if (auto map = colorMapFromKey(spec.colorMap)) layers->setColorMap(target, *map);
      if (spec.vmin && spec.vmax) layers->setLimits(target, *spec.vmin, *spec.vmax);
    }
    ++target;
  }
  if (pending_->view) {
    window_->view()->setZoom(pending_->view->zoom);
    window_->view()->centreOn(QPointF(pending_->view->centreX, pending_->view->centreY));
  }
  path_ = pendingPath_;
  stage_ = Stage::Idle;
  pending_.reset();
  rememberRecent(path_);
  window_->statusBar()->showMessage(tr("Opened project %1").arg(path_), 6000);
  Q_EMIT restored(path_);
}

void ProjectActions::abortRestore(const QString& message) {
  stage_ = Stage::Idle;
  pending_.reset();
  window_->statusBar()->showMessage(message, 15000);
  Q_EMIT failed(message);
}

void ProjectActions::rememberRecent(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value(QStringLiteral("recentProjects")).toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > 10) recent.removeLast();
  settings.setValue(QStringLiteral("recentProjects"), recent);
  rebuildRecentMenu();
}

void ProjectActions::rebuildRecentMenu() {
  recentMenu_->clear();
  const QStringList recent = QSettings().value(QStringLiteral("recentProjects")).toStringList();
  for (const QString& path : recent)
    recentMenu_->addAction(QFileInfo(path).fileName(), this, [this, path] { openProject(path); })
        ->setToolTip(path);
  recentMenu_->setEnabled(!recent.isEmpty());
}

}  // namespace stamp::app
