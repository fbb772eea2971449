#pragma once
/// ViewTransform: maps the view's frame coordinates (full-resolution slide pixels) to widget
/// pixels and back. A value type: the view owns one, tests and overlays copy it.
#include <QMatrix4x4>
#include <QPointF>
#include <QRectF>
#include <QSize>
#include <algorithm>
#include <cmath>
#include <optional>

namespace stamp::widgets {

struct ViewTransform {
  QPointF centre;     // frame point at the middle of the widget
  double zoom = 1.0;  // widget pixels per frame pixel
  QSize viewport;     // widget size in (logical) pixels

  QPointF toWidget(const QPointF& frame) const {
    return (frame - centre) * zoom + QPointF(viewport.width() / 2.0, viewport.height() / 2.0);
  }
  QPointF toFrame(const QPointF& widget) const {
    return (widget - QPointF(viewport.width() / 2.0, viewport.height() / 2.0)) / zoom + centre;
  }
  QRectF visibleFrameRect() const {
    return QRectF(toFrame(QPointF(0, 0)), toFrame(QPointF(viewport.width(), viewport.height())));
  }
  /// Frame coordinates to OpenGL clip space (y down on screen).
  QMatrix4x4 projection() const {
    const QRectF r = visibleFrameRect();
    QMatrix4x4 m;
    m.ortho(float(r.left()), float(r.right()), float(r.bottom()), float(r.top()), -1.f, 1.f);
    return m;
  }
  /// The zoom that shows all of `frame` with a small margin.
  static double fitZoom(const QSizeF& frame, const QSize& viewport, double margin = 0.96) {
    if (frame.isEmpty() || viewport.isEmpty()) return 1.0;
    return margin * std::min(viewport.width() / frame.width(), viewport.height() / frame.height());
  }
};

/// A shift in device pixels rounded to whole pixels, when it is that within `tolerance` (a
/// cached image can then be moved instead of drawn again); nullopt otherwise.
inline std::optional<QPoint> wholePixels(const QPointF& shift, double tolerance) {
  const QPoint whole(int(std::lround(shift.x())), int(std::lround(shift.y())));
  if (std::abs(shift.x() - whole.x()) < tolerance && std::abs(shift.y() - whole.y()) < tolerance)
    return whole;
  return std::nullopt;
}

}  // namespace stamp::widgets
