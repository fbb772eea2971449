#pragma once
/// SlideSurface: the native OpenGL window SlideView draws into, embedded through
/// QWidget::createWindowContainer. A QOpenGLWidget renders into an FBO that Qt then composes
/// with the whole window's raster content on every frame; on a software rasteriser that
/// composition alone costs ~20 ms at 1920x1080 (bench_render), over a 60 Hz frame. A native
/// window is drawn and swapped directly. Input reaching this window is handed to the view, so
/// SlideView keeps the ordinary QWidget event handlers (and tests can send it events).
#include <QOpenGLWindow>
#include <QPointer>

namespace stamp::widgets {

class SlideView;

class SlideSurface : public QOpenGLWindow {
 public:
  explicit SlideSurface(SlideView* view);
  /// After this the window forwards nothing (the view is being destroyed).
  void detach() { view_ = nullptr; }

 protected:
  void initializeGL() override;
  void paintGL() override;
  bool event(QEvent* e) override;

 private:
  SlideView* view_;
};

}  // namespace stamp::widgets
