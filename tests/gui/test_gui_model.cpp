// Working with the model from the GUI: an untrained tiny STAMP model embeds a generated demo
// sample through the ModelController (worker thread, progress, cancel, h5ad cache), and the
// embedding layers (PCA RGB, k-means clusters, similarity) colour the spots on screen.
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QScreen>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include "embedding_cache.h"
#include "gui_test_support.h"
#include "main_window.h"
#include "model/config.h"
#include "model_actions.h"
#include "model_dialog.h"
#include "style.h"
#include "widgets/colorbar_widget.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

using namespace stamp;
using namespace stamp::widgets;
using app::EmbeddingSource;

class ModelTest : public guitest::DemoWindowTestBase {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(writeDemoFiles(3));
    QVERIFY(makeUntrainedModel(core::model::presetTiny()));
  }

  void init() {
    QVERIFY(showDemoWindow({1400, 900}));
    ctl()->setVocabularyFolder({});  // image embeddings only
    ctl()->setModel(model_);
  }

  void embeddingLayersColourTheSpots() {
    ctl()->setCacheDir(QDir(dir_.path()).filePath("cache-layers"));
    QSignalSpy progress(ctl(), &app::ModelController::progress);
    QVERIFY(compute(false));
    QVERIFY(progress.count() > 0);
    QVERIFY(QFileInfo::exists(ctl()->cachePathFor(*window_->current())));
    const auto table = ctl()->embeddings();
    QCOMPARE(table->rows(), window_->current()->sample->spotCount());

    QVERIFY(addLayer([this] { window_->modelActions()->addPcaLayer(EmbeddingSource::Image); }));
    const Layer& pca = window_->layers()->layer(0);
    QCOMPARE(QString::fromStdString(pca.name), QStringLiteral("Image embedding (PCA RGB)"));
    QCOMPARE(pca.kind, Layer::Kind::Rgb);
    QCOMPARE(pca.spotCount(), table->rows());
    checkSpotColours();
    saveWindow(QStringLiteral("model_pca_rgb"));

    window_->modelActions()->clusterCount()->setValue(4);
    QVERIFY(addLayer([this] { window_->modelActions()->addClusterLayer(EmbeddingSource::Image); }));
    const Layer& clusters = window_->layers()->layer(0);
    QCOMPARE(clusters.kind, Layer::Kind::Categorical);
    QCOMPARE(clusters.categories.size(), std::size_t(4));
    QVERIFY(QString::fromStdString(clusters.name).contains(QStringLiteral("k = 4")));
    QCOMPARE(window_->colorBar()->legendEntries().size(), 4);
    checkSpotColours();
    saveWindow(QStringLiteral("model_kmeans"));

    QVERIFY(addLayer([this] { window_->modelActions()->addSimilarityLayer(5); }));
    const Layer& sim = window_->layers()->layer(0);
    QCOMPARE(QString::fromStdString(sim.name), QStringLiteral("Similarity to clicked spot"));
    QVERIFY(std::abs(sim.values[5] - 1.f) < 1e-4);
    // Gene parts were not computed: asking for them reports, adds nothing.
    QSignalSpy failed(ctl(), &app::ModelController::failed);
    const int before = window_->layers()->count();
    window_->modelActions()->addPcaLayer(EmbeddingSource::Gene);
    QVERIFY(failed.wait(10000));
    QCOMPARE(window_->layers()->count(), before);
    layerRequestsQueueInOrder();
  }

  void secondComputeReadsTheCache() {
    ctl()->setCacheDir(QDir(dir_.path()).filePath("cache-reuse"));
    QVERIFY(compute(false));
    const auto first = ctl()->embeddings();
    QSignalSpy progress(ctl(), &app::ModelController::progress);
    QVERIFY(compute(true));
    const auto second = ctl()->embeddings();
    QVERIFY(second != first);
    QCOMPARE(progress.count(), 0);  // read back, not recomputed
    QCOMPARE(second->rows(), first->rows());
    QCOMPARE(second->ids, first->ids);
    QCOMPARE(second->image.data, first->image.data);
    // The cache file is named after the sample: the same name opened from another folder must
    // not read it back as its own.
    const app::LoadedSample& here = *window_->current();
    const QString path = ctl()->cachePathFor(here);
    QVERIFY(app::readEmbeddingCache(path, here, false));
    app::LoadedSample elsewhere = here;
    elsewhere.path = QDir(dir_.path()).filePath(QStringLiteral("elsewhere/") + QFileInfo(here.path).fileName());
    QCOMPARE(ctl()->cachePathFor(elsewhere), path);
    QVERIFY(!app::readEmbeddingCache(path, elsewhere, false));
  }

  void dialogLoadsTheModelAtItsDeviceAndPrecision() {
    app::ModelDialog dialog(window_.get());
    auto* device = dialog.findChild<QComboBox*>(QStringLiteral("device"));
    auto* precision = dialog.findChild<QComboBox*>(QStringLiteral("precision"));
    QVERIFY(device && precision);
    auto items = [](QComboBox* c) {
      QStringList out;
      for (int i = 0; i < c->count(); ++i) out << c->itemText(i);
      return out;
    };
    QVERIFY(items(device).contains(QStringLiteral("cpu")));
    device->setCurrentText(QStringLiteral("cpu"));
    QCOMPARE(items(precision), QStringList({QStringLiteral("fp32"), QStringLiteral("bf16")}));  // fp16: CUDA only
    dialog.findChild<QComboBox*>(QStringLiteral("preset"))->setCurrentText(QStringLiteral("tiny"));
    dialog.findChild<QCheckBox*>(QStringLiteral("untrained"))->setChecked(true);
    precision->setCurrentText(QStringLiteral("bf16"));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    guitest::saveScreenshot(dialog.grab().toImage(), QStringLiteral("model_dialog"));
    const app::ModelRequest request = dialog.request();
    QCOMPARE(request.device, QStringLiteral("cpu"));
    QCOMPARE(request.precision, QStringLiteral("bf16"));

    QSignalSpy loaded(ctl(), &app::ModelController::modelLoaded);
    ctl()->loadModel(request);
    QVERIFY(loaded.wait(60000));
    QVERIFY(loaded.first().first().toString().endsWith(QStringLiteral("on cpu, bf16")));
    QCOMPARE(ctl()->model()->precision(), core::model::Precision::Bf16);
    ctl()->setCacheDir(dir_.path());
    QVERIFY(ctl()->cachePathFor(*window_->current()).endsWith(QStringLiteral("-bf16.h5ad")));  // not fp32's file
    // fp16 on the CPU (a stale setting, a project from a GPU machine): an error, no model swap.
    app::ModelRequest fp16 = request;
    fp16.precision = QStringLiteral("fp16");
    QSignalSpy failed(ctl(), &app::ModelController::failed);
    ctl()->loadModel(fp16);
    QVERIFY(failed.wait(60000));
    QVERIFY2(failed.first().first().toString().contains(QStringLiteral("fp16 autocast needs a CUDA device")),
             qPrintable(failed.first().first().toString()));
    QCOMPARE(ctl()->model()->precision(), core::model::Precision::Bf16);
  }

  void cancelLeavesNoLayer() {
    ctl()->setCacheDir(QDir(dir_.path()).filePath("cache-cancel"));
    const int layersBefore = window_->layers()->count();
    QSignalSpy cancelled(ctl(), &app::ModelController::cancelled);
    QSignalSpy ready(ctl(), &app::ModelController::embeddingsReady);
    window_->modelActions()->computeEmbeddings();
    QVERIFY(ctl()->busy());
    ctl()->cancel();  // the worker checks the token before each batch (89 spots embed in ~1 s)
    QVERIFY(cancelled.wait(120000));
    QCOMPARE(ready.count(), 0);
    QVERIFY(!ctl()->embeddings());
    QVERIFY(!ctl()->busy());
    QCOMPARE(window_->layers()->count(), layersBefore);
    QVERIFY(!QFileInfo::exists(ctl()->cachePathFor(*window_->current())));
    QVERIFY(window_->modelActions()->computeAction()->isEnabled());
    // Still usable: the next compute runs to the end (nothing was cached by the cancelled one).
    QVERIFY(compute(false));
  }

  void slideWithoutSpotsShowsGridPatches() {
    QSignalSpy shown(window_.get(), &app::MainWindow::sampleShown);
    window_->openSlidePath(slide_);
    QVERIFY(shown.wait(60000));
    QVERIFY(!window_->current()->sample);
    ctl()->setCacheDir(QDir(dir_.path()).filePath("cache-grid"));
    QVERIFY(compute(false));
    const auto table = ctl()->embeddings();
    QVERIFY(table->rows() >= 4);
    QVERIFY(!table->gridRow.empty());
    QVERIFY(addLayer([this] { window_->modelActions()->addPcaLayer(EmbeddingSource::Image); }));
    QCOMPARE(window_->layers()->layer(0).spotCount(), table->rows());
    window_->view()->fitToView();
    checkSpotColours(4);
    saveWindow(QStringLiteral("model_grid_pca"));
  }

 private:
  // Layers asked for back to back queue behind each other (the GUI thread never waits on the
  // running one) and arrive in the order asked.
  void layerRequestsQueueInOrder() {
    window_->layers()->clear();
    window_->modelActions()->addPcaLayer(EmbeddingSource::Image);
    window_->modelActions()->addClusterLayer(EmbeddingSource::Image);
    window_->modelActions()->addSimilarityLayer(7);
    QCOMPARE(window_->layers()->count(), 0);  // nothing built on the GUI thread
    QVERIFY(guitest::waitUntil([&] { return window_->layers()->count() == 3; }, 60000));
    QCOMPARE(QString::fromStdString(window_->layers()->layer(0).name), QStringLiteral("Similarity to clicked spot"));
    QCOMPARE(window_->layers()->layer(1).kind, Layer::Kind::Categorical);
    QCOMPARE(QString::fromStdString(window_->layers()->layer(2).name), QStringLiteral("Image embedding (PCA RGB)"));
    QVERIFY(std::abs(window_->layers()->layer(0).values[7] - 1.f) < 1e-4);
  }

  app::ModelController* ctl() const { return window_->modelActions()->controller(); }

  bool compute(bool expectCache) {
    QSignalSpy ready(ctl(), &app::ModelController::embeddingsReady);
    QSignalSpy failed(ctl(), &app::ModelController::failed);
    window_->modelActions()->computeEmbeddings();
    if (!ready.wait(280000)) {
      qWarning() << "no embeddings:" << (failed.isEmpty() ? QString() : failed.first().at(0).toString());
      return false;
    }
    return ready.first().at(0).toBool() == expectCache && ctl()->embeddings();
  }

  bool addLayer(const std::function<void()>& request) {
    const int before = window_->layers()->count();
    request();
    return guitest::waitUntil([&] { return window_->layers()->count() == before + 1; }, 60000);
  }

  // Opaque, no outlines: every on-screen spot centre shows the top layer's colour.
  void checkSpotColours(int minSpots = 20) {
    const auto table = ctl()->embeddings();  // rows are the spots (or grid patches), in order
    std::vector<QPointF> centres;
    for (std::size_t i = 0; i < table->rows(); ++i) centres.emplace_back(table->x[i], table->y[i]);
    const auto colours = guitest::checkSpotCentreColours(*window_->view(), *window_->layers(), centres);
    QVERIFY(colours.checked >= minSpots);
    QCOMPARE(colours.matching, colours.checked);
  }

  void saveWindow(const QString& name) {
    QTest::qWait(200);
    guitest::saveScreenshot(window_->screen()->grabWindow(window_->winId()).toImage(), name);
  }

};

int main(int argc, char** argv) { return stamp::guitest::runAppTest<ModelTest>(argc, argv); }
#include "test_gui_model.moc"
