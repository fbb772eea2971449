#include "widgets/slide_view.h"

#include <QCoreApplication>
#include <QOpenGLContext>
#include <QOpenGLFramebufferObject>
#include <QOpenGLPaintDevice>
#include <QPainter>
#include <QPainterPath>
#include <cmath>

#include "widgets/layer_model.h"
#include "widgets/slide_surface.h"

namespace stamp::widgets {

SlideView::SlideView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(200, 150);
  grabGesture(Qt::PinchGesture);
  surface_ = new SlideSurface(this);
  container_ = QWidget::createWindowContainer(surface_, this);
  container_->setMouseTracking(true);
  container_->setFocusPolicy(Qt::StrongFocus);
  setFocusProxy(container_);
  connect(&tiles_, &TileLayer::updateNeeded, this, &SlideView::requestFrame);
  connect(&tiles_, &TileLayer::loadError, this, &SlideView::loadError);
  // Key and button zooms glide over 160 ms about the anchor; the wheel zooms immediately.
  zoomAnim_.setDuration(160);
  zoomAnim_.setEasingCurve(QEasingCurve::OutCubic);
  connect(&zoomAnim_, &QVariantAnimation::valueChanged, this,
          [this](const QVariant& v) { setZoomAround(v.toDouble(), animAnchor_); });
  // Zoom frames come every few ms while a gesture lasts; 100 ms without one is a pause.
  settle_.setSingleShot(true);
  settle_.setInterval(100);
  connect(&settle_, &QTimer::timeout, this, &SlideView::requestFrame);
}

SlideView::~SlideView() {
  // The surface (and its context) must go while our GL objects' owners still exist, and its
  // context's aboutToBeDestroyed must not reach the lambda in initializeGl() afterwards.
  if (QOpenGLContext* ctx = surface_->context()) disconnect(ctx, nullptr, this, nullptr);
  if (surface_->isValid()) {
    surface_->makeCurrent();
    releaseGl();
    surface_->doneCurrent();
  }
  surface_->detach();
  delete container_;
}

void SlideView::releaseGl() {
  if (!gl_ || !gl_->ready()) return;
  tiles_.releaseGl(*gl_);
  frameCache_.release();
  spots_.releaseGl(*gl_);
  heatmap_.releaseGl(*QOpenGLContext::currentContext()->extraFunctions());
  gl_.reset();  // a recreated context gets a fresh renderer from initializeGl()
}

void SlideView::requestFrame() { surface_->update(); }

QWindow* SlideView::surfaceWindow() const { return surface_; }

void SlideView::setViewCursor(std::optional<Qt::CursorShape> shape) {
  // The native surface shows its own cursor, not this widget's.
  if (shape) setCursor(*shape), surface_->setCursor(*shape);
  else unsetCursor(), surface_->unsetCursor();
}

void SlideView::setImage(std::shared_ptr<core::slide::SlideReader> reader, double imageToFrame,
                         std::optional<double> umPerFramePx,
                         std::optional<double> objectivePower) {
  tiles_.setImage(std::move(reader), imageToFrame);
  // Overlays computed on the previous image mean nothing on this one.
  heatmap_.clear();
  overlay_ = RegionOverlay{};
  umPerFramePx_ = umPerFramePx;
  objectivePower_ = objectivePower;
  needsFit_ = true;
  fitToView();
}

void SlideView::setSpots(std::vector<QPointF> centres, double diameter) {
  spots_.setSpots(std::move(centres), diameter);
  hovered_ = -1;
  if (!tiles_.hasImage()) fitToView();
  Q_EMIT selectionChanged(0);
  requestFrame();
}

void SlideView::setLayerModel(LayerModel* model) {
  if (layers_) disconnect(layers_, nullptr, this, nullptr);
  layers_ = model;
  if (layers_)
    connect(layers_, &LayerModel::appearanceChanged, this, &SlideView::requestFrame);
  requestFrame();
}

void SlideView::clear() {
  tiles_.setImage(nullptr, 1.0);
  spots_.setSpots({}, 0);
  heatmap_.clear();
  overlay_ = RegionOverlay{};
  umPerFramePx_.reset();
  objectivePower_.reset();
  hovered_ = -1;
  requestFrame();
}

QRectF SlideView::contentRect() const {
  if (tiles_.hasImage()) return QRectF(QPointF(0, 0), tiles_.frameSize());
  QRectF box;
  for (int i = 0; i < spots_.count(); ++i) {
    const QPointF& c = spots_.centre(i);
    if (!std::isfinite(c.x()) || !std::isfinite(c.y())) continue;
    const double r = spots_.radius();
    box |= QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r);
  }
  return box;
}

void SlideView::fitToView() {
  view_.viewport = size();
  const QRectF content = contentRect();
  if (content.isEmpty() || size().isEmpty()) return;
  needsFit_ = false;
  view_.zoom = ViewTransform::fitZoom(content.size(), size());
  view_.centre = content.center();
  Q_EMIT viewChanged();
  requestFrame();
}

double SlideView::minZoom() const {
  const QRectF c = contentRect();
  return c.isEmpty() ? 1e-4 : ViewTransform::fitZoom(c.size(), size()) / 4;
}

// Up to 16 screen pixels per finest image pixel: enough to inspect a nucleus or a spot rim.
double SlideView::maxZoom() const { return 16.0 / std::max(tiles_.imageToFrame(), 1e-9) + 1e-9; }

void SlideView::setZoomAround(double zoom, QPointF anchor) {
  zoom = std::clamp(zoom, minZoom(), std::max(minZoom(), maxZoom()));
  const QPointF frameAtAnchor = view_.toFrame(anchor);
  view_.zoom = zoom;
  view_.centre += frameAtAnchor - view_.toFrame(anchor);
  Q_EMIT viewChanged();
  requestFrame();
}

void SlideView::zoomBy(double factor, QPointF anchor, bool animate) {
  if (!animate) {
    zoomAnim_.stop();
    setZoomAround(view_.zoom * factor, anchor);
    return;
  }
  // Chained key presses compound from where the running animation is heading.
  const double from = view_.zoom;
  const double base = zoomAnim_.state() == QAbstractAnimation::Running
                          ? zoomAnim_.endValue().toDouble()
                          : from;
  zoomAnim_.stop();
  animAnchor_ = anchor;
  zoomAnim_.setStartValue(from);
  zoomAnim_.setEndValue(std::clamp(base * factor, minZoom(), std::max(minZoom(), maxZoom())));
  zoomAnim_.start();
}

void SlideView::setZoom(double zoom) { setZoomAround(zoom, rect().center()); }

void SlideView::centreOn(const QPointF& frame) {
  view_.centre = frame;
  Q_EMIT viewChanged();
  requestFrame();
}

void SlideView::panBy(const QPointF& widgetDelta) {
  view_.centre -= widgetDelta / view_.zoom;
  Q_EMIT viewChanged();
  requestFrame();
}

std::optional<double> SlideView::umPerScreenPx() const {
  if (!umPerFramePx_ || !(*umPerFramePx_ > 0)) return std::nullopt;
  return *umPerFramePx_ / view_.zoom;
}

std::optional<double> SlideView::magnification() const {
  return widgets::magnification(objectivePower_, view_.zoom * tiles_.imageToFrame(),
                                umPerScreenPx());
}

void SlideView::setSelection(std::vector<int> spots) {
  spots_.setSelection(std::move(spots));
  Q_EMIT selectionChanged(int(spots_.selection().size()));
  requestFrame();
}

void SlideView::selectInPolygon(const QPolygonF& framePolygon, bool add) {
  std::vector<int> chosen = spots_.spotsInPolygon(framePolygon);
  if (add) chosen.insert(chosen.end(), spots_.selection().begin(), spots_.selection().end());
  setSelection(std::move(chosen));
}

void SlideView::setOutlines(bool on) {
  spots_.setOutlines(on);
  requestFrame();
}

void SlideView::initializeGl() {
  gl_ = std::make_unique<GlRenderer>();
  if (!gl_->initialize(&glError_)) {
    qWarning("SlideView: OpenGL initialisation failed: %s", qPrintable(glError_));
    Q_EMIT loadError(tr("OpenGL 3.2 is not available: %1").arg(glError_));
  }
  // The context can be recreated (re-parenting, screen change): free our objects before that.
  connect(surface_->context(), &QOpenGLContext::aboutToBeDestroyed, this, [this] {
    surface_->makeCurrent();
    releaseGl();
    surface_->doneCurrent();
  });
}

void SlideView::resizeEvent(QResizeEvent*) {
  container_->setGeometry(rect());
  view_.viewport = size();
  if (needsFit_) fitToView();
  Q_EMIT viewChanged();
}

// Whatever repaints this widget (update() from outside) also wants a new GL frame.
void SlideView::paintEvent(QPaintEvent*) { requestFrame(); }

void SlideView::paintFrame(QPaintDevice& overlayTarget, bool mayDraft) {
  view_.viewport = size();
  auto* f = QOpenGLContext::currentContext()->extraFunctions();
  const qreal dpr = overlayTarget.devicePixelRatioF();
  const QSize px(int(std::lround(width() * dpr)), int(std::lround(height() * dpr)));
  f->glViewport(0, 0, px.width(), px.height());
  auto background = [&](const QRect& region, bool draft) {
    // A dark neutral surround (QuPath-like) makes the tissue the brightest thing on screen.
    f->glClearColor(0.145f, 0.149f, 0.157f, 1.f);
    f->glClear(GL_COLOR_BUFFER_BIT);
    if (!gl_ || !gl_->ready()) return;
    // A strip the frame cache uncovered: only the tiles reaching into it (in frame pixels).
    const QRectF widget(QPointF(region.topLeft()) / dpr, QSizeF(region.size()) / dpr);
    const QRectF only(view_.toFrame(widget.topLeft()), view_.toFrame(widget.bottomRight()));
    tiles_.draw(*gl_, view_, region.size() == px ? nullptr : &only, draft);
    // The heatmap lies on the slide: drawn with it, the frame cache keeps both (a pan then
    // moves it with the tiles instead of drawing a window-sized pass again).
    heatmap_.draw(*gl_, *f, view_.projection());
  };
  f->glDisable(GL_DEPTH_TEST);
  f->glEnable(GL_BLEND);
  // Keep destination alpha at 1 so grabbed frames are opaque.
  f->glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
  if (!gl_ || !gl_->ready() || !tiles_.hasImage()) background(QRect(QPoint(0, 0), px), false);
  if (gl_ && gl_->ready()) {
    const QMatrix4x4 proj = view_.projection();
    const float pxPerFrame = float(view_.zoom * dpr);
    const bool painted = layers_ && spots_.prepare(*gl_, *layers_, proj, pxPerFrame);
    const SlideUnder* under = nullptr;
    SlideUnder cached;
    if (tiles_.hasImage()) {
      // Tiles (and a heatmap) come from the frame cache when only the pan or the spots
      // changed. Painted spots are composed over the cached image on the CPU.
      GLint target = 0;
      f->glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &target);
      tiles_.uploadArrived(*gl_, view_.visibleFrameRect());
      const FrameCache::Key key{view_.zoom * dpr, px, tiles_.version(), heatmap_.version()};
      const bool drafts = mayDraft && zoomDrafts_ && gl_->softwareRaster();
      frameCache_.present(key, view_.visibleFrameRect().topLeft(), GLuint(target), background,
                          {.leaveInCache = painted, .drafts = drafts});
      if (frameCache_.lastWasDraft()) settle_.start();
      if (painted && frameCache_.lastPath() != FrameCache::Path::Direct) {
        if (slidePixels_.empty() || slideSerial_ != frameCache_.serial()) {
          frameCache_.readBack(slidePixels_);
          slideSerial_ = frameCache_.serial();
        }
        cached = SlideUnder{slidePixels_.data(), px, slideSerial_};
        under = &cached;
      }
    }
    if (layers_) spots_.draw(*gl_, *layers_, proj, pxPerFrame, under);
  }
  paintOverlay(overlayTarget);
  ++framesDrawn_;
}

QImage SlideView::grabFramebuffer() {
  if (!surface_->isValid()) return {};
  surface_->makeCurrent();
  const qreal dpr = surface_->devicePixelRatio();
  const QSize px(int(std::lround(width() * dpr)), int(std::lround(height() * dpr)));
  // QPainter clips through the stencil buffer.
  QOpenGLFramebufferObject fbo(px, QOpenGLFramebufferObject::CombinedDepthStencil);
  fbo.bind();
  QOpenGLPaintDevice device(px);
  device.setDevicePixelRatio(dpr);
  paintFrame(device, /*mayDraft=*/false);
  QImage image = fbo.toImage().convertToFormat(QImage::Format_RGB32);
  fbo.release();
  surface_->doneCurrent();
  image.setDevicePixelRatio(dpr);
  return image;
}

void SlideView::renderNow() {
  if (!surface_->isExposed()) return;
  surface_->update();
  QEvent request(QEvent::UpdateRequest);  // paints the dirty window now; the posted one is a no-op
  QCoreApplication::sendEvent(surface_, &request);
  surface_->makeCurrent();
  QOpenGLContext::currentContext()->functions()->glFinish();
}

void SlideView::paintOverlay(QPaintDevice& target) {
  QPainter p(&target);
  p.setRenderHint(QPainter::Antialiasing, true);
  if (hovered_ >= 0 && hovered_ < spots_.count()) {
    const QPointF c = view_.toWidget(spots_.centre(hovered_));
    const double r = std::max(spots_.radius() * view_.zoom, 3.0) + 2.0;
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(QColor(0, 0, 0, 160), 3.5));
    p.drawEllipse(c, r, r);
    p.setPen(QPen(QColor(255, 255, 255), 1.6));
    p.drawEllipse(c, r, r);
  }
  if (lassoing_ && lasso_.size() > 1) {
    p.setPen(QPen(QColor(255, 220, 40), 1.5, Qt::DashLine));
    p.setBrush(QColor(255, 220, 40, 40));
    p.drawPolygon(lasso_);
  }
  drawRegionOverlay(p, view_, overlay_);
  drawScaleBar(p, scaleBar(), rect());
}

void SlideView::setTool(Tool tool) {
  if (tool == tool_) return;
  tool_ = tool;
  if (tool == Tool::Region) setViewCursor(Qt::CrossCursor);
  else setViewCursor(std::nullopt);
  Q_EMIT toolChanged(tool);
}

void SlideView::setRegion(std::optional<QRectF> frame) {
  overlay_.region = frame;
  overlay_.probs.reset();
  overlay_.trueCell = -1;
  requestFrame();
}

void SlideView::setCellProbabilities(std::optional<std::array<float, 9>> probs, int trueCell) {
  overlay_.probs = probs;
  overlay_.trueCell = trueCell;
  requestFrame();
}

void SlideView::setReferenceMark(std::optional<QRectF> frame) {
  overlay_.reference = frame;
  requestFrame();
}

void SlideView::setHitMarks(std::vector<QRectF> frames) {
  overlay_.hits = std::move(frames);
  requestFrame();
}

void SlideView::setHeatmap(QImage image, QRectF frameRect) {
  heatmap_.set(std::move(image), frameRect);
  requestFrame();
}

void SlideView::clearHeatmap() {
  heatmap_.clear();
  requestFrame();
}

void SlideView::setHeatmapOpacity(float opacity) {
  heatmap_.setOpacity(opacity);
  requestFrame();
}

}  // namespace stamp::widgets
