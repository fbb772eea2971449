#pragma once
/// SlideView: the OpenGL slide viewer. Tiles come from a TileLayer (decoded on workers, uploaded
/// here), spots from a SpotOverlay coloured by a LayerModel; a QPainter pass adds the scale bar,
/// the hovered spot and the lasso. Frame coordinates are full-resolution slide pixels.
/// The GL frame is drawn into a native child window (SlideSurface, see why there) that covers
/// the widget; this widget keeps the state, the API and the input handlers.
#include <QWidget>
#include <QPolygonF>
#include <QTimer>
#include <QVariantAnimation>
#include <memory>
#include <optional>

#include "slide/slide_reader.h"
#include "widgets/frame_cache.h"
#include "widgets/gl_renderer.h"
#include "widgets/heatmap_overlay.h"
#include "widgets/region_overlay.h"
#include "widgets/scale_bar.h"
#include "widgets/spot_overlay.h"
#include "widgets/tile_layer.h"
#include "widgets/view_transform.h"

namespace stamp::widgets {

class LayerModel;

class SlideSurface;

class SlideView : public QWidget {
  Q_OBJECT
 public:
  /// Region: a click places, a drag moves the localization region box (regionChosen on release).
  enum class Tool { Pan, Lasso, Region };
  Q_ENUM(Tool)

  explicit SlideView(QWidget* parent = nullptr);
  ~SlideView() override;

  /// Shows `reader` scaled by `imageToFrame`; `umPerFramePx` gives the physical scale (scale
  /// bar, magnification) and `objectivePower` the scanner's objective when known.
  void setImage(std::shared_ptr<core::slide::SlideReader> reader, double imageToFrame,
                std::optional<double> umPerFramePx, std::optional<double> objectivePower);
  /// Spot centres and diameter in frame pixels (empty: no overlay).
  void setSpots(std::vector<QPointF> centres, double diameter);
  /// The layers that colour the spots (not owned; may be null).
  void setLayerModel(LayerModel* model);
  void clear();

  const ViewTransform& transform() const { return view_; }
  /// Extent of what there is to see: the image, else the spots' bounding box.
  QRectF contentRect() const;
  void fitToView();
  /// Zooms by `factor` keeping the frame point under `anchor` (widget pixels) fixed.
  void zoomBy(double factor, QPointF anchor, bool animate = false);
  void zoomIn() { zoomBy(1.5, rect().center(), true); }
  void zoomOut() { zoomBy(1 / 1.5, rect().center(), true); }
  void setZoom(double zoom);
  void centreOn(const QPointF& frame);
  void panBy(const QPointF& widgetDelta);

  std::optional<double> umPerScreenPx() const;
  ScaleBar scaleBar() const { return chooseScaleBar(umPerScreenPx().value_or(0)); }
  std::optional<double> magnification() const;
  const core::slide::SlideReader* reader() const { return tiles_.reader(); }

  void setTool(Tool tool);
  Tool tool() const { return tool_; }
  const SpotOverlay& spots() const { return spots_; }
  void setSelection(std::vector<int> spots);
  /// Selects the spots inside `framePolygon` (adding to the selection when `add`).
  void selectInPolygon(const QPolygonF& framePolygon, bool add);
  void setOutlines(bool on);
  bool outlines() const { return spots_.outlines(); }
  int hoveredSpot() const { return hovered_; }

  /// Localization overlays (frame coordinates). The region box keeps its side (set by the app
  /// from the magnification: 6 half-patch sizes) and is drawn with its 3 x 3 grid.
  void setRegionSide(double framePx) { regionSide_ = framePx; }
  double regionSide() const { return regionSide_; }
  /// Places the box (no signal); nullopt removes it together with its probabilities.
  void setRegion(std::optional<QRectF> frame);
  std::optional<QRectF> region() const { return overlay_.region; }
  /// 3 x 3 cell probabilities over the region (k = 3 * row + col), the true cell or -1.
  void setCellProbabilities(std::optional<std::array<float, 9>> probs, int trueCell = -1);
  const RegionOverlay& regionOverlay() const { return overlay_; }
  void setReferenceMark(std::optional<QRectF> frame);
  void setHitMarks(std::vector<QRectF> frames);
  /// An image over `frameRect`, drawn under the spots; its alpha hides what was not computed.
  void setHeatmap(QImage image, QRectF frameRect);
  void clearHeatmap();
  bool hasHeatmap() const { return heatmap_.hasImage(); }
  QRectF heatmapRect() const { return heatmap_.frameRect(); }
  void setHeatmapOpacity(float opacity);

  /// True once every visible tile of the wanted level is on screen (tests wait for this).
  bool tilesComplete() const { return tiles_.complete(); }
  int pendingTiles() const { return tiles_.pending(); }
  /// Non-empty when OpenGL could not be initialised (the view then stays blank).
  QString glError() const { return glError_; }

  /// Renders the current view (GL and overlays) into an image of the view's size in device
  /// pixels, as the user sees it; null before the view was first shown.
  QImage grabFramebuffer();
  /// Draws and presents a frame now instead of at the next update (benchmarks, tests), and
  /// waits for the GL work to finish.
  void renderNow();
  /// The native window that shows the frame; the window system delivers input there first.
  QWindow* surfaceWindow() const;
  /// How the last frame got its slide image (drawn, or the cached one reused or shifted).
  FrameCache::Path lastFramePath() const { return frameCache_.lastPath(); }
  /// On a software rasteriser, zoom frames after the first of a gesture sample the tiles
  /// nearest (half the cost of bilinear) and a settled frame follows once the zoom has been
  /// still for `settleMs`. On by default (100 ms); a benchmark turns it off for its baseline,
  /// a test on a loaded machine waits longer. Grabs never draft.
  void setZoomDrafts(bool on, int settleMs = 100) {
    zoomDrafts_ = on;
    settle_.setInterval(settleMs);
  }
  bool lastFrameWasDraft() const { return frameCache_.lastWasDraft(); }
  /// Frames drawn so far (grabs included): tests wait for one through the event loop.
  std::uint64_t framesDrawn() const { return framesDrawn_; }
  /// Whether the view renders with a software rasteriser (llvmpipe, ...).
  bool softwareGl() const { return gl_ && gl_->softwareRaster(); }

 Q_SIGNALS:
  void viewChanged();
  void cursorMoved(QPointF frame, bool insideContent);
  void spotHovered(int spot);  // -1 when none
  void spotClicked(int spot);
  /// Every click (not a drag), in frame coordinates, whether or not it hit a spot.
  void pointClicked(QPointF frame);
  void selectionChanged(int count);
  /// The region box was placed or dragged by the user (emitted on release).
  void regionChosen(QRectF frame);
  void toolChanged(stamp::widgets::SlideView::Tool tool);
  void loadError(const QString& message);

 protected:
  friend class SlideSurface;
  /// Called by the surface with its context current.
  void initializeGl();
  void paintFrame(QPaintDevice& overlayTarget, bool mayDraft = true);
  void resizeEvent(QResizeEvent* e) override;
  void paintEvent(QPaintEvent* e) override;
  bool event(QEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void leaveEvent(QEvent* e) override;

 private:
  void paintOverlay(QPaintDevice& target);
  void releaseGl();
  /// Schedules a frame of the GL surface (QWidget::update would only repaint this widget).
  void requestFrame();
  void setViewCursor(std::optional<Qt::CursorShape> shape);
  void setZoomAround(double zoom, QPointF anchor);
  void updateHover(const QPointF& widgetPos);
  void clickAt(const QPointF& widgetPos, bool toggle);
  void moveRegionTo(const QPointF& frameCentre);
  double minZoom() const;
  double maxZoom() const;

  SlideSurface* surface_ = nullptr;  // owned by container_
  QWidget* container_ = nullptr;
  ViewTransform view_;
  TileLayer tiles_;
  FrameCache frameCache_;
  std::vector<std::uint8_t> slidePixels_;  // the cached slide image read back, of slideSerial_
  std::uint64_t slideSerial_ = 0;
  bool zoomDrafts_ = true;
  std::uint64_t framesDrawn_ = 0;
  QTimer settle_;  // draws the settled frame after a draft
  HeatmapOverlay heatmap_;
  RegionOverlay overlay_;
  double regionSide_ = 0;
  SpotOverlay spots_;
  std::unique_ptr<GlRenderer> gl_;
  LayerModel* layers_ = nullptr;
  std::optional<double> umPerFramePx_, objectivePower_;
  QString glError_;
  bool needsFit_ = true;
  Tool tool_ = Tool::Pan;
  int hovered_ = -1;
  // Mouse gesture state.
  bool dragging_ = false, lassoing_ = false, moved_ = false, regionDragging_ = false;
  QPointF regionGrab_;  // frame offset from the region centre to where it was grabbed
  QPointF pressPos_, lastPos_;
  QPolygonF lasso_;  // widget pixels while drawing
  QVariantAnimation zoomAnim_;
  QPointF animAnchor_;
};

}  // namespace stamp::widgets
