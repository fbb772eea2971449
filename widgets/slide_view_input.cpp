// SlideView's input: wheel/pinch/keys zoom, drag/arrows pan, click selects, Shift+drag or the
// lasso tool draws a selection polygon, the region tool places/drags the localization box,
// hover reports the spot and the cursor position.
#include <QGestureEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QNativeGestureEvent>
#include <QPinchGesture>
#include <QWheelEvent>
#include <cmath>

#include "widgets/slide_view.h"

namespace stamp::widgets {

bool SlideView::event(QEvent* e) {
  if (e->type() == QEvent::NativeGesture) {  // trackpad pinch (macOS, libinput on Wayland)
    auto* g = static_cast<QNativeGestureEvent*>(e);
    if (g->gestureType() == Qt::ZoomNativeGesture) {
      zoomBy(1.0 + g->value(), g->position());
      return true;
    }
  }
  if (e->type() == QEvent::Gesture) {  // touch-screen pinch
    auto* ge = static_cast<QGestureEvent*>(e);
    if (auto* pinch = static_cast<QPinchGesture*>(ge->gesture(Qt::PinchGesture))) {
      zoomBy(pinch->scaleFactor(), mapFromGlobal(pinch->centerPoint().toPoint()));
      ge->accept(pinch);
      return true;
    }
  }
  return QWidget::event(e);
}

void SlideView::wheelEvent(QWheelEvent* e) {
  // 120 units (one notch) = x1.2; high-resolution wheels and trackpads send smaller steps.
  const double steps = e->angleDelta().y() / 120.0;
  if (steps != 0) zoomBy(std::pow(1.2, steps), e->position());
  else if (!e->pixelDelta().isNull()) panBy(e->pixelDelta());
  e->accept();
}

void SlideView::mousePressEvent(QMouseEvent* e) {
  setFocus(Qt::MouseFocusReason);  // the native surface does not take focus on its own
  pressPos_ = lastPos_ = e->position();
  moved_ = false;
  if (e->button() == Qt::LeftButton && tool_ == Tool::Region &&
      !(e->modifiers() & Qt::ShiftModifier) && regionSide_ > 0) {
    // Grabbing the box keeps the grip; pressing elsewhere brings the box under the cursor.
    const QPointF f = view_.toFrame(e->position());
    regionGrab_ = overlay_.region && overlay_.region->contains(f) ? f - overlay_.region->center()
                                                                  : QPointF();
    regionDragging_ = true;
    moveRegionTo(f - regionGrab_);
  } else if (e->button() == Qt::LeftButton) {
    lassoing_ = tool_ == Tool::Lasso || (e->modifiers() & Qt::ShiftModifier);
    dragging_ = !lassoing_;
    lasso_.clear();
    if (lassoing_) lasso_ << e->position();
    if (dragging_) setViewCursor(Qt::ClosedHandCursor);
  } else if (e->button() == Qt::MiddleButton) {
    dragging_ = true;
  }
  e->accept();
}

void SlideView::mouseMoveEvent(QMouseEvent* e) {
  const QPointF pos = e->position();
  if ((pos - pressPos_).manhattanLength() > 4) moved_ = true;
  if (dragging_) panBy(pos - lastPos_);
  if (regionDragging_) moveRegionTo(view_.toFrame(pos) - regionGrab_);
  if (lassoing_) {
    lasso_ << pos;
    requestFrame();
  }
  lastPos_ = pos;
  updateHover(pos);
  const QPointF frame = view_.toFrame(pos);
  Q_EMIT cursorMoved(frame, contentRect().contains(frame));
}

void SlideView::mouseReleaseEvent(QMouseEvent* e) {
  if (regionDragging_) {
    regionDragging_ = false;
    if (overlay_.region) Q_EMIT regionChosen(*overlay_.region);
  } else if (lassoing_) {
    lassoing_ = false;
    QPolygonF framePoly;
    for (const QPointF& p : lasso_) framePoly << view_.toFrame(p);
    lasso_.clear();
    if (moved_) selectInPolygon(framePoly, e->modifiers() & Qt::ControlModifier);
    else clickAt(e->position(), e->modifiers() & Qt::ControlModifier);
  } else if (dragging_ && !moved_ && e->button() == Qt::LeftButton) {
    clickAt(e->position(), e->modifiers() & Qt::ControlModifier);
  }
  dragging_ = false;
  setViewCursor(tool_ == Tool::Region ? std::optional(Qt::CrossCursor) : std::nullopt);
  requestFrame();
}

void SlideView::clickAt(const QPointF& widgetPos, bool toggle) {
  const int spot = spots_.spotAt(view_.toFrame(widgetPos));
  std::vector<int> sel = toggle ? spots_.selection() : std::vector<int>{};
  if (spot >= 0) {
    auto it = std::find(sel.begin(), sel.end(), spot);
    if (it != sel.end()) sel.erase(it);
    else sel.push_back(spot);
  }
  setSelection(std::move(sel));
  Q_EMIT spotClicked(spot);
  Q_EMIT pointClicked(view_.toFrame(widgetPos));
}

void SlideView::moveRegionTo(const QPointF& c) {
  const double s = regionSide_;
  setRegion(QRectF(c.x() - s / 2, c.y() - s / 2, s, s));
}

void SlideView::updateHover(const QPointF& widgetPos) {
  const int spot = spots_.spotAt(view_.toFrame(widgetPos));
  if (spot == hovered_) return;
  hovered_ = spot;
  Q_EMIT spotHovered(spot);
  requestFrame();
}

void SlideView::leaveEvent(QEvent* e) {
  if (hovered_ != -1) {
    hovered_ = -1;
    Q_EMIT spotHovered(-1);
    requestFrame();
  }
  QWidget::leaveEvent(e);
}

void SlideView::keyPressEvent(QKeyEvent* e) {
  const double step = 0.1 * std::min(width(), height());
  switch (e->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomIn(); break;
    case Qt::Key_Minus: zoomOut(); break;
    case Qt::Key_Left: panBy(QPointF(step, 0)); break;
    case Qt::Key_Right: panBy(QPointF(-step, 0)); break;
    case Qt::Key_Up: panBy(QPointF(0, step)); break;
    case Qt::Key_Down: panBy(QPointF(0, -step)); break;
    case Qt::Key_Escape:
      lassoing_ = regionDragging_ = false;
      lasso_.clear();
      setSelection({});
      break;
    default: QWidget::keyPressEvent(e); return;
  }
  e->accept();
}

}  // namespace stamp::widgets
