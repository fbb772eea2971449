#include "widgets/navigator_widget.h"

#include <QMouseEvent>
#include <QPainter>
#include <QtConcurrent>

namespace stamp::widgets {

NavigatorWidget::NavigatorWidget(QWidget* parent) : QWidget(parent) {
  setMinimumSize(160, 120);
  setCursor(Qt::PointingHandCursor);
  connect(&watcher_, &QFutureWatcher<QImage>::finished, this, [this] {
    thumbnail_ = watcher_.result();
    update();
    Q_EMIT thumbnailReady();
  });
}

QImage NavigatorWidget::buildThumbnail(const core::slide::SlideReader& reader, int maxSide) {
  const int level = reader.levelCount() - 1;
  const auto info = reader.level(level);
  // A single-level giant would take seconds and gigabytes; such a slide gets no thumbnail.
  if (info.width <= 0 || info.height <= 0 || info.width * info.height > 64'000'000) return {};
  auto img = reader.readRegion(level, 0, 0, int(info.width), int(info.height));
  if (!img.ok()) return {};
  QImage full(img->rgba.data(), img->width, img->height, img->width * 4,
              QImage::Format_RGBA8888);
  return full.scaled(maxSide, maxSide, Qt::KeepAspectRatio, Qt::SmoothTransformation)
      .convertToFormat(QImage::Format_RGB32);  // scaled() copies: `img` may go away now
}

void NavigatorWidget::loadThumbnail(std::shared_ptr<const core::slide::SlideReader> reader,
                                    QSizeF frameSize) {
  frameSize_ = frameSize;
  thumbnail_ = QImage();
  update();
  if (!reader) return;
  watcher_.setFuture(QtConcurrent::run([reader] { return buildThumbnail(*reader); }));
}

void NavigatorWidget::setEmpty(QSizeF frameSize) {
  frameSize_ = frameSize;
  thumbnail_ = QImage();
  update();
}

void NavigatorWidget::setViewRect(const QRectF& frameRect) {
  viewRect_ = frameRect;
  update();
}

QRectF NavigatorWidget::frameRectInWidget() const {
  if (frameSize_.isEmpty()) return {};
  const QRectF area = QRectF(rect()).adjusted(6, 6, -6, -6);
  const double s = std::min(area.width() / frameSize_.width(), area.height() / frameSize_.height());
  const QSizeF sz = frameSize_ * s;
  return QRectF(area.center() - QPointF(sz.width() / 2, sz.height() / 2), sz);
}

QRectF NavigatorWidget::viewRectInWidget() const {
  const QRectF f = frameRectInWidget();
  if (f.isEmpty()) return {};
  const double s = f.width() / frameSize_.width();
  return QRectF(f.topLeft() + viewRect_.topLeft() * s, viewRect_.size() * s);
}

QPointF NavigatorWidget::toFrame(const QPointF& widgetPos) const {
  const QRectF f = frameRectInWidget();
  const double s = f.width() / frameSize_.width();
  return (widgetPos - f.topLeft()) / s;
}

void NavigatorWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(37, 38, 40));
  const QRectF f = frameRectInWidget();
  if (f.isEmpty()) return;
  if (!thumbnail_.isNull()) p.drawImage(f, thumbnail_);
  else p.fillRect(f, QColor(58, 59, 62));
  p.setRenderHint(QPainter::Antialiasing, true);
  const QRectF v = viewRectInWidget().intersected(f.adjusted(-1, -1, 1, 1));
  p.setPen(QPen(QColor(0, 0, 0, 140), 3));
  p.setBrush(Qt::NoBrush);
  p.drawRect(v);
  p.setPen(QPen(QColor(255, 70, 60), 1.5));
  p.setBrush(QColor(255, 70, 60, 30));
  p.drawRect(v);
}

void NavigatorWidget::mousePressEvent(QMouseEvent* e) {
  if (!frameSize_.isEmpty()) Q_EMIT centreRequested(toFrame(e->position()));
}

void NavigatorWidget::mouseMoveEvent(QMouseEvent* e) {
  if ((e->buttons() & Qt::LeftButton) && !frameSize_.isEmpty())
    Q_EMIT centreRequested(toFrame(e->position()));
}

}  // namespace stamp::widgets
