#include "widgets/slide_surface.h"

#include <QCoreApplication>

#include "widgets/slide_view.h"

namespace stamp::widgets {

SlideSurface::SlideSurface(SlideView* view)
    : QOpenGLWindow(QOpenGLWindow::NoPartialUpdate), view_(view) {}

void SlideSurface::initializeGL() {
  if (view_) view_->initializeGl();
}

void SlideSurface::paintGL() {
  if (view_) view_->paintFrame(*this);
}

namespace {

bool isInput(QEvent::Type t) {
  switch (t) {
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonRelease:
    case QEvent::MouseButtonDblClick:
    case QEvent::MouseMove:
    case QEvent::Wheel:
    case QEvent::KeyPress:
    case QEvent::KeyRelease:
    case QEvent::Enter:
    case QEvent::Leave:
    case QEvent::NativeGesture:
    case QEvent::TouchBegin:
    case QEvent::TouchUpdate:
    case QEvent::TouchEnd:
    case QEvent::TouchCancel:
      return true;
    default:
      return false;
  }
}

}  // namespace

// The window covers the view exactly (same origin and size), so event positions need no
// mapping; sending through the application keeps event filters and key propagation to the
// view's parents (unhandled keys reach the main window as they would from any widget).
bool SlideSurface::event(QEvent* e) {
  if (view_ && isInput(e->type())) {
    QCoreApplication::sendEvent(view_, e);
    return true;
  }
  return QOpenGLWindow::event(e);
}

}  // namespace stamp::widgets
