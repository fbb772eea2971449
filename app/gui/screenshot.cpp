#include "screenshot.h"

#include <QApplication>
#include <QScreen>
#include <QTimer>
#include <QWindow>
#include <cstdio>

#include "main_window.h"
#include "widgets/slide_view.h"

namespace stamp::app {

void screenshotWhenReady(MainWindow& window, const QString& path) {
  auto* poll = new QTimer(&window);
  poll->setInterval(200);
  QObject::connect(poll, &QTimer::timeout, &window, [&window, poll, path] {
    const widgets::SlideView* view = window.view();
    if (!view->tilesComplete() || view->pendingTiles() > 0) return;
    poll->stop();
    // Grab what the window system shows: the composited window, overlays included.
    const QImage image = window.screen()->grabWindow(window.winId()).toImage();
    const bool ok = !image.isNull() && image.save(path, "PNG");
    if (!ok) std::fprintf(stderr, "stamp-studio: could not save the screenshot to %s\n", qPrintable(path));
    QApplication::exit(ok ? 0 : 1);
  });
  QObject::connect(&window, &MainWindow::sampleShown, poll, [poll] {
    QTimer::singleShot(300, poll, [poll] { poll->start(); });  // let the first frame land
  });
  QObject::connect(&window, &MainWindow::loadFailed, &window, [](const QString& message) {
    std::fprintf(stderr, "stamp-studio: %s\n", qPrintable(message));
    QApplication::exit(1);
  });
}

}  // namespace stamp::app
