// The 3D embedding view (VTK in our QOpenGLWidget adapter) inside the real window: an untrained
// tiny STAMP model embeds a generated demo sample (with gene embeddings when the shared STAMP
// vocabulary is present), the dock projects them to 3D, renders them coloured like the current
// layer, and picking is linked both ways with the slide view.
#include <QDir>
#include <QElapsedTimer>
#include <QScreen>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <random>

#include "embedding_view_dock.h"
#include "gui_test_support.h"
#include "main_window.h"
#include "model/config.h"
#include "model_actions.h"
#include "style.h"
#include "widgets/embedding_view.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

using namespace stamp;
using widgets::EmbeddingView;

namespace {

// Pixels that are clearly not the view's background (0.11, 0.12, 0.14).
int foregroundPixels(const QImage& img) {
  int n = 0;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      const QColor c = img.pixelColor(x, y);
      n += std::abs(c.red() - 28) + std::abs(c.green() - 31) + std::abs(c.blue() - 36) > 40;
    }
  return n;
}

bool near(const QColor& got, int r, int g, int b, int tol) {
  return std::abs(got.red() - r) <= tol && std::abs(got.green() - g) <= tol && std::abs(got.blue() - b) <= tol;
}

}  // namespace

class EmbeddingViewTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    const guitest::DemoFiles demo = guitest::writeDemo(dir_, 5);
    QVERIFY2(demo.error.isEmpty(), qPrintable(demo.error));
    const QString vocab = guitest::dataFile(QStringLiteral("stamp-vocab"));
    withGene_ = !vocab.isEmpty();
    if (!withGene_) qWarning("../shared/data/stamp-vocab not found: image embeddings only");
    // Untrained tiny structure; with the real vocabulary's genes when there is one.
    auto config = core::model::presetTiny();
    if (withGene_) config.nGenes = 20310;
    config.context = 32;
    auto model = core::engine::ModelHandle::fromConfig(config, 7);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().describe().c_str());

    window_ = guitest::showMainWindow({1500, 950});
    QVERIFY(window_ && guitest::openSample(*window_, demo.h5ad, demo.slide));
    auto* models = window_->modelActions()->controller();
    models->setVocabularyFolder(vocab);
    models->setCacheDir(QDir(dir_.path()).filePath("cache"));
    models->setModel(std::move(model).value());

    dock()->show();
    QSignalSpy cloud(dock(), &app::EmbeddingViewDock::cloudShown);
    QSignalSpy failed(models, &app::ModelController::failed);
    window_->modelActions()->computeEmbeddings();
    guitest::waitUntil([&] { return !cloud.isEmpty() || !failed.isEmpty(); }, 240000);
    if (cloud.isEmpty())
      QFAIL(qPrintable("no 3D cloud: " + dock()->statusText() + " " +
                       (failed.isEmpty() ? QString() : failed.first().at(0).toString())));
    QVERIFY2(view3d()->glError().isEmpty(), qPrintable(view3d()->glError()));
    QVERIFY(view3d()->vtkReady());
  }
  void cleanupTestCase() { window_.reset(); }

  void rendersTheJointCloud() {
    const auto table = window_->modelActions()->controller()->embeddings();
    QCOMPARE(view3d()->cloud().spotCount(), table->rows());
    QCOMPARE(view3d()->cloud().gene.size(), withGene_ ? table->rows() : std::size_t(0));
    QVERIFY(dock()->statusText().contains(QString::number(table->rows())));
    const QImage frame = view3d()->grabFramebuffer();
    QVERIFY(!frame.isNull());
    const int fg = foregroundPixels(frame);
    qInfo("3D view %dx%d, %d foreground pixels, status: %s", frame.width(), frame.height(), fg,
          qPrintable(dock()->statusText()));
    guitest::saveScreenshot(frame, QStringLiteral("embedding_view_default_colours"));
    const QImage vtk = view3d()->vtkFrame();
    qInfo("VTK frame %dx%d: %d foreground", vtk.width(), vtk.height(), foregroundPixels(vtk));
    guitest::saveScreenshot(vtk, QStringLiteral("embedding_view_vtk_frame"));
    QVERIFY(fg > 300);
  }

  void coloursFollowTheCurrentLayer() {
    const int before = window_->layers()->count();
    window_->modelActions()->addPcaLayer(app::EmbeddingSource::Image);
    QVERIFY(guitest::waitUntil([&] { return window_->layers()->count() == before + 1; }, 60000));
    const widgets::Layer& layer = window_->layers()->layer(window_->layers()->currentRow());
    QCOMPARE(layer.spotCount(), view3d()->cloud().spotCount());
    // Untrained models put all image embeddings nearly on one point: use the gene points then.
    auto set = EmbeddingView::Set::Image;
    int spot = isolatedSpot(set);
    if (spot < 0 && withGene_) spot = isolatedSpot(set = EmbeddingView::Set::Gene);
    QVERIFY(spot >= 0);
    view3d()->setSetVisible(EmbeddingView::Set::Gene, set == EmbeddingView::Set::Gene);
    view3d()->setSetVisible(EmbeddingView::Set::Image, set == EmbeddingView::Set::Image);
    const QPoint at = view3d()->screenPosition(spot, set)->toPoint();
    const QImage frame = view3d()->grabFramebuffer();
    const widgets::Rgba8 want = layer.colorOf(std::size_t(spot));
    const QColor got = frame.pixelColor(at);
    QVERIFY2(near(got, want.r, want.g, want.b, 12),
             qPrintable(QStringLiteral("spot %1 at (%2,%3): got %4, want %5,%6,%7")
                            .arg(spot).arg(at.x()).arg(at.y()).arg(got.name()).arg(want.r).arg(want.g).arg(want.b)));
    saveWindow(QStringLiteral("embedding_view_pca_layer"));
    view3d()->setSetVisible(EmbeddingView::Set::Gene, true);
    view3d()->setSetVisible(EmbeddingView::Set::Image, true);
  }

  void pickSelectsTheSpotInTheSlideView() {
    window_->view()->setSelection({});
    int tried = 0;
    for (auto set : {EmbeddingView::Set::Image, EmbeddingView::Set::Gene}) {
      if (set == EmbeddingView::Set::Gene && !withGene_) continue;
      const int spot = isolatedSpot(set);
      if (spot < 0) continue;  // e.g. an untrained model's image points all coincide
      ++tried;
      const QPoint at = view3d()->screenPosition(spot, set)->toPoint();
      QCOMPARE(view3d()->spotAt(at), spot);
      QSignalSpy picked(view3d(), &EmbeddingView::spotPicked);
      QTest::mouseClick(view3d(), Qt::LeftButton, {}, at);
      QCOMPARE(picked.count(), 1);
      QCOMPARE(picked.first().at(0).toInt(), spot);
      QCOMPARE(window_->view()->spots().selection(), std::vector<int>{spot});
      QCOMPARE(view3d()->highlighted(), std::vector<int>{spot});
      // The slide view centred on the spot.
      const QPointF centre = window_->view()->transform().toWidget(window_->view()->spots().centre(spot));
      QVERIFY((centre - QPointF(window_->view()->rect().center())).manhattanLength() < 4);
    }
    QVERIFY(tried > 0);
    // A click on empty space picks nothing and keeps the selection.
    QSignalSpy picked(view3d(), &EmbeddingView::spotPicked);
    QTest::mouseClick(view3d(), Qt::LeftButton, {}, QPoint(2, 2));
    QCOMPARE(picked.count(), 0);
    QCOMPARE(window_->view()->spots().selection().size(), std::size_t(1));
  }

  void slideSelectionIsHighlightedIn3d() {
    const std::vector<int> chosen{2, 11, 40};
    window_->view()->setSelection(chosen);
    QCOMPARE(view3d()->highlighted(), chosen);
    QTest::qWait(50);
    const QImage frame = view3d()->grabFramebuffer();
    int yellow = 0;
    for (int s : chosen) {
      const auto set = withGene_ ? EmbeddingView::Set::Gene : EmbeddingView::Set::Image;
      const auto pos = view3d()->screenPosition(s, set);
      QVERIFY2(pos.has_value(), "a chosen spot has no point in the view");
      const QPoint p = pos->toPoint();
      yellow += near(frame.pixelColor(p), 255, 217, 25, 60);
    }
    QCOMPARE(yellow, int(chosen.size()));  // drawn in front of the cloud
    saveWindow(QStringLiteral("embedding_view_linked_selection"));
    view3d()->setHighlighted({-1, 1 << 30});  // out of range: ignored
    QVERIFY(view3d()->highlighted().empty());
    window_->view()->setSelection({});
    QVERIFY(view3d()->highlighted().empty());
  }

  void hidingASetHidesItsPoints() {
    if (!withGene_) QSKIP("no gene embeddings without ../shared/data/stamp-vocab");
    view3d()->setSetVisible(EmbeddingView::Set::Image, false);
    QVERIFY(!view3d()->screenPosition(0, EmbeddingView::Set::Image));
    const int spot = isolatedSpot(EmbeddingView::Set::Gene);
    QVERIFY(spot >= 0);
    const auto pos = view3d()->screenPosition(spot, EmbeddingView::Set::Gene);
    QVERIFY(pos.has_value());
    QCOMPARE(view3d()->spotAt(pos->toPoint()), spot);
    view3d()->setSetVisible(EmbeddingView::Set::Image, true);
  }

  // 100,000 points: the frame time is printed (no timing assertion).
  void hundredThousandPoints() {
    std::mt19937 rng(1);
    std::normal_distribution<float> g(0.f, 1.f);
    widgets::EmbeddingCloud cloud;
    const std::size_t n = 100000;
    for (std::size_t i = 0; i < n; ++i) {
      cloud.gene.push_back({g(rng), g(rng), g(rng)});
      cloud.image.push_back({g(rng) + 2, g(rng), g(rng)});
    }
    cloud.geneValid.assign(n, 1);
    cloud.imageValid.assign(n, 1);
    EmbeddingView view;
    view.resize(800, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QElapsedTimer t;
    t.start();
    view.setCloud(std::move(cloud));
    QImage first = view.grabFramebuffer();
    const qint64 setupMs = t.elapsed();
    t.restart();
    const int frames = 5;
    for (int i = 0; i < frames; ++i) {
      view.setHighlighted({i});
      view.grabFramebuffer();
    }
    qInfo("100000 spots (200000 points): first frame %lld ms, then %.1f ms per frame (llvmpipe)",
          setupMs, double(t.elapsed()) / frames);
    QVERIFY(foregroundPixels(first) > 10000);
    guitest::saveScreenshot(first, QStringLiteral("embedding_view_100k"));
  }

 private:
  app::EmbeddingViewDock* dock() const { return window_->embeddingDock(); }
  EmbeddingView* view3d() const { return dock()->embeddingView(); }

  // The visible spot whose point of `set` is farthest (on screen) from every other point, so
  // that pixel and pick checks cannot hit a neighbour.
  int isolatedSpot(EmbeddingView::Set set) const {
    std::vector<QPointF> all;
    for (auto s : {EmbeddingView::Set::Gene, EmbeddingView::Set::Image})
      for (int i = 0; i < int(view3d()->cloud().spotCount()); ++i)
        if (auto p = view3d()->screenPosition(i, s)) all.push_back(*p);
    const QRectF inside = QRectF(view3d()->rect()).adjusted(10, 10, -10, -10);
    int best = -1;
    double bestGap = 0;
    for (int i = 0; i < int(view3d()->cloud().spotCount()); ++i) {
      auto p = view3d()->screenPosition(i, set);
      if (!p || !inside.contains(*p)) continue;
      double gap = 1e9;
      for (const QPointF& q : all)
        if (q != *p) gap = std::min(gap, std::hypot(q.x() - p->x(), q.y() - p->y()));
      if (gap > bestGap) bestGap = gap, best = i;
    }
    return bestGap >= 8 ? best : -1;
  }

  void saveWindow(const QString& name) {
    QTest::qWait(200);
    guitest::saveScreenshot(window_->screen()->grabWindow(window_->winId()).toImage(), name);
  }

  QTemporaryDir dir_;
  bool withGene_ = false;
  std::unique_ptr<app::MainWindow> window_;
};

int main(int argc, char** argv) { return stamp::guitest::runAppTest<EmbeddingViewTest>(argc, argv); }
#include "test_gui_embedding_view.moc"
