// Widget logic without a GL context: colour maps, scale bar, layers built from a sample, the
// layer model and spot picking.
#include <QSignalSpy>
#include <QTest>
#include <cmath>

#include "gui_test_support.h"
#include "widgets/colormap.h"
#include "widgets/layer_model.h"
#include "widgets/scale_bar.h"
#include "widgets/spot_layers.h"
#include "widgets/spot_overlay.h"
#include "widgets/spot_splat.h"

using namespace stamp::widgets;
using stamp::core::st::ObsColumn;
using stamp::core::st::SpatialSample;

namespace {

// 3 spots x 3 genes: spot0 = {A:1, C:3}, spot1 = {B:10}, spot2 = {} (empty).
SpatialSample tinySample() {
  SpatialSample s;
  for (int i = 0; i < 3; ++i) {
    stamp::core::st::Spot spot;
    spot.barcode = "BC" + std::to_string(i);
    spot.x = 100.0 * i;
    spot.y = 50.0;
    s.spots.push_back(spot);
  }
  s.genes = {{"ENSG1", "GeneA"}, {"ENSG2", "GeneB"}, {"ENSG3", "GeneC"}};
  s.counts.rows = 3;
  s.counts.cols = 3;
  s.counts.indptr = {0, 2, 3, 3};
  s.counts.indices = {0, 2, 1};
  s.counts.data = {1.f, 3.f, 10.f};
  ObsColumn cat;
  cat.kind = ObsColumn::Kind::Categorical;
  cat.categories = {"tumour", "stroma"};
  cat.codes = {0, 1, -1};
  s.obs["compartment"] = cat;
  ObsColumn bad = cat;
  bad.codes = {0};  // wrong length: must not become a layer
  s.obs["broken"] = bad;
  return s;
}

}  // namespace

class GuiLogicTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void colorMapsHitTheirEndpoints() {
    QCOMPARE(mapContinuous(ColorMapId::Viridis, 0.0), (Rgba8{68, 1, 84, 255}));
    QCOMPARE(mapContinuous(ColorMapId::Viridis, 1.0), (Rgba8{253, 231, 37, 255}));
    QCOMPARE(mapContinuous(ColorMapId::Magma, -3.0), (Rgba8{0, 0, 4, 255}));  // clamped
    QCOMPARE(mapContinuous(ColorMapId::RdBu, 0.5), (Rgba8{247, 247, 247, 255}));
    QCOMPARE(mapContinuous(ColorMapId::Viridis, std::nan("")), kMissingColor);
    QCOMPARE(mapValue(ColorMapId::Viridis, 5, 0, 10), mapContinuous(ColorMapId::Viridis, 0.5));
    QCOMPARE(categoricalColor(3), categoricalColor(23));
    QVERIFY(!(categoricalColor(0) == categoricalColor(1)));
    QCOMPARE(categoricalColor(-1), kMissingColor);
  }

  void scaleBarPicksNiceLengths() {
    const ScaleBar a = chooseScaleBar(0.5, 160);  // 80 µm fit: 50 µm
    QCOMPARE(a.lengthUm, 50.0);
    QCOMPARE(a.lengthPx, 100.0);
    QCOMPARE(QString::fromStdString(a.label), QStringLiteral("50 µm"));
    const ScaleBar b = chooseScaleBar(8.0, 160);  // 1280 µm fit: 1 mm
    QCOMPARE(QString::fromStdString(b.label), QStringLiteral("1 mm"));
    QCOMPARE(b.lengthPx * 8.0, b.lengthUm);
    const ScaleBar c = chooseScaleBar(15.0, 160);  // 2400 µm fit: 2 mm
    QCOMPARE(c.lengthUm, 2000.0);
    QCOMPARE(chooseScaleBar(0.0).lengthPx, 0.0);
    QCOMPARE(chooseScaleBar(std::nan("")).lengthPx, 0.0);
    for (double um = 0.013; um < 500; um *= 1.37) {
      const ScaleBar s = chooseScaleBar(um, 160);
      QVERIFY(s.lengthPx <= 160.0 + 1e-9 && s.lengthPx > 160.0 / 2.5 - 1e-9);
      const double mant = s.lengthUm / std::pow(10.0, std::floor(std::log10(s.lengthUm) + 1e-9));
      QVERIFY2(std::abs(mant - 1) < 1e-6 || std::abs(mant - 2) < 1e-6 || std::abs(mant - 5) < 1e-6,
               qPrintable(QString::number(s.lengthUm)));
    }
  }

  void magnificationFromObjectiveOrPixelSize() {
    QCOMPARE(*magnification(20.0, 0.5, 1.0), 10.0);
    QCOMPARE(*magnification(std::nullopt, 1.0, 0.25), 40.0);
    QVERIFY(!magnification(std::nullopt, 1.0, std::nullopt));
  }

  void geneLayersNormalise() {
    const SpatialSample s = tinySample();
    const SpotTables t = SpotTables::build(s);
    QCOMPARE(t.totals, (std::vector<float>{4.f, 10.f, 0.f}));
    const Layer raw = geneLayer(s, t, 2, ExpressionScale::Raw);
    QCOMPARE(raw.values, (std::vector<float>{3.f, 0.f, 0.f}));
    const Layer cp = geneLayer(s, t, 2, ExpressionScale::Cp10k);
    QCOMPARE(cp.values[0], 7500.f);
    const Layer lg = geneLayer(s, t, 2, ExpressionScale::Log1p);
    QVERIFY(std::abs(lg.values[0] - std::log1p(7500.f)) < 1e-4f);
    QCOMPARE(lg.values[2], 0.f);  // an empty spot is 0, not NaN
    QCOMPARE(*findGene(s, "genec"), 2);
    QCOMPARE(*findGene(s, "ENSG2"), 1);
    QVERIFY(!findGene(s, "nope"));
    const auto top = topGenes(s, 0, 5);
    QCOMPARE(int(top.size()), 2);
    QCOMPARE(top[0].first, 2);
    QCOMPARE(top[1].first, 0);
    QVERIFY(topGenes(s, 7, 5).empty());  // out of range: no crash, nothing
  }

  void obsColumnsBecomeLayersOnlyWhenWellFormed() {
    const SpatialSample s = tinySample();
    const auto names = layerableObsColumns(s);
    QCOMPARE(names, (std::vector<std::string>{"compartment"}));
    const auto layer = obsLayer(s, "compartment");
    QVERIFY(layer);
    QCOMPARE(layer->kind, Layer::Kind::Categorical);
    QCOMPARE(QString::fromStdString(layer->valueText(1)), QStringLiteral("stroma"));
    QCOMPARE(QString::fromStdString(layer->valueText(2)), QStringLiteral("NA"));
    QCOMPARE(layer->colorOf(2), kMissingColor);
    QVERIFY(!obsLayer(s, "broken"));
    QVERIFY(!obsLayer(s, "absent"));
  }

  void autoLimitsIgnoreNaN() {
    Layer l;
    l.values = {std::nanf(""), 2.f, 4.f, std::nanf("")};
    l.autoLimits(false);
    QCOMPARE(l.vmin, 2.0);
    QCOMPARE(l.vmax, 4.0);
    QCOMPARE(l.colorOf(0), kMissingColor);
    l.values = {1.f, 1.f};  // constant: still a non-empty range
    l.autoLimits();
    QVERIFY(l.vmax > l.vmin);
  }

  void layerModelOrdersAndVersions() {
    LayerModel m;
    QSignalSpy appearance(&m, &LayerModel::appearanceChanged);
    Layer a;
    a.name = "a";
    a.values = {1};
    Layer b = a;
    b.name = "b";
    m.addLayer(a);
    const auto idB = m.addLayer(b);
    QCOMPARE(m.count(), 2);
    QCOMPARE(QString::fromStdString(m.layer(0).name), QStringLiteral("b"));  // newest on top
    QCOMPARE(m.currentRow(), 0);
    const auto v = m.colorVersion(0);
    m.setLimits(0, -1, 1);
    QVERIFY(m.colorVersion(0) > v);
    m.moveLayer(0, +1);
    QCOMPARE(m.rowOfId(idB), 1);
    QCOMPARE(m.currentRow(), 1);  // the current layer moves with its row
    m.setVisible(0, false);
    QCOMPARE(m.topVisibleRow(), 1);
    m.addLayer(b);  // same name: replaced, not duplicated
    QCOMPARE(m.count(), 2);
    QVERIFY(appearance.count() >= 4);
    m.removeLayer(0);
    QCOMPARE(m.count(), 1);
    m.moveLayer(0, -1);  // out of range: ignored
    QCOMPARE(m.count(), 1);
  }

  void spotPickingAndLasso() {
    SpotOverlay o;
    std::vector<QPointF> c;
    for (int y = 0; y < 100; ++y)
      for (int x = 0; x < 100; ++x) c.emplace_back(x * 10.0, y * 10.0);
    o.setSpots(c, 8.0);
    QCOMPARE(o.spotAt(QPointF(503, 201)), 20 * 100 + 50);
    QCOMPARE(o.spotAt(QPointF(505, 205)), -1);  // between discs
    const QPolygonF square({QPointF(15, 15), QPointF(45, 15), QPointF(45, 35), QPointF(15, 35)});
    const auto inside = o.spotsInPolygon(square);
    QCOMPARE(int(inside.size()), 3 * 2);  // x in {20,30,40}, y in {20,30}
    QCOMPARE(inside.front(), 2 * 100 + 2);
    o.setSelection({5, 5, 3, -2, 100000});
    QCOMPARE(o.selection(), (std::vector<int>{3, 5}));
    QVERIFY(o.isSelected(5) && !o.isSelected(4));
  }

  // Painted spots composed over the slide image on the CPU (SIMD and scalar tail): each pixel
  // is s + u * (1 - s.a) of its own alpha, with the slide's rows read bottom-up, and opaque.
  void paintedSpotsComposeOverTheSlide() {
    const int w = 37, h = 23;  // a width that leaves a scalar tail after groups of four
    SplatImage painted;
    painted.reset(w, h);
    std::vector<float> xy;
    std::vector<std::uint8_t> rgba, selected;
    for (int i = 0; i < 12; ++i) {
      xy.insert(xy.end(), {float(3 + i * 3), float(4 + (i * 7) % 16)});
      rgba.insert(rgba.end(), {std::uint8_t(20 * i), std::uint8_t(250 - 15 * i),
                               std::uint8_t(90 + 5 * i), std::uint8_t(i % 3 ? 255 : 110)});
      selected.push_back(i == 4);
    }
    SplatLayer layer{xy.data(), rgba.data(), selected.data(), 12, 4.5f, 0.8f, true};
    painted.composite(layer, painted.all(), 2);
    std::vector<std::uint8_t> under(std::size_t(w) * h * 4), out;
    for (std::size_t i = 0; i < under.size(); ++i) under[i] = i % 4 == 3 ? 255 : std::uint8_t(i * 37 % 251);
    painted.composeOver(under.data(), out, 2);
    QCOMPARE(out.size(), under.size());
    int translucent = 0;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const std::uint8_t* s = painted.at(x, y);
        const std::uint8_t* u = &under[(std::size_t(h - 1 - y) * w + x) * 4];
        const std::uint8_t* o = &out[(std::size_t(y) * w + x) * 4];
        translucent += s[3] > 0 && s[3] < 255;
        QCOMPARE(int(o[3]), 255);
        for (int c = 0; c < 3; ++c) {
          const double expect = s[c] + u[c] * (255.0 - s[3]) / 255.0;
          QVERIFY2(std::abs(o[c] - expect) <= 0.5 + 1e-9,
                   qPrintable(QStringLiteral("(%1,%2) channel %3: %4, expected %5")
                                  .arg(x).arg(y).arg(c).arg(o[c]).arg(expect)));
        }
      }
    QVERIFY(translucent > 50);  // the discs' fill (0.8 opacity) and rims blend with the slide
  }
};

QTEST_MAIN(GuiLogicTest)
#include "test_gui_logic.moc"
