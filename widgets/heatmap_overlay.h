#pragma once
/// HeatmapOverlay: one RGBA image laid over a frame rectangle of the slide view (e.g. a dense
/// localization search), drawn in GL right after the tiles, into the view's frame cache with
/// them, so that panning and zooming stay as smooth as the tiles. Cells are drawn with nearest sampling: each image pixel
/// is one searched location. GUI thread only; draw/releaseGl need the view's context current.
#include <QImage>
#include <QMatrix4x4>
#include <QOpenGLExtraFunctions>
#include <QRectF>
#include <cstdint>

namespace stamp::widgets {

class GlRenderer;

class HeatmapOverlay {
 public:
  /// Straight-alpha image (transparent where there is nothing to show) over `frameRect`.
  void set(QImage image, const QRectF& frameRect);
  void clear();
  bool hasImage() const { return !image_.isNull(); }
  const QImage& image() const { return image_; }
  QRectF frameRect() const { return rect_; }
  void setOpacity(float opacity) {
    version_ += opacity != opacity_;
    opacity_ = opacity;
  }
  float opacity() const { return opacity_; }
  /// Changes whenever what draw() shows does (for the frame cache's key).
  std::uint64_t version() const { return version_; }

  /// Uploads a changed image (through `f`), then draws it with `gl` and `proj` (frame -> clip
  /// space).
  void draw(GlRenderer& gl, QOpenGLExtraFunctions& f, const QMatrix4x4& proj);
  /// Frees the texture; the next draw uploads it again (context recreated).
  void releaseGl(QOpenGLExtraFunctions& f);

 private:
  QImage image_;  // RGBA8888
  QRectF rect_;
  float opacity_ = 0.7f;
  bool dirty_ = false;
  std::uint64_t version_ = 0;
  GLuint tex_ = 0;
};

}  // namespace stamp::widgets
