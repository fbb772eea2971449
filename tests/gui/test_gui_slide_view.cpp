// The GL slide view on real data (an Aperio slide, Visium subsets): tiles appear, spots are
// drawn where they are in the colours of their layer, the scale bar follows the zoom, the lasso
// selects what it encloses, and stale tile requests are dropped. Frames that are reused or
// painted another way are checked against the plain drawing in test_gui_frame_reuse.cpp.
#include <QSignalSpy>
#include <QWheelEvent>
#include <QWindow>
#include <QTest>
#include <cmath>

#include "gui_test_support.h"
#include "sample_controller.h"
#include "slide/tile_cache.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"
#include "widgets/spot_layers.h"
#include "widgets/tile_loader.h"

using namespace stamp;
using namespace stamp::widgets;

namespace {

struct Stats {
  double mean = 0, stddev = 0, notBackground = 0;
};

// Luminance statistics of `image` inside `r` (widget pixels), and the share of pixels that are
// not the view's dark surround.
Stats statsIn(const QImage& image, QRect r) {
  r &= image.rect();
  double sum = 0, sum2 = 0, fg = 0, n = 0;
  for (int y = r.top(); y <= r.bottom(); y += 2)
    for (int x = r.left(); x <= r.right(); x += 2) {
      const QColor c = image.pixelColor(x, y);
      const double l = 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue();
      sum += l;
      sum2 += l * l;
      fg += (std::abs(c.red() - 37) + std::abs(c.green() - 38) + std::abs(c.blue() - 40)) > 12;
      ++n;
    }
  Stats s;
  s.mean = sum / n;
  s.stddev = std::sqrt(std::max(0.0, sum2 / n - s.mean * s.mean));
  s.notBackground = fg / n;
  return s;
}

// The longest horizontal run of near-white pixels that starts near the left edge and is
// bounded by the scale bar's dark box on both sides (slide background is white too).
int drawnScaleBarLength(const QImage& image) {
  auto lum = [&](int x, int y) {
    const QColor c = image.pixelColor(x, y);
    return 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue();
  };
  int best = 0;
  for (int y = image.height() - 90; y < image.height(); ++y) {
    for (int start = 1; start < 40; ++start) {
      if (lum(start, y) < 232 || lum(start - 1, y) > 120) continue;
      int end = start;
      while (end < image.width() && lum(end, y) >= 232) ++end;
      if (end < image.width() && lum(end, y) < 120) best = std::max(best, end - start);
    }
  }
  return best;
}

double labelMicrometres(const std::string& label) {
  const double v = std::stod(label);
  return label.find("mm") != std::string::npos ? v * 1000 : v;
}

bool colorClose(const QColor& a, const Rgba8& b, int tol = 8) {
  return std::abs(a.red() - b.r) <= tol && std::abs(a.green() - b.g) <= tol &&
         std::abs(a.blue() - b.b) <= tol;
}

}  // namespace

class SlideViewTest : public guitest::SlideViewTestBase {
  Q_OBJECT
 private Q_SLOTS:

  void svsTilesShowTissue() {
    if (!showTestSlide()) return;
    QVERIFY(guitest::waitForTiles(*view_));
    const QImage frame = view_->grabFramebuffer();
    guitest::saveScreenshot(frame, QStringLiteral("svs_fit"));
    const ViewTransform& t = view_->transform();
    const QRectF slide(t.toWidget({0, 0}), t.toWidget({2220, 2967}));
    const Stats inside = statsIn(frame, slide.toRect().adjusted(4, 4, -4, -4));
    QVERIFY2(inside.mean > 120, qPrintable(QString::number(inside.mean)));  // H&E, not black
    QVERIFY2(inside.stddev > 8, qPrintable(QString::number(inside.stddev)));  // not blank
    QVERIFY(inside.notBackground > 0.95);
    const Stats outside = statsIn(frame, QRect(0, 0, int(slide.left()) - 4, 700));
    QVERIFY(outside.notBackground < 0.05);  // the dark surround around the slide
    // 20x objective at fit zoom: magnification = 20 x zoom.
    QVERIFY(std::abs(*view_->magnification() - 20.0 * t.zoom) < 1e-9);
  }

  void scaleBarFollowsZoom() {
    if (!showTestSlide()) return;
    QVERIFY(guitest::waitForTiles(*view_));
    for (int step = 0; step < 4; ++step) {
      const ScaleBar bar = view_->scaleBar();
      const double um = *view_->umPerScreenPx();
      QVERIFY(bar.lengthPx > 0);
      QVERIFY(std::abs(bar.lengthPx * um - bar.lengthUm) < 1e-9 * bar.lengthUm);
      QCOMPARE(labelMicrometres(bar.label), bar.lengthUm);
      const QImage frame = view_->grabFramebuffer();
      guitest::saveScreenshot(frame, QStringLiteral("scalebar_%1").arg(step));
      QVERIFY2(std::abs(drawnScaleBarLength(frame) - bar.lengthPx) <= 2.5,
               qPrintable(QStringLiteral("drawn %1 px, expected %2 px")
                              .arg(drawnScaleBarLength(frame)).arg(bar.lengthPx)));
      view_->zoomBy(2.0, view_->rect().center());
      QVERIFY(std::abs(*view_->umPerScreenPx() - um / 2) < 1e-12);
      const ScaleBar next = view_->scaleBar();
      QVERIFY(next.lengthUm != bar.lengthUm || std::abs(next.lengthPx - 2 * bar.lengthPx) < 1e-9);
      QVERIFY(guitest::waitForTiles(*view_));
    }
  }

  void visiumSpotsTakeTheirLayerColours() {
    STAMP_QREQUIRE_DATA(path, QStringLiteral("visium/human-heart-v1-subset"));
    const app::LoadOutcome out = app::loadSpatial(path, {});
    QVERIFY2(out.loaded, qPrintable(out.error));
    const app::LoadedSample& s = *out.loaded;
    QVERIFY(s.image);  // the black hires PNG is skipped for the real lowres one
    QVERIFY(std::abs(s.imageToFrame - 1 / s.sample->scale.lowresScalef) < 1e-9);
    showSample(s);
    Layer total = totalCountsLayer(*s.tables);
    total.opacity = 1;
    layers_->addLayer(total);
    view_->setOutlines(false);
    QVERIFY(guitest::waitForTiles(*view_));
    QImage frame = view_->grabFramebuffer();
    guitest::saveScreenshot(frame, QStringLiteral("heart_total_counts"));
    QCOMPARE(checkSpotColours(frame, layers_->layer(0), s), int(s.sample->spotCount()));
    // Switching to a gene layer recolours the same pixels.
    const int gene = pickVariableGene(s);
    Layer expr = geneLayer(*s.sample, *s.tables, gene, ExpressionScale::Log1p);
    expr.opacity = 1;
    expr.colorMap = ColorMapId::Magma;
    layers_->addLayer(expr);
    view_->update();
    QVERIFY(guitest::waitUntil([&] { return view_->grabFramebuffer() != frame; }, 5000));
    const QImage after = view_->grabFramebuffer();
    guitest::saveScreenshot(after, QStringLiteral("heart_gene"));
    QCOMPARE(checkSpotColours(after, layers_->layer(0), s), int(s.sample->spotCount()));
    int changed = 0;
    for (std::size_t i = 0; i < s.sample->spotCount(); ++i) {
      const QPoint p = view_->transform().toWidget({s.sample->spots[i].x, s.sample->spots[i].y}).toPoint();
      changed += frame.pixelColor(p) != after.pixelColor(p);
    }
    QVERIFY(changed > int(s.sample->spotCount()) / 2);
  }

  void lassoSelectsTheEnclosedSpots() {
    STAMP_QREQUIRE_DATA(path, QStringLiteral("visium/mouse-brain-mtx-subset"));
    const app::LoadOutcome out = app::loadSpatial(path, {});
    QVERIFY2(out.loaded, qPrintable(out.error));
    const app::LoadedSample& s = *out.loaded;
    showSample(s);
    layers_->addLayer(totalCountsLayer(*s.tables));
    QVERIFY(guitest::waitForTiles(*view_));
    // A rectangle around the middle third of the spots' extent, drawn with Shift+drag.
    QRectF box;
    for (const auto& spot : s.sample->spots) box |= QRectF(spot.x, spot.y, 1, 1);
    const QRectF frameRect(box.left() + box.width() / 4, box.top() + box.height() / 4,
                           box.width() / 2, box.height() / 2);
    const ViewTransform& t = view_->transform();
    const QPointF a = t.toWidget(frameRect.topLeft()), b = t.toWidget(frameRect.bottomRight());
    QSignalSpy spy(view_, &SlideView::selectionChanged);
    sendMouse(QEvent::MouseButtonPress, a, Qt::LeftButton);
    for (QPointF p : {QPointF(b.x(), a.y()), b, QPointF(a.x(), b.y()), a})
      sendMouse(QEvent::MouseMove, p, Qt::LeftButton);
    sendMouse(QEvent::MouseButtonRelease, a, Qt::NoButton);
    std::vector<int> expected;
    for (std::size_t i = 0; i < s.sample->spotCount(); ++i) {
      const QPointF c(s.sample->spots[i].x, s.sample->spots[i].y);
      const QPointF w = t.toWidget(c);
      if (w.x() > a.x() + 0.5 && w.x() < b.x() - 0.5 && w.y() > a.y() + 0.5 && w.y() < b.y() - 0.5)
        expected.push_back(int(i));
    }
    QVERIFY(!expected.empty());
    QVERIFY(expected.size() < s.sample->spotCount());
    QCOMPARE(view_->spots().selection(), expected);
    QCOMPARE(spy.last().at(0).toInt(), int(expected.size()));
    guitest::saveScreenshot(view_->grabFramebuffer(), QStringLiteral("brain_lasso"));
    // A click on one spot selects just it; hovering reports it.
    const QPointF spot0 = t.toWidget({s.sample->spots[expected[0]].x, s.sample->spots[expected[0]].y});
    sendMouse(QEvent::MouseMove, spot0, Qt::NoButton, Qt::NoModifier);
    QCOMPARE(view_->hoveredSpot(), expected[0]);
    sendMouse(QEvent::MouseButtonPress, spot0, Qt::LeftButton, Qt::NoModifier);
    sendMouse(QEvent::MouseButtonRelease, spot0, Qt::NoButton, Qt::NoModifier);
    QCOMPARE(view_->spots().selection(), std::vector<int>{expected[0]});
  }

  // The frame is drawn in a native child window: what the window system delivers there (mouse,
  // keys, wheel) must reach the view's handlers, and the view's cursor must show there.
  void inputOnTheNativeSurfaceReachesTheView() {
    std::vector<QPointF> centres;
    for (int i = 0; i < 25; ++i) centres.emplace_back((i % 5) * 100.0, (i / 5) * 100.0);
    view_->setSpots(centres, 60.0);
    Layer grid;
    grid.name = "index";
    for (int i = 0; i < 25; ++i) grid.values.push_back(float(i));
    grid.vmax = 24;
    grid.opacity = 1;
    layers_->addLayer(grid);
    QWindow* surface = view_->surfaceWindow();
    QVERIFY(surface && surface->isExposed());
    QCOMPARE(surface->size(), view_->size());
    const QPoint spot7 = view_->transform().toWidget(centres[7]).toPoint();
    QTest::mouseMove(surface, spot7);
    QVERIFY(guitest::waitUntil([&] { return view_->hoveredSpot() == 7; }, 2000));
    QSignalSpy clicked(view_, &SlideView::spotClicked);
    QTest::mouseClick(surface, Qt::LeftButton, {}, spot7);
    QVERIFY(guitest::waitUntil([&] { return !clicked.isEmpty(); }, 2000));
    QCOMPARE(clicked.first().at(0).toInt(), 7);
    QCOMPARE(view_->spots().selection(), std::vector<int>{7});
    // Keys pan (arrow) and clear the selection (Escape).
    const QPointF centre = view_->transform().centre;
    QTest::keyClick(surface, Qt::Key_Left);
    QVERIFY(guitest::waitUntil([&] { return view_->transform().centre.x() < centre.x(); }, 2000));
    QTest::keyClick(surface, Qt::Key_Escape);
    QVERIFY(guitest::waitUntil([&] { return view_->spots().selection().empty(); }, 2000));
    // One wheel notch zooms in by 1.2 about the cursor.
    const double zoom = view_->transform().zoom;
    QWheelEvent wheel(QPointF(spot7), surface->mapToGlobal(QPointF(spot7)), {}, {0, 120},
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(surface, &wheel);
    QVERIFY(std::abs(view_->transform().zoom / zoom - 1.2) < 1e-6);
    view_->setTool(SlideView::Tool::Region);
    QCOMPARE(surface->cursor().shape(), Qt::CrossCursor);
    view_->setTool(SlideView::Tool::Pan);
    QCOMPARE(surface->cursor().shape(), Qt::ArrowCursor);
    // The grabbed frame shows spot 7 in its layer colour at its centre.
    const QPoint now = view_->transform().toWidget(centres[7]).toPoint();
    QVERIFY(colorClose(view_->grabFramebuffer().pixelColor(now), grid.colorOf(7)));
  }

  // Small spots are drawn as GL points, which GL drops whole when their centre leaves the
  // viewport: a spot half across the window edge must still show its visible half.
  void spotsAcrossTheWindowEdgeStayDrawn() {
    const std::vector<QPointF> centres{{0, 0}, {1000, 0}, {0, 1000}, {1000, 1000}};
    view_->setSpots(centres, 100.0);
    Layer one;
    one.name = "one";
    one.values = {1, 1, 1, 1};
    one.colorMap = ColorMapId::Viridis;
    one.opacity = 1;
    layers_->addLayer(one);
    view_->setOutlines(false);
    view_->setZoom(0.3);  // 30 px discs: the point path
    // Spot 0's centre 4 px left of the window, at mid height.
    const double zoom = view_->transform().zoom;
    view_->centreOn(QPointF(4 / zoom + view_->width() / 2.0 / zoom, 0));
    const QImage frame = view_->grabFramebuffer();
    const int y = int(std::lround(view_->transform().toWidget({0, 0}).y()));
    QVERIFY(view_->transform().toWidget({0, 0}).x() < 0);
    QVERIFY2(colorClose(frame.pixelColor(3, y), one.colorOf(0)),
             qPrintable(frame.pixelColor(3, y).name()));
  }

  void staleTileRequestsAreDropped() {
    STAMP_QREQUIRE_DATA(path, QStringLiteral("slides/CMU-1-Small-Region.svs"));
    auto reader = core::slide::openSlide(path.toStdString());
    QVERIFY(reader.ok());
    auto cache = std::make_shared<core::slide::TileCache>();
    auto slide = std::make_shared<const core::slide::TiledSlide>(
        std::shared_ptr<core::slide::SlideReader>(std::move(reader).value()), cache, 128);
    TileLoader loader(nullptr, 2);
    loader.setSlide(slide);
    std::vector<core::slide::TileKey> all;
    for (std::int64_t ty = 0; ty < slide->tilesY(0); ++ty)
      for (std::int64_t tx = 0; tx < slide->tilesX(0); ++tx) all.push_back({slide->id(), 0, tx, ty});
    QSignalSpy ready(&loader, &TileLoader::tileReady);
    QSignalSpy idle(&loader, &TileLoader::idle);
    loader.request(all);
    loader.request({all.back()});  // the view moved: only the last tile is still wanted
    QVERIFY(guitest::waitUntil([&] { return loader.pending() == 0 && idle.count() > 0; }));
    QTest::qWait(50);
    QVERIFY2(ready.count() < int(all.size()) / 2,
             qPrintable(QStringLiteral("%1 of %2 decoded").arg(ready.count()).arg(all.size())));
    bool gotLast = false;
    for (const auto& args : ready)
      gotLast |= args.at(0).value<core::slide::TileKey>() == all.back();
    QVERIFY(gotLast);
  }

  void hundredThousandSpotsRecolour() {
    // A 400 x 250 grid of spots (no image): values rise along x, so each column has one colour.
    std::vector<QPointF> centres;
    Layer layer;
    layer.name = "gradient";
    for (int y = 0; y < 250; ++y)
      for (int x = 0; x < 400; ++x) {
        centres.emplace_back(x * 100.0, y * 100.0);
        layer.values.push_back(float(x));
      }
    layer.vmin = 0;
    layer.vmax = 399;
    layer.opacity = 1;
    view_->setSpots(centres, 80.0);
    view_->setOutlines(false);
    layers_->addLayer(layer);
    view_->centreOn({20000, 12500});
    view_->setZoom(0.25);  // 25 px per spot pitch, 20 px discs
    QTest::qWait(100);
    const QImage before = view_->grabFramebuffer();
    QCOMPARE(checkGrid(before, layers_->layer(0), 400), 0);
    // Recolour: new limits and map; only the colour buffer changes.
    layers_->setLimits(0, 150, 250);
    layers_->setColorMap(0, ColorMapId::RdBu);
    QTest::qWait(100);
    const QImage after = view_->grabFramebuffer();
    guitest::saveScreenshot(after, QStringLiteral("grid_100k_recoloured"));
    QCOMPARE(checkGrid(after, layers_->layer(0), 400), 0);
    QVERIFY(before != after);
    // Panning keeps every disc on its centre.
    view_->panBy(QPointF(-37, 12));
    QTest::qWait(100);
    QCOMPARE(checkGrid(view_->grabFramebuffer(), layers_->layer(0), 400), 0);
  }

 private:
  // Checks every on-screen spot centre of the grid; returns the number of mismatches.
  int checkGrid(const QImage& frame, const Layer& layer, int columns) {
    int bad = 0, seen = 0;
    for (int i = 0; i < int(layer.values.size()); ++i) {
      const QPointF c((i % columns) * 100.0, (i / columns) * 100.0);
      const QPoint p = view_->transform().toWidget(c).toPoint();
      if (!frame.rect().adjusted(2, 2, -2, -2).contains(p)) continue;
      ++seen;
      bad += !colorClose(frame.pixelColor(p), layer.colorOf(std::size_t(i)));
    }
    return seen > 100 ? bad : -1;
  }

  void showSample(const app::LoadedSample& s) {
    view_->setImage(s.image, s.imageToFrame, s.umPerFramePx, s.objectivePower);
    std::vector<QPointF> centres;
    for (const auto& spot : s.sample->spots) centres.emplace_back(spot.x, spot.y);
    view_->setSpots(centres, s.sample->spotDiameterPx());
    // Zoom onto the spots so that each covers many pixels.
    QRectF box;
    for (const auto& c : centres) box |= QRectF(c, QSizeF(1, 1));
    view_->centreOn(box.center());
    view_->setZoom(ViewTransform::fitZoom(box.size() + QSizeF(200, 200), view_->size()));
  }

  // Counts the spots whose centre pixel has the layer's colour for that spot.
  int checkSpotColours(const QImage& frame, const Layer& layer, const app::LoadedSample& s) {
    int ok = 0;
    for (std::size_t i = 0; i < s.sample->spotCount(); ++i) {
      const QPoint p = view_->transform().toWidget({s.sample->spots[i].x, s.sample->spots[i].y}).toPoint();
      if (!frame.rect().contains(p)) continue;
      if (colorClose(frame.pixelColor(p), layer.colorOf(i))) ++ok;
      else qWarning("spot %zu at (%d,%d): got %s", i, p.x(), p.y(), qPrintable(frame.pixelColor(p).name()));
    }
    return ok;
  }

  int pickVariableGene(const app::LoadedSample& s) {
    int best = 0;
    std::int64_t bestNnz = -1;
    for (std::size_t g = 0; g + 1 < s.tables->colPtr.size(); ++g) {
      const std::int64_t nnz = s.tables->colPtr[g + 1] - s.tables->colPtr[g];
      if (nnz > bestNnz && nnz < std::int64_t(s.sample->spotCount())) {
        best = int(g);
        bestNnz = nnz;
      }
    }
    return best;
  }

  void sendMouse(QEvent::Type type, QPointF pos, Qt::MouseButtons buttons,
                 Qt::KeyboardModifiers mods = Qt::ShiftModifier) {
    const Qt::MouseButton button = type == QEvent::MouseMove ? Qt::NoButton : Qt::LeftButton;
    QMouseEvent e(type, pos, view_->mapToGlobal(pos), button, buttons, mods);
    QCoreApplication::sendEvent(view_, &e);
  }

};

int main(int argc, char** argv) { return stamp::guitest::runViewTest<SlideViewTest>(argc, argv); }
#include "test_gui_slide_view.moc"
