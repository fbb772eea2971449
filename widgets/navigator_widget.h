#pragma once
/// NavigatorWidget: an overview thumbnail of the slide with the view's rectangle on it; click or
/// drag to move the view there. The thumbnail is read from the coarsest level on a worker.
#include <QFutureWatcher>
#include <QImage>
#include <QWidget>
#include <memory>

#include "slide/slide_reader.h"

namespace stamp::widgets {

class NavigatorWidget : public QWidget {
  Q_OBJECT
 public:
  explicit NavigatorWidget(QWidget* parent = nullptr);

  /// Reads a thumbnail of `reader` on a worker; `frameSize` is the image's extent in frame px.
  void loadThumbnail(std::shared_ptr<const core::slide::SlideReader> reader, QSizeF frameSize);
  /// Shows no image, only `frameSize` as an outline (spots without an image).
  void setEmpty(QSizeF frameSize);
  /// The visible part of the frame (the view's rectangle).
  void setViewRect(const QRectF& frameRect);

  /// Where the frame and the view rectangle land in this widget (tests check these).
  QRectF frameRectInWidget() const;
  QRectF viewRectInWidget() const;
  bool hasThumbnail() const { return !thumbnail_.isNull(); }

  /// The coarsest level (at most `maxSide` px per side) as an image; callable on any thread.
  static QImage buildThumbnail(const core::slide::SlideReader& reader, int maxSide = 320);

  QSize sizeHint() const override { return {260, 200}; }

 Q_SIGNALS:
  void centreRequested(QPointF frame);
  void thumbnailReady();

 protected:
  void paintEvent(QPaintEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;

 private:
  QPointF toFrame(const QPointF& widgetPos) const;
  QImage thumbnail_;
  QSizeF frameSize_;
  QRectF viewRect_;
  QFutureWatcher<QImage> watcher_;
  int generation_ = 0;
};

}  // namespace stamp::widgets
