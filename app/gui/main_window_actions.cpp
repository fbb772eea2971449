// MainWindow's reactions: opening files, showing what a worker loaded, layers, export, recent
// files (QSettings), hover info.
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>

#include "common/atomic_file.h"
#include "main_window.h"
#include "widgets/layer_model.h"
#include "widgets/layers_panel.h"
#include "widgets/navigator_widget.h"
#include "widgets/slide_view.h"
#include "widgets/spot_info_panel.h"

namespace stamp::app {

void MainWindow::openSlidePath(const QString& path) {
  rememberRecent(path, QStringLiteral("slide"));
  controller_->openSlide(path);
}

void MainWindow::openSpatialPath(const QString& path, const QString& imageOverride) {
  rememberRecent(path, QStringLiteral("spatial"));
  controller_->openSpatial(path, imageOverride);
}

void MainWindow::openDemo() { controller_->openDemo(); }

void MainWindow::showLoaded(std::shared_ptr<const LoadedSample> loaded) {
  current_ = std::move(loaded);
  layers_->clear();
  const LoadedSample& s = *current_;
  view_->setImage(s.image, s.imageToFrame, s.umPerFramePx, s.objectivePower);
  showSpots(s);
  const QRectF content = view_->contentRect();
  if (s.image) navigator_->loadThumbnail(s.image, content.size());
  else navigator_->setEmpty(content.size());
  navigator_->setViewRect(view_->transform().visibleFrameRect());
  const QString name = s.sample ? QString::fromStdString(s.sample->name) : QFileInfo(s.path).fileName();
  setWindowTitle(tr("%1 — STAMP Studio").arg(name));
  statusBar()->showMessage(
      s.sample ? tr("%1: %2 spots, %3 genes (%4)")
                     .arg(name).arg(s.sample->spotCount()).arg(s.sample->geneCount()).arg(s.imageNote)
               : s.imageNote,
      10000);
  updateStatus();
  Q_EMIT sampleShown();
}

void MainWindow::showSpots(const LoadedSample& s) {
  std::vector<QPointF> centres;
  QStringList genes, obs;
  if (s.sample) {
    centres.reserve(s.sample->spotCount());
    for (const auto& spot : s.sample->spots) centres.emplace_back(spot.x, spot.y);
    for (const auto& g : s.sample->genes) genes << QString::fromStdString(g.symbol);
    for (const auto& name : widgets::layerableObsColumns(*s.sample))
      obs << QString::fromStdString(name);
  }
  view_->setSpots(std::move(centres), s.sample ? s.sample->spotDiameterPx() : 0);
  layersPanel_->setSampleVocabulary(genes, obs);
  info_->setSample(s.sample);
  if (!s.sample) return;
  addTotalCountsLayer();
  // A categorical annotation (e.g. the demo's compartments) is the most telling first view.
  for (const QString& column : obs)
    if (s.sample->obs.at(column.toStdString()).kind == core::st::ObsColumn::Kind::Categorical) {
      addObsLayer(column);
      break;
    }
}

void MainWindow::showFailure(const QString& message) {
  statusBar()->showMessage(message, 15000);
  Q_EMIT loadFailed(message);
  if (isVisible() && !qEnvironmentVariableIsSet("STAMP_NO_DIALOGS"))
    QMessageBox::warning(this, tr("Could not open"), message);
}

void MainWindow::showProgress(const QString& phase, double fraction) {
  progress_->setRange(0, 1000);
  progress_->setValue(int(fraction * 1000));
  progress_->setFormat(phase + QStringLiteral(" %p%"));
  progress_->setTextVisible(true);
}

bool MainWindow::addGeneLayer(const QString& gene, widgets::ExpressionScale scale) {
  if (!current_ || !current_->sample) return false;
  const auto index = widgets::findGene(*current_->sample, gene.toStdString());
  if (!index) {
    statusBar()->showMessage(tr("No gene named %1 in this sample").arg(gene), 6000);
    return false;
  }
  layers_->addLayer(widgets::geneLayer(*current_->sample, *current_->tables, *index, scale));
  return true;
}

bool MainWindow::addTotalCountsLayer() {
  if (!current_ || !current_->tables) return false;
  layers_->addLayer(widgets::totalCountsLayer(*current_->tables));
  return true;
}

bool MainWindow::addObsLayer(const QString& column) {
  if (!current_ || !current_->sample) return false;
  auto layer = widgets::obsLayer(*current_->sample, column.toStdString());
  if (!layer) {
    statusBar()->showMessage(tr("obs column %1 cannot be shown as a layer").arg(column), 6000);
    return false;
  }
  layers_->addLayer(std::move(*layer));
  return true;
}

bool MainWindow::exportView(const QString& path, QString* error) {
  const QImage image = view_->grabFramebuffer();
  auto status = core::writeViaTemp(path.toStdString(), [&](const std::filesystem::path& tmp) -> core::Status {
    if (!image.save(QString::fromStdString(tmp.string()), "PNG"))
      return core::makeError(core::ErrorCode::Io, "could not write PNG", path.toStdString());
    return {};
  });
  if (!status.ok() && error) *error = QString::fromStdString(status.error().describe());
  return status.ok();
}

void MainWindow::chooseExport() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export view as PNG"),
                                                    lastFolder() + "/view.png", tr("PNG (*.png)"));
  if (path.isEmpty()) return;
  QString error;
  if (exportView(path, &error)) statusBar()->showMessage(tr("Saved %1").arg(path), 6000);
  else showFailure(error);
}

void MainWindow::chooseSlide() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open slide"), lastFolder(),
      tr("Slides and images (*.svs *.tif *.tiff *.ndpi *.vms *.vmu *.scn *.mrxs *.svslide *.bif "
         "*.png *.jpg *.jpeg);;All files (*)"));
  if (!path.isEmpty()) openSlidePath(path);
}

void MainWindow::chooseSpatial() {
  // A folder (Space Ranger outs/, HEST sample) or a file (.h5ad, .h5): offer files, allow folders.
  QFileDialog dialog(this, tr("Open spatial data (a .h5ad/.h5 file, or cancel to pick a folder)"),
                     lastFolder(), tr("Spatial data (*.h5ad *.h5);;All files (*)"));
  dialog.setFileMode(QFileDialog::ExistingFile);
  QString path;
  if (dialog.exec() == QDialog::Accepted && !dialog.selectedFiles().isEmpty())
    path = dialog.selectedFiles().front();
  else
    path = QFileDialog::getExistingDirectory(this, tr("Open Space Ranger outs/ or HEST folder"),
                                             lastFolder());
  if (!path.isEmpty()) openSpatialPath(path);
}

QString MainWindow::lastFolder() const {
  return QSettings().value(QStringLiteral("lastFolder"), QDir::homePath()).toString();
}

void MainWindow::rememberRecent(const QString& path, const QString& kind) {
  QSettings settings;
  settings.setValue(QStringLiteral("lastFolder"), QFileInfo(path).absolutePath());
  QStringList recent = settings.value(QStringLiteral("recentFiles")).toStringList();
  const QString entry = kind + QLatin1Char('|') + QFileInfo(path).absoluteFilePath();
  recent.removeAll(entry);
  recent.prepend(entry);
  while (recent.size() > 10) recent.removeLast();
  settings.setValue(QStringLiteral("recentFiles"), recent);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  recentMenu_->clear();
  const QStringList recent = QSettings().value(QStringLiteral("recentFiles")).toStringList();
  for (const QString& entry : recent) {
    const QString kind = entry.section('|', 0, 0), path = entry.section('|', 1);
    recentMenu_->addAction(QStringLiteral("%1 (%2)").arg(QFileInfo(path).fileName(), kind), this,
                           [this, kind, path] {
                             if (kind == QLatin1String("slide")) openSlidePath(path);
                             else openSpatialPath(path);
                           });
  }
  recentMenu_->setEnabled(!recent.isEmpty());
}

void MainWindow::showHovered(int spot) {
  const int row = layers_->topVisibleRow();
  info_->showSpot(spot, row >= 0 ? &layers_->layer(row) : nullptr,
                  current_ ? current_->umPerFramePx : std::nullopt);
}

}  // namespace stamp::app
