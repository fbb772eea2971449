#include "export_actions.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>
#include <QStatusBar>
#include <QtConcurrent>

#include "export_jobs.h"
#include "figure_dialog.h"
#include "main_window.h"
#include "model_actions.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

#ifndef STAMP_VERSION_STRING
#define STAMP_VERSION_STRING "0.1.0"
#endif

namespace stamp::app {

namespace {

QString describe(const core::Status& s) { return s.ok() ? QString() : QString::fromStdString(s.error().describe()); }

// The frame (full-resolution) extent of the shown image; the spots' box without an image.
QRectF imageFrameRect(const MainWindow& w) {
  const LoadedSample* s = w.current();
  if (s && s->image) {
    const auto l0 = s->image->level(0);
    return QRectF(0, 0, l0.width * s->imageToFrame, l0.height * s->imageToFrame);
  }
  return w.view()->contentRect();
}

}  // namespace

ExportActions::ExportActions(MainWindow* window) : QObject(window), window_(window) {
  buildMenu();
  connect(&watcher_, &QFutureWatcher<QString>::finished, this, [this] {
    const QString error = watcher_.result();
    if (!error.isEmpty()) {
      window_->statusBar()->showMessage(error, 15000);
      return Q_EMIT exportFailed(error);
    }
    window_->statusBar()->showMessage(tr("Exported %1").arg(pendingPath_), 8000);
    Q_EMIT exported(pendingPath_);
  });
}

ExportActions::~ExportActions() { watcher_.waitForFinished(); }

void ExportActions::buildMenu() {
  QMenu* file = window_->fileMenu();
  const auto actions = file->actions();
  QAction* before = actions.size() >= 2 ? actions[actions.size() - 2] : nullptr;  // above "Quit"
  auto* menu = new QMenu(tr("E&xport"), file);
  menu->addAction(tr("&Figure (PNG, TIFF, SVG, PDF)…"), QKeySequence(tr("Ctrl+Shift+E")), this,
                  &ExportActions::chooseFigure);
  menu->addAction(tr("&Embeddings and clusters (h5ad)…"), this, [this] {
    chooseFile(tr("Export embeddings"), QStringLiteral("embeddings.h5ad"), tr("AnnData (*.h5ad)"),
               &ExportActions::exportEmbeddings);
  });
  menu->addAction(tr("&Selection and clusters (QuPath GeoJSON)…"), this, [this] {
    chooseFile(tr("Export GeoJSON"), QStringLiteral("spots.geojson"), tr("GeoJSON (*.geojson *.json)"),
               &ExportActions::exportGeoJson);
  });
  menu->addAction(tr("Spot &values of visible layers (CSV)…"), this, [this] {
    chooseFile(tr("Export CSV"), QStringLiteral("spots.csv"), tr("CSV (*.csv)"), &ExportActions::exportCsv);
  });
  file->insertMenu(before, menu);
}

void ExportActions::chooseFile(const QString& title, const QString& name, const QString& filter,
                               void (ExportActions::*run)(const QString&)) {
  const QString folder = QSettings().value(QStringLiteral("lastFolder"), QDir::homePath()).toString();
  const QString path = QFileDialog::getSaveFileName(window_, title, QDir(folder).filePath(name), filter);
  if (!path.isEmpty()) (this->*run)(path);
}

void ExportActions::chooseFigure() {
  QStringList names;
  for (int r = 0; r < window_->layers()->count(); ++r) names << QString::fromStdString(window_->layers()->layer(r).name);
  if (names.isEmpty()) return Q_EMIT exportFailed(tr("No layer to draw: open a sample first"));
  const QRectF view = window_->view()->transform().visibleFrameRect() & imageFrameRect(*window_);
  const QString folder = QSettings().value(QStringLiteral("lastFolder"), QDir::homePath()).toString();
  FigureDialog dialog(names, window_->layers()->currentRow(), view, folder, window_);
  if (dialog.exec() == QDialog::Accepted) exportFigure(dialog.request());
}

void ExportActions::start(const QString& path, std::function<QString()> job) {
  if (watcher_.isRunning()) return Q_EMIT exportFailed(tr("An export is running"));
  pendingPath_ = path;
  watcher_.setFuture(QtConcurrent::run(std::move(job)));
}

void ExportActions::exportFigure(const FigureRequest& r) {
  const LoadedSample* s = window_->current();
  const auto* layers = window_->layers();
  const int row = r.layerRow >= 0 ? r.layerRow : layers->currentRow();
  if (!s || !s->sample || !s->image || row < 0 || row >= layers->count())
    return Q_EMIT exportFailed(tr("A figure needs a sample with an image and a layer"));
  FigureJob job;
  job.sample = s->sample;
  job.imagePath = s->image->path();
  job.imageScale = 1.0 / s->imageToFrame;
  job.umPerPx = s->umPerFramePx;
  job.options.widthPx = r.widthPx;
  job.options.dpi = r.dpi;
  job.options.title = r.title.toStdString();
  job.layer = figureLayer(layers->layer(row), job.options);
  const QRectF region = r.wholeImage ? QRectF() : r.region.value_or(
      window_->view()->transform().visibleFrameRect() & imageFrameRect(*window_));
  if (!region.isNull()) job.options.region = core::figure::Region{region.x(), region.y(), region.width(), region.height()};
  auto model = window_->modelActions()->controller()->model();
  job.provenance = {{"slide", job.imagePath}, {"st", s->path.toStdString()}, {"tool", "stamp-studio"},
                    {"tool_version", STAMP_VERSION_STRING},
                    {"checkpoint_sha256", model ? nlohmann::json(model->sha256()) : nlohmann::json(nullptr)}};
  job.out = r.path.toStdString();
  start(r.path, [job] {
    auto done = runFigureJob(job);
    return done.ok() ? QString() : QString::fromStdString(done.error().describe());
  });
}

void ExportActions::exportEmbeddings(const QString& path) {
  ModelController* ctl = window_->modelActions()->controller();
  const auto table = ctl->embeddings();
  const LoadedSample* s = window_->current();
  if (!table || !s) return Q_EMIT exportFailed(tr("Compute embeddings first"));
  std::vector<widgets::Layer> layers;
  for (int r = 0; r < window_->layers()->count(); ++r) layers.push_back(window_->layers()->layer(r));
  const auto sample = s->sample;
  const nlohmann::json params = {{"weights", ctl->model()->weightsPath()}, {"weights_sha256", ctl->model()->sha256()},
                                 {"source", s->path.toStdString()}};
  const std::string out = path.toStdString();
  start(path, [=] { return describe(writeEmbeddingsH5ad(out, *table, sample.get(), layers, params)); });
}

void ExportActions::exportGeoJson(const QString& path) {
  const LoadedSample* s = window_->current();
  if (!s || !s->sample) return Q_EMIT exportFailed(tr("Open a sample with spots first"));
  std::optional<widgets::Layer> categories;  // the top visible categorical layer (e.g. clusters)
  for (int r = 0; r < window_->layers()->count() && !categories; ++r) {
    const auto& l = window_->layers()->layer(r);
    if (l.visible && l.kind == widgets::Layer::Kind::Categorical) categories = l;
  }
  const std::vector<int> selection = window_->view()->spots().selection();
  const auto sample = s->sample;
  const double scale = 1.0 / s->imageToFrame;
  const std::string out = path.toStdString();
  start(path, [=] {
    return describe(writeSpotsGeoJson(out, *sample, scale, selection, categories ? &*categories : nullptr));
  });
}

void ExportActions::exportCsv(const QString& path) {
  const LoadedSample* s = window_->current();
  if (!s || !s->sample) return Q_EMIT exportFailed(tr("Open a sample with spots first"));
  std::vector<widgets::Layer> layers;
  for (int r = 0; r < window_->layers()->count(); ++r)
    if (window_->layers()->layer(r).visible) layers.push_back(window_->layers()->layer(r));
  const auto sample = s->sample;
  const std::string out = path.toStdString();
  start(path, [=] { return describe(writeSpotCsv(out, *sample, layers)); });
}

}  // namespace stamp::app
