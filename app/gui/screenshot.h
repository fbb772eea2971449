#pragma once
/// `stamp-studio --screenshot FILE`: saves the window once the sample and its visible tiles are
/// on screen, then quits (exit 1 when loading fails).
class QString;

namespace stamp::app {
class MainWindow;
void screenshotWhenReady(MainWindow& window, const QString& path);
}  // namespace stamp::app
