#include "gui_test_support.h"

#include "style.h"

#include <algorithm>
#include <cstdlib>

#include <QColor>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QSurfaceFormat>
#include <QTest>

#include "demo/demo.h"
#include "main_window.h"
#include "sample_controller.h"
#include "widgets/slide_view.h"

namespace stamp::guitest {

DemoFiles writeDemo(const QTemporaryDir& dir, std::uint64_t seed) {
  core::demo::DemoOptions options;
  options.seed = seed;
  options.width = 2400;
  options.height = 2000;
  auto paths = core::demo::writeDemoSample(QDir(dir.path()).filePath("demo").toStdString(), options);
  if (!paths.ok()) return {{}, {}, QString::fromStdString(paths.error().describe())};
  return {QString::fromStdString(paths->h5ad), QString::fromStdString(paths->slide), {}};
}

DemoWindowTestBase::DemoWindowTestBase() = default;
DemoWindowTestBase::~DemoWindowTestBase() = default;

void DemoWindowTestBase::cleanup() { window_.reset(); }

bool DemoWindowTestBase::writeDemoFiles(std::uint64_t seed) {
  const DemoFiles demo = writeDemo(dir_, seed);
  if (!demo.error.isEmpty()) qWarning("the demo sample was not written: %s", qPrintable(demo.error));
  h5ad_ = demo.h5ad;
  slide_ = demo.slide;
  return demo.error.isEmpty();
}

bool DemoWindowTestBase::makeUntrainedModel(const core::model::StampConfig& config, std::uint64_t seed) {
  auto model = core::engine::ModelHandle::fromConfig(config, seed);
  if (!model) {
    qWarning("no model: %s", model.error().describe().c_str());
    return false;
  }
  model_ = std::move(model).value();
  return true;
}

bool DemoWindowTestBase::showDemoWindow(QSize size) {
  window_ = showMainWindow(size);
  return window_ && openSample(*window_, h5ad_, slide_);
}

std::unique_ptr<app::MainWindow> showMainWindow(QSize size) {
  auto window = std::make_unique<app::MainWindow>();
  window->resize(size);
  window->show();
  if (!QTest::qWaitForWindowExposed(window.get())) return nullptr;
  return window;
}

bool openSample(app::MainWindow& window, const QString& h5ad, const QString& slide) {
  QSignalSpy shown(&window, &app::MainWindow::sampleShown);
  window.openSpatialPath(h5ad, slide);
  return shown.wait(60000);
}

std::optional<QString> sharedDataDir() {
  const QString env = qEnvironmentVariable("STAMP_TEST_DATA");
  if (!env.isEmpty() && QFileInfo(env).isDir()) return env;
  const QString beside = QDir(QStringLiteral(STAMP_SOURCE_DIR "/../shared/data")).absolutePath();
  if (QFileInfo(beside).isDir()) return beside;
  return std::nullopt;
}

QString dataFile(const QString& relpath) {
  auto dir = sharedDataDir();
  if (!dir) return {};
  const QString path = QDir(*dir).filePath(relpath);
  return QFileInfo::exists(path) ? path : QString();
}

QString saveScreenshot(const QImage& image, const QString& name) {
  QString dir = qEnvironmentVariable("STAMP_GUI_SCREENSHOTS");
  if (dir.isEmpty()) dir = QDir::temp().filePath(QStringLiteral("stamp-gui-screenshots"));
  QDir().mkpath(dir);
  const QString path = QDir(dir).filePath(name + QStringLiteral(".png"));
  image.save(path);
  return path;
}

bool waitUntil(const std::function<bool()>& done, int timeoutMs) {
  QDeadlineTimer deadline(timeoutMs);
  while (!done() && !deadline.hasExpired()) QTest::qWait(20);
  return done();
}

bool waitForTiles(widgets::SlideView& view, int timeoutMs) {
  view.update();
  const bool ok = waitUntil([&] { return view.tilesComplete() && view.pendingTiles() == 0; },
                            timeoutMs);
  QTest::qWait(50);  // let the frame that shows the last tiles reach the screen
  return ok;
}

SpotColourCheck checkSpotCentreColours(widgets::SlideView& view, widgets::LayerModel& layers,
                                       const std::vector<QPointF>& centres) {
  layers.setOpacity(0, 1.f);
  view.setOutlines(false);
  waitForTiles(view);
  QTest::qWait(100);
  const QImage frame = view.grabFramebuffer();
  SpotColourCheck result;
  for (std::size_t i = 0; i < centres.size(); ++i) {
    const QPoint p = view.transform().toWidget(centres[i]).toPoint();
    if (!frame.rect().adjusted(0, 0, -1, -1).contains(p)) continue;
    const widgets::Rgba8 want = layers.layer(0).colorOf(i);
    ++result.checked;
    result.matching += channelDifference(frame.pixelColor(p), QColor(want.r, want.g, want.b)) <= 8;
  }
  return result;
}

void setGlFormat() {
  QSurfaceFormat format;
  format.setVersion(3, 2);
  format.setProfile(QSurfaceFormat::CoreProfile);
  QSurfaceFormat::setDefaultFormat(format);
}

bool ViewUnderTest::show(QSize size) {
  view->resize(size);
  view->show();
  if (!QTest::qWaitForWindowExposed(view.get())) {
    qWarning("the slide view was never exposed");
    return false;
  }
  if (!view->glError().isEmpty()) qWarning("GL: %s", qPrintable(view->glError()));
  return view->glError().isEmpty();
}

void SlideViewTestBase::init() {
  shown_ = std::make_unique<ViewUnderTest>();
  view_ = shown_->view.get();
  layers_ = shown_->layers.get();
  QVERIFY(shown_->show({900, 700}));
}

void SlideViewTestBase::cleanup() { shown_.reset(); }

bool SlideViewTestBase::showTestSlide() {
  const QString relpath = QStringLiteral("slides/CMU-1-Small-Region.svs");
  const QString path = dataFile(relpath);
  if (path.isEmpty()) {
    QTest::qSkip(qPrintable(QStringLiteral("real test data not found: ../shared/data/%1 (set "
                                           "STAMP_TEST_DATA to the folder)").arg(relpath)),
                 __FILE__, __LINE__);
    return false;
  }
  const app::LoadOutcome out = app::loadSlide(path);
  if (!out.loaded) {
    QTest::qFail(qPrintable(QStringLiteral("%1: %2").arg(path, out.error)), __FILE__, __LINE__);
    return false;
  }
  view_->setImage(out.loaded->image, 1.0, out.loaded->umPerFramePx, out.loaded->objectivePower);
  return true;
}

void prepareAppEnvironment(const QTemporaryDir& sandbox, bool sandboxCache, bool sandboxHome) {
  qputenv("XDG_CONFIG_HOME", sandbox.path().toUtf8());
  if (sandboxCache) qputenv("XDG_CACHE_HOME", sandbox.path().toUtf8());
  if (sandboxHome) qputenv("HOME", sandbox.path().toUtf8());
  qputenv("STAMP_NO_DIALOGS", "1");  // a modal message box would block the test
  setGlFormat();
}

void styleApplication(QApplication& app) {
  QApplication::setOrganizationName(QStringLiteral("stamp-studio-tests"));
  app::applyStyle(app);  // screenshots show what users see
}

int channelDifference(const QColor& a, const QColor& b) {
  return std::max({std::abs(a.red() - b.red()), std::abs(a.green() - b.green()),
                   std::abs(a.blue() - b.blue())});
}

int largestDifference(const QImage& a, const QImage& b) {
  int worst = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x)
      worst = std::max(worst, channelDifference(a.pixelColor(x, y), b.pixelColor(x, y)));
  return worst;
}

}  // namespace stamp::guitest
