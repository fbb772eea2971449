// Cross-scale localization in the GUI: an untrained tiny STAMP model answers where a reference
// patch sits in a region dragged on the generated demo sample (3 x 3 probabilities drawn over
// the region, the true cell marked), a dense search draws its heatmap exactly over the searched
// area, a search can be cancelled, and the held-out accuracy is reported against chance.
#include <QAction>
#include <QDir>
#include <QElapsedTimer>
#include <QLabel>
#include <QListWidget>
#include <QScreen>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <numeric>

#include "data/crops.h"
#include "gui_test_support.h"
#include "localize_actions.h"
#include "localize_panel.h"
#include "main_window.h"
#include "model/config.h"
#include "model_actions.h"
#include "slide/slide_reader.h"
#include "style.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

using namespace stamp;
using namespace stamp::widgets;
using app::LocalizeController;

class LocalizeTest : public guitest::DemoWindowTestBase {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(writeDemoFiles(5));
    QVERIFY(makeUntrainedModel(core::model::presetTiny()));
  }

  void init() {
    QVERIFY(showDemoWindow({1900, 1050}));
    window_->modelActions()->controller()->setModel(model_);
    QVERIFY(la()->context().has_value());
  }

  void regionProbabilitiesThroughTheUi() {
    // The demo is 0.5 um/px = 20x: patch 224 px, region 6 x 112 = 672 px.
    QCOMPARE(la()->context()->psFrame, 112.0);
    QCOMPARE(view()->regionSide(), 672.0);
    const int spot = centralSpot();
    const QPointF c = view()->spots().centre(spot);
    view()->setZoom(std::min(view()->width(), view()->height()) / 1100.0);  // region on screen
    view()->centreOn(c - QPointF(224, -224));  // the region we will drag is centred there
    QVERIFY(guitest::waitForTiles(*view()));

    // Pick the reference: the menu action, then a click on the spot.
    la()->pickAction()->trigger();
    QTest::mouseClick(view(), Qt::LeftButton, {}, widget(c));
    QCOMPARE(la()->reference().kind, app::LocalizeReference::Kind::Point);
    QVERIFY(la()->reference().label.startsWith(QStringLiteral("spot ")));
    QVERIFY(QLineF(la()->reference().frame, c).length() < 1e-6);
    QVERIFY(!la()->pickAction()->isChecked());

    // Drag the region so that the reference lies in cell 2 (top row, right column).
    la()->regionToolAction()->trigger();
    QCOMPARE(view()->tool(), SlideView::Tool::Region);
    const QPointF target = c + QPointF(-224, 224);  // centre of regionSquare(x, y, ps, cell 2)
    QSignalSpy ready(ctl(), &LocalizeController::regionReady);
    QElapsedTimer timer;
    timer.start();
    drag(widget(target) + QPoint(-140, 90), widget(target));
    QVERIFY(ready.wait(20000));
    qInfo("region answered %lld ms after the drag ended", timer.elapsed());
    const auto result = ready.last().at(0).value<app::RegionResult>();
    const auto& probs = result.cells.probs;
    QVERIFY(std::abs(std::accumulate(probs.begin(), probs.end(), 0.0) - 1.0) < 1e-4);
    for (float p : probs) QVERIFY(p >= 0.f && p <= 1.f);
    QCOMPARE(result.trueCell, 2);
    QVERIFY(std::abs(result.region.center().x() - target.x()) < 3);
    QVERIFY(std::abs(result.region.width() - 672) < 1e-6);
    QCOMPARE(view()->regionOverlay().trueCell, 2);
    QVERIFY(view()->regionOverlay().probs == probs);
    QVERIFY(la()->panel()->regionLabel()->text().contains(QStringLiteral("true cell")) ||
            la()->panel()->regionLabel()->text().contains(QStringLiteral("✓")));

    // What the user sees: the green true-cell marker is drawn in cell 2 and in no other cell
    // (spot layers hidden: some colour maps have greens of their own).
    for (int i = 0; i < window_->layers()->count(); ++i) window_->layers()->setVisible(i, false);
    QTest::qWait(100);
    const QImage frame = view()->grabFramebuffer();
    for (int k = 0; k < 9; ++k) {
      const int green = markerPixels(frame, regionCellRect(*view()->region(), k));
      if (k == 2) QVERIFY2(green > 20, qPrintable(QStringLiteral("marker pixels %1").arg(green)));
      else QVERIFY2(green < 3, qPrintable(QStringLiteral("cell %1: %2").arg(k).arg(green)));
    }
    guitest::saveScreenshot(frame, QStringLiteral("localize_region_view"));
    for (int i = 0; i < window_->layers()->count(); ++i) window_->layers()->setVisible(i, true);
    saveWindow(QStringLiteral("localize_region"));

    // An image-file reference answers too, without a true cell (it comes from no place here).
    const QString png = QDir(dir_.path()).filePath(QStringLiteral("ref.png"));
    QVERIFY(writePatchPng(c, png));
    la()->setReferenceImage(png);
    QVERIFY(ready.wait(20000));
    const auto fromFile = ready.last().at(0).value<app::RegionResult>();
    QCOMPARE(fromFile.trueCell, -1);
    QVERIFY(std::abs(std::accumulate(fromFile.cells.probs.begin(), fromFile.cells.probs.end(), 0.0) - 1.0) < 1e-4);
    // Same pixels as the spot patch: the same answer.
    for (int k = 0; k < 9; ++k) QVERIFY(std::abs(fromFile.cells.probs[k] - probs[k]) < 1e-4);
  }

  void denseSearchDrawsItsHeatmapOverTheArea() {
    const QPointF c = view()->spots().centre(centralSpot());
    la()->setReferencePoint(c, QStringLiteral("test point"));
    view()->setZoom(0.9);
    view()->centreOn(c);
    QVERIFY(guitest::waitForTiles(*view()));
    QSignalSpy ready(ctl(), &LocalizeController::searchReady);
    la()->searchVisibleAction()->trigger();
    QVERIFY(ctl()->busy());
    QVERIFY(ready.wait(60000));
    QVERIFY(view()->hasHeatmap());
    const auto search = la()->lastSearch();
    QVERIFY(search);
    QVERIFY(search->heatmap.width >= 2);
    QCOMPARE(la()->panel()->hitList()->count(), int(search->hits.size()));
    QVERIFY(!search->hits.empty());
    // The searched locations lie within the searched square, which covers the visible area.
    const QRectF hm = view()->heatmapRect(), covered = coveredRect(*search);
    QVERIFY(search->area.adjusted(-1, -1, 1, 1).contains(covered));
    QVERIFY(hm.contains(covered));
    QVERIFY(covered.contains(c));
    QTest::qWait(100);
    saveWindow(QStringLiteral("localize_search"));

    // Frames with and without the heatmap (marks off, zoomed out to see around it): they differ
    // where locations were searched, and nowhere else.
    view()->setHitMarks({});
    view()->setReferenceMark(std::nullopt);
    view()->setZoom(view()->transform().zoom * 0.6);
    settle();
    const QImage with = view()->grabFramebuffer();
    const QImage image = search->image;
    view()->clearHeatmap();
    settle();
    const QImage without = view()->grabFramebuffer();
    const QRectF wrect(widget(covered.topLeft()), widget(covered.bottomRight()));
    int inside = 0, insideChanged = 0, outside = 0, outsideChanged = 0;
    for (int y = 0; y < with.height(); y += 3)
      for (int x = 0; x < with.width(); x += 3) {
        const bool changed = pixelDiff(with.pixelColor(x, y), without.pixelColor(x, y)) > 12;
        if (wrect.adjusted(4, 4, -4, -4).contains(x, y)) ++inside, insideChanged += changed;
        else if (!wrect.adjusted(-4, -4, 4, 4).contains(x, y)) ++outside, outsideChanged += changed;
      }
    guitest::saveScreenshot(with, QStringLiteral("localize_heatmap_with"));
    guitest::saveScreenshot(without, QStringLiteral("localize_heatmap_without"));
    qInfo("heatmap: %d of %d pixels changed inside, %d of %d outside", insideChanged, inside,
          outsideChanged, outside);
    QVERIFY(inside > 1000 && outside > 1000);
    QVERIFY(insideChanged > inside / 2);  // spots cover the rest
    QCOMPARE(outsideChanged, 0);
    view()->setHeatmap(image, hm);  // back for the screenshot of the bare view
    QTest::qWait(100);
    guitest::saveScreenshot(view()->grabFramebuffer(), QStringLiteral("localize_heatmap_view"));
  }

  void cancelStopsASearch() {
    la()->setReferencePoint(view()->spots().centre(centralSpot()), QStringLiteral("test point"));
    QSpinBox* stride = la()->panel()->findChild<QSpinBox*>();
    QVERIFY(stride);
    stride->setValue(stride->minimum());  // 1/8 patch
    QSignalSpy cancelled(ctl(), &LocalizeController::cancelled);
    QSignalSpy ready(ctl(), &LocalizeController::searchReady);
    la()->search(std::nullopt);  // whole tissue at the finest stride: thousands of windows
    QVERIFY(ctl()->busy());
    QToolButton* cancel = nullptr;
    for (auto* b : window_->findChildren<QToolButton*>())
      if (b->text() == QStringLiteral("Cancel search")) cancel = b;
    QVERIFY(cancel);
    QVERIFY(guitest::waitUntil([&] { return cancel->isVisible(); }, 5000));
    QTest::mouseClick(cancel, Qt::LeftButton);
    QVERIFY(cancelled.wait(60000));
    QCOMPARE(ready.count(), 0);
    QVERIFY(!ctl()->busy());
    QVERIFY(!view()->hasHeatmap());
    QVERIFY(!cancel->isVisible());
    // Still usable: a region query answers.
    QSignalSpy region(ctl(), &LocalizeController::regionReady);
    const QPointF c = view()->spots().centre(centralSpot());
    la()->localizeRegion(QRectF(c.x() - 336, c.y() - 336, 672, 672));
    QVERIFY(region.wait(20000));
    QCOMPARE(region.last().at(0).value<app::RegionResult>().trueCell, 4);
  }

  void evaluationReportsAccuracyAgainstChance() {
    QSignalSpy done(ctl(), &LocalizeController::evaluated);
    la()->evaluateAction()->trigger();
    QVERIFY(done.wait(60000));
    const auto evaluated = done.first().at(0).value<std::int64_t>();
    const auto correct = done.first().at(1).value<std::int64_t>();
    QVERIFY(evaluated > 10);
    QVERIFY(correct >= 0 && correct <= evaluated);
    const QString text = la()->panel()->evaluationLabel()->text();
    QVERIFY2(text.contains(QStringLiteral("chance 11.1%")), qPrintable(text));
    QVERIFY(text.contains(QString::number(evaluated)));
  }

  void nothingToLocalizeWithoutAModel() {
    window_->modelActions()->controller()->setModel(nullptr);
    la()->setReferencePoint(view()->spots().centre(centralSpot()), QStringLiteral("p"));
    QSignalSpy failed(ctl(), &LocalizeController::failed);
    la()->localizeRegion(QRectF(0, 0, 672, 672));
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("model")));
    QVERIFY(!ctl()->regionBusy());
  }

 private:
  app::LocalizeActions* la() const { return window_->localizeActions(); }
  LocalizeController* ctl() const { return la()->controller(); }
  SlideView* view() const { return window_->view(); }
  QPoint widget(const QPointF& frame) const { return view()->transform().toWidget(frame).toPoint(); }

  // The in-tissue spot nearest the slide centre (its regions fit inside the slide).
  int centralSpot() const {
    const QPointF mid = view()->contentRect().center();
    int best = -1;
    double bestD = 1e300;
    for (int i = 0; i < view()->spots().count(); ++i) {
      const double d = QLineF(view()->spots().centre(i), mid).length();
      if (d < bestD) best = i, bestD = d;
    }
    return best;
  }

  // Every tile of the new zoom on screen: a frame must be painted at that zoom before the
  // view can say it is complete.
  void settle() {
    QTest::qWait(100);
    QVERIFY(guitest::waitForTiles(*view()));
    QTest::qWait(100);
    QVERIFY(guitest::waitForTiles(*view()));
  }

  // Union of the pitch squares of the locations the search covered (frame px).
  static QRectF coveredRect(const app::SearchResult& r) {
    const auto& h = r.heatmap;
    QRectF box;
    const double k = r.imageRect.width() / (h.width * h.pitch);  // frame px per image px
    for (int j = 0; j < h.height; ++j)
      for (int i = 0; i < h.width; ++i)
        if (h.coverage[std::size_t(j * h.width + i)] > 0)
          box |= QRectF((h.x0 + (i - 0.5) * h.pitch) * k, (h.y0 + (j - 0.5) * h.pitch) * k,
                        h.pitch * k, h.pitch * k);
    return box;
  }

  void drag(const QPoint& from, const QPoint& to) {
    QTest::mousePress(view(), Qt::LeftButton, {}, from);
    for (int i = 1; i <= 8; ++i) QTest::mouseMove(view(), from + (to - from) * i / 8, 5);
    QTest::mouseRelease(view(), Qt::LeftButton, {}, to, 5);
  }

  // Pixels of the true-cell marker (saturated green) in the cell's rectangle on screen.
  int markerPixels(const QImage& frame, const QRectF& cellFrame) const {
    const QRect r = QRectF(view()->transform().toWidget(cellFrame.topLeft()),
                           view()->transform().toWidget(cellFrame.bottomRight())).toRect() & frame.rect();
    int n = 0;
    for (int y = r.top(); y <= r.bottom(); ++y)
      for (int x = r.left(); x <= r.right(); ++x) {
        const QColor p = frame.pixelColor(x, y);
        n += p.green() > 170 && p.red() < 130 && p.blue() < 150;
      }
    return n;
  }

  static int pixelDiff(const QColor& a, const QColor& b) {
    return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) + std::abs(a.blue() - b.blue());
  }

  // The spot patch at `c`, cropped by core and saved as a PNG "from another application".
  bool writePatchPng(const QPointF& c, const QString& path) const {
    auto slide = core::slide::openSlide(slide_.toStdString());
    if (!slide.ok()) return false;
    auto patch = core::data::cropSquare(**slide, core::data::spotSquare(c.x(), c.y(), 112), 224);
    if (!patch.ok()) return false;
    QImage img(patch->rgb.data(), patch->width, patch->height, patch->width * 3, QImage::Format_RGB888);
    return img.copy().save(path, "PNG");
  }

  void saveWindow(const QString& name) {
    QTest::qWait(200);
    guitest::saveScreenshot(window_->screen()->grabWindow(window_->winId()).toImage(), name);
  }

};

int main(int argc, char** argv) { return stamp::guitest::runAppTest<LocalizeTest>(argc, argv); }
#include "test_gui_localize.moc"
