#pragma once
/// File > Export: a publication figure (through core/figure, the same renderer as
/// `stamp figure`), the embeddings with the shown clusters as h5ad, the selection and
/// clusters as QuPath GeoJSON, and a CSV of the visible layers' spot values. Every file is
/// written atomically on a worker; exported() or exportFailed() reports the end.
#include <QFutureWatcher>
#include <QObject>
#include <QRectF>
#include <QString>
#include <optional>

namespace stamp::app {

class MainWindow;

struct FigureRequest {
  QString path;                 // .png, .tif/.tiff, .svg or .pdf
  int layerRow = -1;            // layer to draw; -1: the current layer
  std::optional<QRectF> region; // frame (full-resolution) pixels; none: the current view
  bool wholeImage = false;      // ignore region and view: the whole image
  int widthPx = 1600;
  int dpi = 300;
  QString title;
};

class ExportActions : public QObject {
  Q_OBJECT
 public:
  explicit ExportActions(MainWindow* window);
  ~ExportActions() override;

  void exportFigure(const FigureRequest& request);
  void exportEmbeddings(const QString& path);
  void exportGeoJson(const QString& path);
  void exportCsv(const QString& path);
  bool busy() const { return watcher_.isRunning(); }

 Q_SIGNALS:
  void exported(const QString& path);
  void exportFailed(const QString& message);

 private:
  void buildMenu();
  void chooseFigure();
  void chooseFile(const QString& title, const QString& name, const QString& filter,
                  void (ExportActions::*run)(const QString&));
  void start(const QString& path, std::function<QString()> job);
  MainWindow* window_;
  QString pendingPath_;
  QFutureWatcher<QString> watcher_;
};

}  // namespace stamp::app
