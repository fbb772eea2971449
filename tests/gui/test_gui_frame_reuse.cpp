// Frames the slide view does not draw from scratch must look like those it does: the frame
// cache's shifted slide image against a full redraw, CPU-painted spots (software GL) against
// GL's discs, alone and over a real slide, and painted spots shifted on a pan against a fresh
// paint. Each compares every pixel; each fails with its mechanism broken on purpose.
#include <QTest>
#include <cmath>

#include "gui_test_support.h"
#include "sample_controller.h"

using namespace stamp;
using namespace stamp::widgets;

class FrameReuseTest : public guitest::SlideViewTestBase {
  Q_OBJECT
 private Q_SLOTS:

  // Pans by whole pixels shift the cached slide image and draw only the uncovered strips; the
  // result must be the image a full redraw gives (a wrong shift or strip shows at once).
  void pannedFramesMatchAFullRedraw() {
    if (!showTestSlide()) return;
    view_->setZoom(0.73);  // between pyramid levels: tiles are resampled
    view_->centreOn({1100, 1500});
    QVERIFY(guitest::waitForTiles(*view_));
    int shifted = 0;
    for (const QPointF d : {QPointF(37, -23), QPointF(-11, 41), QPointF(5, 0), QPointF(0, -64)}) {
      view_->panBy(d);
      view_->renderNow();
      shifted += view_->lastFramePath() == FrameCache::Path::Shifted;
      QVERIFY(guitest::waitForTiles(*view_));
    }
    QVERIFY(shifted > 0);
    view_->renderNow();
    const QImage panned = view_->grabFramebuffer();
    QCOMPARE(view_->lastFramePath(), FrameCache::Path::Reused);
    // A zoom away and back (the same zoom value) draws the image afresh.
    const double zoom = view_->transform().zoom;
    view_->setZoom(zoom * 2);
    view_->renderNow();
    view_->setZoom(zoom);
    view_->renderNow();
    QCOMPARE(view_->lastFramePath(), FrameCache::Path::Direct);
    QVERIFY(guitest::waitForTiles(*view_));
    const QImage fresh = view_->grabFramebuffer();  // drawn afresh, or a copy of that (no pan)
    QCOMPARE(panned.size(), fresh.size());
    const int worst = guitest::largestDifference(panned, fresh);
    QVERIFY2(worst <= 2, qPrintable(QStringLiteral("largest channel difference %1").arg(worst)));
  }


  // While the zoom keeps changing, frames after the first are drafts (nearest sampling, on a
  // software rasteriser); once it stops, a settled frame follows by itself (a user would
  // otherwise keep looking at the draft). A grab is never a draft.
  void zoomDraftsAreFollowedByASettledFrame() {
    if (!showTestSlide()) return;
    view_->setZoom(0.73);
    view_->centreOn({1100, 1500});
    QVERIFY(guitest::waitForTiles(*view_));
    // Each zoom's frame comes through the event loop, as a wheel's do (renderNow() would
    // leave the zoom's own update pending, an extra frame that would hide a missing settle).
    auto zoomTo = [&](double zoom) {
      const auto frames = view_->framesDrawn();
      view_->setZoom(zoom);
      return guitest::waitUntil([&] { return view_->framesDrawn() > frames; }, 3000);
    };
    view_->setZoomDrafts(true, 1500);  // a busy machine's frames must not look like pauses
    const double zoom = view_->transform().zoom;
    int drafts = 0;
    for (const double step : {1.03, 1.06, 1.09}) {  // zooming in: no tile is missing
      QVERIFY(zoomTo(zoom * step));
      drafts += view_->lastFrameWasDraft();
    }
    if (!view_->softwareGl()) {
      QCOMPARE(drafts, 0);
      QSKIP("drafts are for software GL only; this GL is not");
    }
    QCOMPARE(drafts, 2);  // the first zoom frame of a gesture is drawn fully
    QVERIFY(guitest::waitUntil([&] { return view_->lastFramePath() == FrameCache::Path::Redrawn; }, 6000));
    QVERIFY(!view_->lastFrameWasDraft());
    QVERIFY(zoomTo(zoom * 1.12));
    QVERIFY(!view_->lastFrameWasDraft());  // after the pause a new gesture starts fully drawn
    view_->setZoom(zoom * 1.15);  // would be a draft, were it not a grab
    const QImage grabbed = view_->grabFramebuffer();
    QVERIFY(!grabbed.isNull());
    QVERIFY(!view_->lastFrameWasDraft());
  }

  // A heatmap is drawn into the cached slide image: panned frames must equal a full redraw,
  // and a new opacity or a cleared heatmap must show at once (the cache's key follows it).
  void heatmapPansWithTheCachedSlide() {
    if (!showTestSlide()) return;
    QImage heat(24, 18, QImage::Format_RGBA8888);
    for (int y = 0; y < heat.height(); ++y)
      for (int x = 0; x < heat.width(); ++x)
        heat.setPixelColor(x, y, QColor(10 * x, 255 - 12 * y, 90, (x + y) % 5 ? 220 : 0));
    view_->setHeatmap(heat, QRectF(100, 150, 2000, 2700));  // past the view: in the strips too
    view_->setZoom(0.55);
    view_->centreOn({1200, 1150});
    QVERIFY(guitest::waitForTiles(*view_));
    auto redrawn = [&] {  // a zoom away and back draws the frame afresh
      const double zoom = view_->transform().zoom;
      view_->setZoom(zoom * 2);
      view_->renderNow();
      view_->setZoom(zoom);
      view_->renderNow();
      [&] { QVERIFY(guitest::waitForTiles(*view_)); }();
      return view_->grabFramebuffer();
    };
    for (const QPointF d : {QPointF(31, -17), QPointF(-9, 44), QPointF(0, -25)}) {
      view_->panBy(d);
      view_->renderNow();
      QVERIFY(guitest::waitForTiles(*view_));
    }
    QCOMPARE(view_->lastFramePath(), FrameCache::Path::Reused);
    const QImage panned = view_->grabFramebuffer();
    // Cells are sampled nearest: where a cell edge falls on a pixel centre, a shifted frame
    // may put it one pixel over (a column or row of the heatmap). A wrong shift or a strip
    // drawn without the heatmap differs over far more.
    auto expectAlike = [&](const QImage& a, const QImage& b, const char* what) {
      int far = 0;
      for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) far += guitest::channelDifference(a.pixelColor(x, y), b.pixelColor(x, y)) > 2;
      qInfo("%s: %d of %d pixels differ by more than 2", what, far, a.width() * a.height());
      QVERIFY2(far <= a.width() * a.height() / 200, what);
    };
    const QImage fresh = redrawn();
    expectAlike(panned, fresh, "panned");
    view_->setHeatmapOpacity(0.2f);
    view_->renderNow();
    const QImage fainter = view_->grabFramebuffer();
    QVERIFY(guitest::largestDifference(fainter, fresh) > 40);  // the new opacity shows
    expectAlike(fainter, redrawn(), "new opacity");
    view_->clearHeatmap();
    view_->renderNow();
    const QImage cleared = view_->grabFramebuffer();
    QVERIFY(guitest::largestDifference(cleared, fainter) > 20);  // the heatmap is gone at once
    expectAlike(cleared, redrawn(), "cleared");
  }

  // The CPU-painted spots (software GL with many discs in view) must look like GL's discs:
  // fill, anti-aliased rim, outline, selection ring, layer opacity and order, at two sizes.
  void paintedSpotsMatchTheGlDiscs() {
    std::vector<QPointF> centres;
    Layer bottom, top;
    bottom.name = "bottom";
    top.name = "top";
    for (int y = 0; y < 24; ++y)
      for (int x = 0; x < 36; ++x) {
        centres.emplace_back(x * 30.0 + (y % 2) * 15.0, y * 26.0);
        bottom.values.push_back(float(x));
        top.values.push_back(float(y));
      }
    bottom.vmin = top.vmin = 0;
    bottom.vmax = 36;
    top.vmax = 24;
    bottom.opacity = 0.8f;
    top.opacity = 0.45f;
    top.colorMap = ColorMapId::Magma;
    auto render = [&](const char* painting, double zoom) {
      qputenv("STAMP_SPOT_SPLAT", painting);
      guitest::ViewUnderTest shown;
      SlideView& view = *shown.view;
      view.setSpots(centres, 26.0);
      shown.layers->addLayer(bottom);
      shown.layers->addLayer(top);
      view.setSelection({3, 40, 41, 300});
      [&] { QVERIFY(shown.show({640, 480})); }();
      view.centreOn({520, 300});
      view.setZoom(zoom);
      view.renderNow();
      QImage image = view.grabFramebuffer();
      qunsetenv("STAMP_SPOT_SPLAT");
      [&] { QCOMPARE(view.spots().lastPainted(), painting[0] == '1'); }();
      return image;
    };
    for (double zoom : {0.75, 0.14}) {  // 10 px discs with outlines; 1.8 px discs
      const QImage gl = render("0", zoom), painted = render("1", zoom);
      if (QTest::currentTestFailed()) return;
      QCOMPARE(gl.size(), painted.size());
      int far = 0, worst = 0, spotPixels = 0;
      for (int y = 0; y < gl.height(); ++y)
        for (int x = 0; x < gl.width(); ++x) {
          const QColor a = gl.pixelColor(x, y);
          const int d = guitest::channelDifference(a, painted.pixelColor(x, y));
          worst = std::max(worst, d);
          far += d > 8;
          spotPixels += a != QColor(37, 38, 40);
        }
      qInfo("zoom %.2f: %d spot pixels, %d differ by more than 8, largest difference %d", zoom,
            spotPixels, far, worst);
      QVERIFY(spotPixels > 5000);
      QVERIFY2(far <= std::max(4, spotPixels / 2000), qPrintable(QString::number(far)));
    }
  }

  // Over a slide, painted spots are composed over the cached slide image on the CPU: the frame
  // must be what GL's discs blended over the slide give, after pans and a recolour too.
  void paintedSpotsOverTheSlideMatchTheGlDiscs() {
    STAMP_QREQUIRE_DATA(path, QStringLiteral("slides/CMU-1-Small-Region.svs"));
    const app::LoadOutcome out = app::loadSlide(path);
    QVERIFY2(out.loaded, qPrintable(out.error));
    std::vector<QPointF> centres;
    Layer layer;
    layer.name = "gradient";
    for (int y = 0; y < 40; ++y)
      for (int x = 0; x < 30; ++x) {
        centres.emplace_back(200 + x * 60.0, 200 + y * 60.0);
        layer.values.push_back(float(x + y));
      }
    layer.vmin = 0;
    layer.vmax = 70;
    layer.opacity = 0.6f;
    auto render = [&](const char* painting, bool* composed) {
      qputenv("STAMP_SPOT_SPLAT", painting);
      guitest::ViewUnderTest shown;
      SlideView& view = *shown.view;
      view.setImage(out.loaded->image, 1.0, out.loaded->umPerFramePx, out.loaded->objectivePower);
      view.setSpots(centres, 40.0);
      shown.layers->addLayer(layer);
      view.setSelection({3, 77});
      [&] { QVERIFY(shown.show({640, 480})); }();
      view.setZoom(0.4);
      view.centreOn({1100, 1400});
      [&] { QVERIFY(guitest::waitForTiles(view)); }();
      // A pan (the slide image shifts), a recolour (it stays), a pan and a frame that changes
      // nothing: each composes the spots over the slide image of its own frame.
      view.panBy({13, -9});
      view.renderNow();
      shown.layers->setColorMap(0, ColorMapId::Magma);
      view.renderNow();
      view.panBy({-7, 21});
      view.renderNow();
      view.update();
      view.renderNow();
      *composed = view.spots().lastPainted() && view.lastFramePath() == FrameCache::Path::Reused;
      QImage image = view.grabFramebuffer();
      qunsetenv("STAMP_SPOT_SPLAT");
      return image;
    };
    bool glComposed = true, paintComposed = false;
    const QImage gl = render("0", &glComposed), painted = render("1", &paintComposed);
    if (QTest::currentTestFailed()) return;
    QVERIFY(!glComposed && paintComposed);
    QCOMPARE(gl.size(), painted.size());
    int far = 0;
    for (int y = 0; y < gl.height(); ++y)
      for (int x = 0; x < gl.width(); ++x)
        far += guitest::channelDifference(gl.pixelColor(x, y), painted.pixelColor(x, y)) > 8;
    qInfo("%d of %lld pixels differ by more than 8", far, qint64(gl.width()) * gl.height());
    QVERIFY2(far <= gl.width() * gl.height() / 5000, qPrintable(QString::number(far)));
  }

  // Painted spots are shifted on a pan by whole pixels and only the uncovered strips painted:
  // the frame must equal a fresh paint of the same view (a wrong strip or shift shows at once).
  void paintedSpotsPanLikeAFreshPaint() {
    std::vector<QPointF> centres;
    Layer layer;
    layer.name = "gradient";
    for (int y = 0; y < 60; ++y)
      for (int x = 0; x < 80; ++x) {
        centres.emplace_back(x * 20.0 + (y % 2) * 10.0, y * 17.0);
        layer.values.push_back(float((x * 7 + y * 3) % 50));
      }
    layer.vmin = 0;
    layer.vmax = 50;
    layer.opacity = 0.8f;
    qputenv("STAMP_SPOT_SPLAT", "1");
    auto show = [&](guitest::ViewUnderTest& shown) {
      shown.view->setSpots(centres, 16.0);
      shown.layers->addLayer(layer);
      shown.view->setSelection({5, 500, 1234});
      return shown.show({640, 480});
    };
    guitest::ViewUnderTest shownView, shownFresh;
    SlideView &view = *shownView.view, &fresh = *shownFresh.view;
    QVERIFY(show(shownView));
    view.centreOn({800, 500});
    view.setZoom(0.6);
    view.renderNow();
    for (const QPointF d : {QPointF(23, -7), QPointF(-40, 31), QPointF(0, 12), QPointF(9, 0)}) {
      view.panBy(d);
      view.renderNow();
    }
    const QImage panned = view.grabFramebuffer();
    QVERIFY(show(shownFresh));
    fresh.setZoom(view.transform().zoom);  // zooms about a point: centre afterwards
    fresh.centreOn(view.transform().centre);
    fresh.renderNow();
    const QImage expected = fresh.grabFramebuffer();
    qunsetenv("STAMP_SPOT_SPLAT");
    QVERIFY(view.spots().lastPainted() && fresh.spots().lastPainted());
    QCOMPARE(panned.size(), expected.size());
    const int worst = guitest::largestDifference(panned, expected);
    QVERIFY2(worst <= 2, qPrintable(QStringLiteral("largest channel difference %1").arg(worst)));
  }

  // Painted spots keep their colours on the CPU only; when the view goes back to GL's points
  // (zoomed in: large discs), a recolour made while they were painted must reach the GL.
  void recolouredWhilePaintedThenDrawnAsPoints() {
    std::vector<QPointF> centres;
    Layer layer;
    layer.name = "gradient";
    for (int y = 0; y < 140; ++y)
      for (int x = 0; x < 160; ++x) {  // 22,400 spots: painted on software GL when all in view
        centres.emplace_back(x * 10.0, y * 10.0);
        layer.values.push_back(float(x + y));
      }
    layer.vmin = 0;
    layer.vmax = 300;
    auto show = [&](guitest::ViewUnderTest& shown, ColorMapId map) {
      shown.view->setSpots(centres, 8.0);
      layer.colorMap = map;
      shown.layers->addLayer(layer);
      return shown.show({640, 480});
    };
    qunsetenv("STAMP_SPOT_SPLAT");  // the view decides
    guitest::ViewUnderTest shownView, shownFresh;
    SlideView &view = *shownView.view, &fresh = *shownFresh.view;
    QVERIFY(show(shownView, ColorMapId::Viridis));
    view.setZoom(10);  // 40 px discs: GL points, which get the colours
    view.centreOn({800, 700});
    view.renderNow();
    QVERIFY(!view.spots().lastPainted());
    view.setZoom(0.3);  // everything in view, 1.5 px discs
    view.centreOn({800, 700});
    view.renderNow();
    if (!view.spots().lastPainted())
      QSKIP("this GL is not a software rasteriser: spots are always GL points here");
    shownView.layers->setColorMap(0, ColorMapId::Magma);
    view.renderNow();
    QVERIFY(view.spots().lastPainted());
    view.setZoom(10);
    view.centreOn({800, 700});
    view.renderNow();
    QVERIFY(!view.spots().lastPainted());
    const QImage recoloured = view.grabFramebuffer();
    QVERIFY(show(shownFresh, ColorMapId::Magma));
    fresh.setZoom(10);
    fresh.centreOn({800, 700});
    fresh.renderNow();
    const QImage expected = fresh.grabFramebuffer();
    QCOMPARE(recoloured.size(), expected.size());
    const int worst = guitest::largestDifference(recoloured, expected);
    QVERIFY2(worst <= 2, qPrintable(QStringLiteral("largest channel difference %1").arg(worst)));
  }
};

int main(int argc, char** argv) { return stamp::guitest::runViewTest<FrameReuseTest>(argc, argv); }
#include "test_gui_frame_reuse.moc"
