#pragma once
/// Helpers for the Qt Test GUI tests: real data location, screenshots, waiting for the view.
#include <QApplication>
#include <QImage>
#include <QString>
#include <QTemporaryDir>
#include <QtTest>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "engine/model_handle.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

namespace stamp::app {
class MainWindow;
}

namespace stamp::guitest {

/// ../shared/data beside the project (or $STAMP_TEST_DATA); nullopt when absent.
std::optional<QString> sharedDataDir();
/// The file `relpath` under the shared data folder, or an empty string when it is missing.
QString dataFile(const QString& relpath);
/// Saves `image` as <screenshots>/<name>.png ($STAMP_GUI_SCREENSHOTS or a temp folder).
QString saveScreenshot(const QImage& image, const QString& name);
/// Processes events until `done()` or `timeoutMs` passes; returns done().
bool waitUntil(const std::function<bool()>& done, int timeoutMs = 20000);
/// Waits until the view has drawn every visible tile (and a frame after that).
bool waitForTiles(widgets::SlideView& view, int timeoutMs = 30000);
/// The demo sample the window tests open: 2,400 x 2,000 px drawn with `seed`, written to
/// `<dir>/demo`. Empty paths and `error` set when it could not be written.
struct DemoFiles {
  QString h5ad, slide, error;
};
DemoFiles writeDemo(const QTemporaryDir& dir, std::uint64_t seed);
/// A main window of `size`, shown and exposed (null when it never was).
std::unique_ptr<app::MainWindow> showMainWindow(QSize size);
/// Opens `h5ad` with `slide` in `window`; true once the sample is shown (60 s at most).
bool openSample(app::MainWindow& window, const QString& h5ad, const QString& slide);

/// The largest difference of any colour channel between two colours, and at any pixel of two
/// images of one size (frames that must look alike).
int channelDifference(const QColor& a, const QColor& b);
int largestDifference(const QImage& a, const QImage& b);

/// Makes layer 0 opaque and the outlines off, then reads the frame's pixel at each of
/// `centres` (frame coordinates; row i of the layer) that lies in the view: `matching` counts
/// those showing layer 0's colour of their row within 8 levels a channel.
struct SpotColourCheck {
  int checked = 0, matching = 0;
};
SpotColourCheck checkSpotCentreColours(widgets::SlideView& view, widgets::LayerModel& layers,
                                       const std::vector<QPointF>& centres);

/// The QSurfaceFormat every GL test uses (3.2 core), set before QApplication exists.
void setGlFormat();

/// A slide view with its own layer model, for the view tests.
struct ViewUnderTest {
  std::unique_ptr<widgets::LayerModel> layers = std::make_unique<widgets::LayerModel>();
  std::unique_ptr<widgets::SlideView> view = std::make_unique<widgets::SlideView>();
  ViewUnderTest() { view->setLayerModel(layers.get()); }
  /// Resizes the view to `size`, shows it and waits for it; false when it was never exposed
  /// or its GL failed (said in the test log).
  bool show(QSize size);
};

/// The fixture of the slide-view tests: a fresh 900 x 700 view with its own layer model for
/// every test function.
class SlideViewTestBase : public QObject {
  Q_OBJECT
 protected Q_SLOTS:
  void init();
  void cleanup();

 protected:
  /// Shows the shared test slide (CMU-1-Small-Region.svs) in view_. False when the test was
  /// skipped (no shared data) or failed (the slide did not open): the caller returns.
  bool showTestSlide();
  std::unique_ptr<ViewUnderTest> shown_;
  widgets::SlideView* view_ = nullptr;
  widgets::LayerModel* layers_ = nullptr;
};

/// The fixture of the whole-window tests: a demo sample (and a model) made once per test file,
/// and a main window that each test function opens and cleanup() closes.
class DemoWindowTestBase : public QObject {
  Q_OBJECT
 public:
  // Out of line: MainWindow is incomplete here (Qt's meta-type makes both).
  DemoWindowTestBase();
  ~DemoWindowTestBase() override;

 protected Q_SLOTS:
  void cleanup();

 protected:
  /// Writes the demo sample drawn with `seed` into dir_ and sets h5ad_ / slide_; false (said
  /// in the log) when it could not be written.
  bool writeDemoFiles(std::uint64_t seed);
  /// An untrained model of `config` (weights drawn with `seed`) into model_; false (said in
  /// the log) when it could not be built.
  bool makeUntrainedModel(const core::model::StampConfig& config, std::uint64_t seed = 0);
  /// A main window of `size` in window_, showing the demo sample; false when it never showed.
  bool showDemoWindow(QSize size);
  QTemporaryDir dir_;
  QString h5ad_, slide_;
  std::shared_ptr<core::engine::ModelHandle> model_;
  std::unique_ptr<app::MainWindow> window_;
};

/// The main() of a test of the view alone: the GL format, then `Test`.
template <class Test>
int runViewTest(int argc, char** argv) {
  setGlFormat();
  QApplication app(argc, argv);
  Test test;
  return QTest::qExec(&test, argc, argv);
}
/// Sets up the application the way stamp-studio runs (GL format, organisation, style) and
/// points settings and caches at `sandbox` so a test never reads or writes the user's.
void prepareAppEnvironment(const QTemporaryDir& sandbox, bool sandboxCache, bool sandboxHome);
void styleApplication(QApplication& app);

/// The main() of a test of the whole application: a throw-away settings folder (and cache /
/// home folders when asked), no modal dialogs, the app's GL format and style, then `Test`.
template <class Test>
int runAppTest(int argc, char** argv, bool sandboxCache = true, bool sandboxHome = false) {
  QTemporaryDir sandbox;
  prepareAppEnvironment(sandbox, sandboxCache, sandboxHome);
  QApplication app(argc, argv);
  styleApplication(app);
  Test test;
  return QTest::qExec(&test, argc, argv);
}

}  // namespace stamp::guitest

/// Skips the current Qt test clearly when a shared data file is absent.
#define STAMP_QREQUIRE_DATA(var, relpath)                                                 \
  const QString var = ::stamp::guitest::dataFile(relpath);                               \
  if (var.isEmpty())                                                                      \
    QSKIP(qPrintable(QStringLiteral("real test data not found: ../shared/data/%1 (set "   \
                                    "STAMP_TEST_DATA to the folder)").arg(relpath)))
