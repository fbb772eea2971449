// stamp-studio [SLIDE] [--st SPATIAL]: opens the given slide and/or spatial sample, or the
// built-in demo sample when started without arguments.
#include <QApplication>
#include <QCommandLineParser>
#include <QSurfaceFormat>
#include <QTimer>

#include "main_window.h"
#include "screenshot.h"
#include "style.h"

int main(int argc, char** argv) {
  // The view's shaders are GLSL 1.50: ask for a 3.2 core context before any widget exists.
  QSurfaceFormat format;
  format.setVersion(3, 2);
  format.setProfile(QSurfaceFormat::CoreProfile);
  format.setSamples(0);
  QSurfaceFormat::setDefaultFormat(format);

  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("STAMP Studio"));
  QApplication::setApplicationName(QStringLiteral("stamp-studio"));
  QApplication::setApplicationVersion(QStringLiteral("0.1.0"));
  stamp::app::applyStyle(app);

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral(
      "STAMP Studio: whole-slide images with their spatial transcriptomics."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("slide"), QStringLiteral("A slide or image to open."),
                               QStringLiteral("[SLIDE]"));
  QCommandLineOption st(QStringList{QStringLiteral("st")},
                        QStringLiteral("Spatial data: Space Ranger outs/, HEST sample or .h5ad."),
                        QStringLiteral("SPATIAL"));
  parser.addOption(st);
  QCommandLineOption shot(QStringList{QStringLiteral("screenshot")},
                          QStringLiteral("Once the sample is on screen, save the window as a PNG "
                                         "and quit (for documentation and checks)."),
                          QStringLiteral("FILE"));
  parser.addOption(shot);
  parser.process(app);

  stamp::app::MainWindow window;
  window.show();
  if (parser.isSet(shot)) stamp::app::screenshotWhenReady(window, parser.value(shot));
  const QStringList positional = parser.positionalArguments();
  const QString slide = positional.value(0);
  const QString spatial = parser.value(st);
  // Opened after the event loop starts so that the window paints first.
  QTimer::singleShot(0, &window, [&] {
    if (!spatial.isEmpty()) window.openSpatialPath(spatial, slide);
    else if (!slide.isEmpty()) window.openSlidePath(slide);
    else window.openDemo();
  });
  return app.exec();
}
