// Projects and exports from the GUI: a demo sample with an untrained tiny model, a gene layer,
// clusters and a zoomed view are saved as a project, the window is closed, a new window
// reopens the project (embeddings read back from the project's folder, not recomputed) and
// everything is checked; then exports (h5ad read by anndata, GeoJSON, CSV) and figures at two
// DPIs (pixel size doubles; the scale bar's drawn length matches its micrometres).
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScreen>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include "export_actions.h"
#include "gui_test_support.h"
#include "main_window.h"
#include "model/config.h"
#include "model_actions.h"
#include "project_actions.h"
#include "style.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

using namespace stamp;
using namespace stamp::widgets;

namespace {

QJsonObject readJson(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object();
}

// Longest horizontal run of the figure's ink colour (34, 34, 34) in the map's lower right
// quarter: the scale bar.
int scaleBarRun(const QImage& img, const QJsonObject& map) {
  const int x0 = map["x"].toInt() + map["w"].toInt() / 2, y0 = map["y"].toInt() + map["h"].toInt() / 2;
  int best = 0;
  for (int y = y0; y < map["y"].toInt() + map["h"].toInt(); ++y) {
    int run = 0;
    for (int x = x0; x < map["x"].toInt() + map["w"].toInt(); ++x) {
      const QColor c = img.pixelColor(x, y);
      run = (std::abs(c.red() - 34) <= 6 && std::abs(c.green() - 34) <= 6 && std::abs(c.blue() - 34) <= 6) ? run + 1 : 0;
      best = std::max(best, run);
    }
  }
  return best;
}

}  // namespace

class ProjectTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    const guitest::DemoFiles demo = guitest::writeDemo(dir_, 5);
    QVERIFY2(demo.error.isEmpty(), qPrintable(demo.error));
    h5ad_ = demo.h5ad;
    slide_ = demo.slide;
    project_ = QDir(dir_.path()).filePath("work/study.stamp.json");
    QDir().mkpath(QFileInfo(project_).absolutePath());
  }

  void saveCloseReopenRestoresEverything() {
    openWindow();
    QVERIFY(guitest::openSample(*window_, h5ad_, slide_));
    auto model = core::engine::ModelHandle::fromConfig(core::model::presetTiny());
    QVERIFY(model.ok());
    ctl()->setModel(std::move(model).value());
    ctl()->setCacheDir(QDir(dir_.path()).filePath("cache"));
    QSignalSpy ready(ctl(), &app::ModelController::embeddingsReady);
    window_->modelActions()->computeEmbeddings();
    QVERIFY(ready.wait(120000));
    QCOMPARE(ready.first().at(0).toBool(), false);  // computed

    const QString gene = QString::fromStdString(window_->current()->sample->genes.at(3).symbol);
    QVERIFY(window_->addGeneLayer(gene, ExpressionScale::Log1p));
    LayerModel* layers = window_->layers();
    layers->setColorMap(0, ColorMapId::Magma);
    layers->setLimits(0, 0.25, 2.5);
    layers->setOpacity(0, 0.6f);
    window_->modelActions()->clusterCount()->setValue(4);
    const int before = layers->count();
    window_->modelActions()->addClusterLayer(app::EmbeddingSource::Image);
    QVERIFY(guitest::waitUntil([&] { return layers->count() == before + 1; }, 60000));
    const int totals = rowOf("total counts");
    QVERIFY(totals >= 0);
    layers->setVisible(totals, false);
    window_->view()->setZoom(window_->view()->transform().zoom * 2.5);
    window_->view()->centreOn(QPointF(1100, 950));
    const QStringList names = layerNames();
    const auto view = window_->view()->transform();
    saveWindow(QStringLiteral("project_before_save"));

    QSignalSpy saved(projects(), &app::ProjectActions::saved);
    projects()->saveProject(project_);
    QVERIFY(saved.wait(30000));
    const QJsonObject json = readJson(project_);
    QCOMPARE(json["version"].toInt(), 1);
    QCOMPARE(json["layers"].toArray().size(), names.size());
    const QString embeddings = QFileInfo(project_).absoluteDir().filePath(json["embeddings"].toString());
    QVERIFY2(json["embeddings"].toString().startsWith(QStringLiteral("study.embeddings/")), qPrintable(json["embeddings"].toString()));
    QVERIFY(QFileInfo::exists(embeddings));
    const QDateTime written = QFileInfo(embeddings).lastModified();

    window_.reset();  // close
    openWindow();
    ctl()->setVocabularyFolder({});  // image-only, as saved (a vocabulary would ask for gene parts)
    QSignalSpy restored(projects(), &app::ProjectActions::restored);
    QSignalSpy failed(projects(), &app::ProjectActions::failed);
    QSignalSpy ready2(ctl(), &app::ModelController::embeddingsReady);
    QSignalSpy progress(ctl(), &app::ModelController::progress);
    projects()->openProject(project_);
    QVERIFY2(restored.wait(120000), failed.isEmpty() ? "timeout" : qPrintable(failed.first().at(0).toString()));
    QCOMPARE(ready2.count(), 1);
    QCOMPARE(ready2.first().at(0).toBool(), true);  // read from the project's folder
    for (const auto& p : progress) QVERIFY2(!p.at(0).toString().contains("mbed"), qPrintable(p.at(0).toString()));
    QCOMPARE(QFileInfo(embeddings).lastModified(), written);
    QCOMPARE(layerNames(), names);
    const Layer& g = layers_()->layer(rowOf(gene + " (log1p CP10k)"));
    QCOMPARE(g.colorMap, ColorMapId::Magma);
    QCOMPARE(g.vmin, 0.25);
    QCOMPARE(g.vmax, 2.5);
    QCOMPARE(g.opacity, 0.6f);
    QVERIFY(!layers_()->layer(rowOf("total counts")).visible);
    QCOMPARE(layers_()->layer(rowOf("Clusters (k-means, k = 4, on image embedding)")).categories.size(), std::size_t(4));
    const auto v2 = window_->view()->transform();
    QVERIFY(std::abs(v2.zoom - view.zoom) < 1e-9 * view.zoom);
    QVERIFY(std::abs(v2.centre.x() - 1100) < 1e-6 && std::abs(v2.centre.y() - 950) < 1e-6);
    QCOMPARE(projects()->projectPath(), QFileInfo(project_).absoluteFilePath());
    saveWindow(QStringLiteral("project_reopened"));
  }

  void corruptProjectReportsTheFile() {
    const QString bad = QDir(dir_.path()).filePath("broken.stamp.json");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"format\": \"stamp-studio-project\", \"version\": 1, ");
    f.close();
    QSignalSpy failed(projects(), &app::ProjectActions::failed);
    projects()->openProject(bad);
    QVERIFY(failed.wait(10000));
    QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("broken.stamp.json")));
    QVERIFY(!projects()->busy());
  }

  void exportsAreReadable() {
    window_->view()->setSelection({0, 1, 2});
    const QString h5 = QDir(dir_.path()).filePath("out/emb.h5ad");
    QDir().mkpath(QFileInfo(h5).absolutePath());
    QVERIFY(runExport([&] { exports()->exportEmbeddings(h5); }));
    const int spots = int(window_->current()->sample->spotCount());
    QProcess py;
    py.start(QStringLiteral("/usr/bin/python3"),
             {QStringLiteral("-c"), QStringLiteral("import anndata,sys; a=anndata.read_h5ad(sys.argv[1]); "
                                                   "c=a.obs['stamp_clusters_image_k4']; "
                                                   "print(a.n_obs, a.obsm['X_stamp_image'].shape[1], len(c.cat.categories))"),
              h5});
    QVERIFY(py.waitForFinished(60000));
    const QString out = QString::fromUtf8(py.readAllStandardOutput()).trimmed();
    if (py.exitCode() != 0 && QString::fromUtf8(py.readAllStandardError()).contains("No module named"))
      QSKIP("anndata is not installed for /usr/bin/python3");
    QCOMPARE(out, QStringLiteral("%1 %2 4").arg(spots).arg(ctl()->embeddings()->image.cols));

    const QString geo = QDir(dir_.path()).filePath("out/spots.geojson");
    QVERIFY(runExport([&] { exports()->exportGeoJson(geo); }));
    const QJsonArray features = readJson(geo)["features"].toArray();
    int selection = 0, clustered = 0;
    for (const auto& f : features) {
      const QString cls = f.toObject()["properties"].toObject()["classification"].toObject()["name"].toString();
      selection += cls == QStringLiteral("Selection");
      clustered += cls.startsWith(QStringLiteral("cluster "));
      QCOMPARE(f.toObject()["geometry"].toObject()["type"].toString(), QStringLiteral("Polygon"));
    }
    QCOMPARE(selection, 3);
    QVERIFY(clustered > spots / 2);

    const QString csv = QDir(dir_.path()).filePath("out/spots.csv");
    QVERIFY(runExport([&] { exports()->exportCsv(csv); }));
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
    QStringList header{QStringLiteral("barcode"), QStringLiteral("x"), QStringLiteral("y")};
    for (int r = 0; r < layers_()->count(); ++r)
      if (layers_()->layer(r).visible) {
        const QString name = QString::fromStdString(layers_()->layer(r).name);
        header << (name.contains(',') ? '"' + name + '"' : name);  // CSV quoting
      }
    QCOMPARE(lines.first(), header.join(','));
    QCOMPARE(lines.size(), spots + 1);
    QVERIFY(!lines.first().contains(QStringLiteral("total counts")));  // hidden layer left out
  }

  void figuresAtTwoDpis() {
    const QString a = QDir(dir_.path()).filePath("out/fig150.png"), b = QDir(dir_.path()).filePath("out/fig300.png");
    app::FigureRequest r;
    r.layerRow = rowOf("Clusters (k-means, k = 4, on image embedding)");
    r.widthPx = 700;
    r.dpi = 150;
    r.title = QStringLiteral("Clusters");
    r.path = a;
    QVERIFY(runExport([&] { exports()->exportFigure(r); }));
    r.widthPx = 1400;
    r.dpi = 300;
    r.path = b;
    QVERIFY(runExport([&] { exports()->exportFigure(r); }));
    const QImage ia(a), ib(b);
    const QJsonObject ja = readJson(a + ".json"), jb = readJson(b + ".json");
    QCOMPARE(jb["map"].toObject()["w"].toInt(), 2 * ja["map"].toObject()["w"].toInt());
    QVERIFY(std::abs(ib.width() - 2 * ia.width()) <= ia.width() / 50);  // text panel scales too, rounded
    QCOMPARE(qRound(ia.dotsPerMeterX() * 0.0254), 150);
    QCOMPARE(qRound(ib.dotsPerMeterX() * 0.0254), 300);
    QCOMPARE(ja["checkpoint_sha256"].toString(), QStringLiteral("untrained:0"));
    QCOMPARE(ja["st"].toString(), h5ad_);
    QCOMPARE(ja["layer"].toObject()["kind"].toString(), QStringLiteral("categorical"));
    // The current view was drawn: the region is what the view shows (inside the image).
    const QRectF shown = window_->view()->transform().visibleFrameRect();
    QVERIFY(std::abs(ja["region"].toObject()["x"].toDouble() - std::max(0.0, shown.x())) < 1.0);
    for (const auto& [img, j] : {std::pair{ia, ja}, std::pair{ib, jb}}) {
      const double umPerFigPx = j["figure_pixel_size_um"].toDouble();
      const double barUm = j["scale_bar"].toObject()["um"].toDouble();
      QVERIFY(umPerFigPx > 0 && barUm > 0);
      const int run = scaleBarRun(img, j["map"].toObject());
      QVERIFY2(std::abs(run - barUm / umPerFigPx) <= 2.0, qPrintable(QStringLiteral("bar %1 px, want %2").arg(run).arg(barUm / umPerFigPx)));
    }
    QVERIFY(std::abs(jb["figure_pixel_size_um"].toDouble() * 2 - ja["figure_pixel_size_um"].toDouble()) < 1e-9);
    guitest::saveScreenshot(ia, QStringLiteral("project_figure_150dpi"));

    for (const QString& ext : {QStringLiteral("pdf"), QStringLiteral("svg")}) {
      r.path = QDir(dir_.path()).filePath("out/fig." + ext);
      r.widthPx = 700;
      QVERIFY(runExport([&] { exports()->exportFigure(r); }));
      QFile f(r.path);
      QVERIFY(f.open(QIODevice::ReadOnly));
      const QByteArray head = f.read(8);
      QVERIFY(ext == QLatin1String("pdf") ? head.startsWith("%PDF-1.4") : head.startsWith("<?xml"));
    }
    r.path = QDir(dir_.path()).filePath("out/fig.bmp");  // unsupported: a clear error, no file
    QSignalSpy failed(exports(), &app::ExportActions::exportFailed);
    exports()->exportFigure(r);
    QVERIFY(failed.wait(20000));
    QVERIFY(failed.first().at(0).toString().contains(QStringLiteral(".bmp")));
    QVERIFY(!QFileInfo::exists(r.path));
  }

  void cleanupTestCase() { window_.reset(); }

 private:
  app::ModelController* ctl() const { return window_->modelActions()->controller(); }
  app::ProjectActions* projects() const { return window_->projectActions(); }
  app::ExportActions* exports() const { return window_->exportActions(); }
  LayerModel* layers_() const { return window_->layers(); }

  void openWindow() {
    window_ = guitest::showMainWindow({1400, 900});
    QVERIFY(window_);
    ctl()->setVocabularyFolder({});
  }

  QStringList layerNames() const {
    QStringList n;
    for (int r = 0; r < layers_()->count(); ++r) n << QString::fromStdString(layers_()->layer(r).name);
    return n;
  }
  int rowOf(const QString& name) const { return int(layerNames().indexOf(name)); }

  bool runExport(const std::function<void()>& start) {
    QSignalSpy done(exports(), &app::ExportActions::exported);
    QSignalSpy failed(exports(), &app::ExportActions::exportFailed);
    start();
    guitest::waitUntil([&] { return !done.isEmpty() || !failed.isEmpty(); }, 60000);
    if (!failed.isEmpty()) qWarning() << "export failed:" << failed.first().at(0).toString();
    return !done.isEmpty();
  }

  void saveWindow(const QString& name) {
    guitest::waitForTiles(*window_->view());
    QTest::qWait(200);
    guitest::saveScreenshot(window_->screen()->grabWindow(window_->winId()).toImage(), name);
  }

  QTemporaryDir dir_;
  QString h5ad_, slide_, project_;
  std::unique_ptr<app::MainWindow> window_;
};

int main(int argc, char** argv) { return stamp::guitest::runAppTest<ProjectTest>(argc, argv); }
#include "test_gui_project.moc"
