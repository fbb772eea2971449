#pragma once
/// The application's look: Fusion with a dark neutral palette, so that the slide stands out.
class QApplication;

namespace stamp::app {
void applyStyle(QApplication& app);
}  // namespace stamp::app
