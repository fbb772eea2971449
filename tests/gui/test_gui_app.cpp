// The main window end to end: opening Visium data and a generated demo sample through the
// controller (off the GUI thread), gene search, navigator, hover info, legend, export, errors.
#include <QDir>
#include <QLineEdit>
#include <QScreen>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "demo/demo.h"
#include "gui_test_support.h"
#include "main_window.h"
#include "style.h"
#include "widgets/colorbar_widget.h"
#include "widgets/layer_model.h"
#include "widgets/layers_panel.h"
#include "widgets/navigator_widget.h"
#include "widgets/slide_view.h"
#include "widgets/spot_info_panel.h"

using namespace stamp;
using namespace stamp::widgets;

class AppTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void init() {
    window_ = guitest::showMainWindow({1400, 900});
    QVERIFY(window_);
  }
  void cleanup() { window_.reset(); }

  void visiumSampleInTheWindow() {
    STAMP_QREQUIRE_DATA(path, QStringLiteral("visium/mouse-brain-mtx-subset"));
    QVERIFY(open(path));
    const auto* s = window_->current();
    QVERIFY(s && s->sample);
    QCOMPARE(QString::fromStdString(window_->layers()->layer(0).name), QStringLiteral("total counts"));
    // Gene search: type a symbol and press Enter.
    const QString gene = QString::fromStdString(s->sample->genes[3].symbol);
    QLineEdit* search = window_->layersPanel()->geneSearch();
    search->setText(gene);
    QTest::keyClick(search, Qt::Key_Return);
    QCOMPARE(QString::fromStdString(window_->layers()->layer(0).name),
             gene + QStringLiteral(" (log1p CP10k)"));
    QCOMPARE(window_->layers()->currentRow(), 0);
    search->setText(QStringLiteral("NoSuchGene"));
    QTest::keyClick(search, Qt::Key_Return);
    QCOMPARE(window_->layers()->count(), 2);  // nothing added for an unknown gene
    checkNavigatorTracksView();
    checkHoverInfo();
    QTemporaryDir dir;
    const QString png = QDir(dir.path()).filePath(QStringLiteral("view.png"));
    QVERIFY(window_->exportView(png));
    QCOMPARE(QImage(png).size(), window_->view()->grabFramebuffer().size());
    saveWindow(QStringLiteral("app_mouse_brain"));
  }

  void demoSampleWithCompartments() {
    QTemporaryDir dir;
    core::demo::DemoOptions options;
    options.seed = 7;
    options.width = 3072;
    options.height = 2304;
    auto paths = core::demo::writeDemoSample(QDir(dir.path()).filePath("demo").toStdString(), options);
    QVERIFY2(paths.ok(), paths.ok() ? "" : paths.error().describe().c_str());
    QVERIFY(open(QString::fromStdString(paths->h5ad), QString::fromStdString(paths->slide)));
    LayerModel* layers = window_->layers();
    QCOMPARE(QString::fromStdString(layers->layer(0).name), QStringLiteral("compartment"));
    QCOMPARE(layers->layer(0).kind, Layer::Kind::Categorical);
    QVERIFY(window_->colorBar()->legendEntries().size() >= 2);
    QVERIFY(guitest::waitForTiles(*window_->view()));
    saveWindow(QStringLiteral("app_demo"));
    // Opaque, no outlines: every on-screen spot centre shows its category's colour.
    std::vector<QPointF> centres;
    for (const auto& s : window_->current()->sample->spots) centres.emplace_back(s.x, s.y);
    const auto colours = guitest::checkSpotCentreColours(*window_->view(), *layers, centres);
    QVERIFY(colours.checked > 20);
    QCOMPARE(colours.matching, colours.checked);
  }

  void badInputIsReportedNotFatal() {
    qputenv("STAMP_NO_DIALOGS", "1");
    QSignalSpy failed(window_.get(), &app::MainWindow::loadFailed);
    window_->openSpatialPath(QStringLiteral("/nonexistent/sample.h5ad"));
    QVERIFY(failed.wait(20000));
    QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("/nonexistent/sample.h5ad")));
    window_->openSlidePath(QStringLiteral("/nonexistent/slide.svs"));
    QVERIFY(failed.wait(20000));
    QVERIFY(!window_->current());  // nothing half-loaded
  }

 private:
  // What the X server shows (the composited window): QWidget::grab() re-renders the GL view
  // without its QPainter overlay (scale bar), so it would not show what users see.
  void saveWindow(const QString& name) {
    QTest::qWait(200);
    guitest::saveScreenshot(window_->screen()->grabWindow(window_->winId()).toImage(), name);
  }

  bool open(const QString& path, const QString& image = {}) {
    return guitest::openSample(*window_, path, image);
  }

  void checkNavigatorTracksView() {
    SlideView* view = window_->view();
    NavigatorWidget* nav = window_->navigator();
    QVERIFY(guitest::waitUntil([&] { return nav->hasThumbnail(); }, 10000));
    view->fitToView();
    const QRectF before = nav->viewRectInWidget();
    view->zoomBy(2.0, view->rect().center());
    const QRectF after = nav->viewRectInWidget();
    QVERIFY(std::abs(after.width() - before.width() / 2) < 0.5);
    QVERIFY((after.center() - before.center()).manhattanLength() < 0.5);
    // A click on the navigator centres the view there.
    const QRectF f = nav->frameRectInWidget();
    const QPointF click = f.topLeft() + QPointF(f.width() * 0.3, f.height() * 0.6);
    QTest::mouseClick(nav, Qt::LeftButton, {}, click.toPoint());
    const QSizeF content = view->contentRect().size();
    const QPointF expected((click.toPoint().x() - f.left()) / f.width() * content.width(),
                           (click.toPoint().y() - f.top()) / f.height() * content.height());
    QVERIFY((view->transform().centre - expected).manhattanLength() < content.width() / 100);
    QVERIFY((nav->viewRectInWidget().center() - QPointF(click.toPoint())).manhattanLength() < 1.5);
  }

  void checkHoverInfo() {
    SlideView* view = window_->view();
    const auto& spot = window_->current()->sample->spots[0];
    view->centreOn({spot.x, spot.y});
    const QPoint p = view->transform().toWidget({spot.x, spot.y}).toPoint();
    QTest::mouseMove(view, p);
    QVERIFY(guitest::waitUntil([&] { return view->hoveredSpot() == 0; }, 3000));
    const QString info = window_->spotInfo()->text();
    QVERIFY2(info.contains(QString::fromStdString(spot.barcode)), qPrintable(info));
    QVERIFY(info.contains(QStringLiteral("Top genes")));
  }

  std::unique_ptr<app::MainWindow> window_;
};

// The demo sample is cached where users keep it (generating it takes a while).
int main(int argc, char** argv) { return stamp::guitest::runAppTest<AppTest>(argc, argv, false, false); }
#include "test_gui_app.moc"
