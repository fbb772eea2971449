#pragma once
/// FrameCache: the slide image of the last frame, kept in an offscreen framebuffer so that a
/// frame which only pans or recolours spots does not resample every tile. On a software
/// rasteriser, bilinear tile sampling over a 1920x1080 window is ~6 ms of a frame, while
/// copying the cached image is ~3 ms (bench_render). A pan by whole device pixels shifts the
/// cached image and draws only the strips it uncovers; a recolour copies it as it is. Anything
/// else (zoom, resize, new tiles) draws the image again. While the zoom keeps changing, frames
/// after the first may be drafts (nearest sampling, half the cost in software); the caller
/// then draws a settled frame once the zoom stops.
///
/// Two buffers: a shift copies one into the other (GL forbids overlapping copies within one).
/// Lives in the view's GL context; every call needs that context current.
#include <QOpenGLExtraFunctions>
#include <QPointF>
#include <QRect>
#include <QSize>
#include <cstdint>
#include <functional>
#include <vector>

namespace stamp::widgets {

/// How FrameCache::present() may go about a frame (outside the class: GCC cannot default an
/// argument to a nested struct with member initialisers).
struct PresentOptions {
  /// A cached image is not copied: the caller reads it back and draws it into the target
  /// itself, with what goes over it; lastPath() is then not Direct.
  bool leaveInCache = false;
  /// A frame whose zoom changed right after another such frame may be a draft.
  bool drafts = false;
};

class FrameCache : protected QOpenGLExtraFunctions {
 public:
  /// What the cached image depends on besides the pan.
  struct Key {
    double pxPerFrame = 0;       // device pixels per frame pixel (zoom x device pixel ratio)
    QSize px;                    // framebuffer size in device pixels
    std::uint64_t content = 0;   // the drawer's version of what it draws (tiles loaded, ...)
    std::uint64_t overlay = 0;   // and of what it draws over that (a heatmap)
    bool operator==(const Key&) const = default;
  };
  /// Draws the image into the bound framebuffer, at least over `region` (device pixels, y
  /// down; the scissor keeps it there); it clears its own background. A `draft` may sample
  /// coarsely: no later frame reuses it.
  using Render = std::function<void(const QRect& region, bool draft)>;

  /// Puts the image for `key` with its top-left at frame point `origin` into `targetFbo`:
  /// from the cache where it can, else by `render` (into the cache when the zoom did not just
  /// change, so that the next frame can reuse it; straight into the target while zooming).
  void present(const Key& key, const QPointF& origin, GLuint targetFbo, const Render& render,
               PresentOptions options = {});
  /// The cached image after present(), RGBA8 rows bottom-up, and a number that changes
  /// whenever its content does (redrawn or shifted), so that a caller reads it back only then.
  void readBack(std::vector<std::uint8_t>& rgba);
  std::uint64_t serial() const { return serial_; }
  /// Forgets the image (the next frame draws it afresh).
  void invalidate() { valid_ = false; }
  /// Frees the buffers (before the context goes away).
  void release();

  /// What the last present() did: for benchmarks and tests.
  enum class Path { Direct, Redrawn, Shifted, Reused };
  Path lastPath() const { return lastPath_; }
  /// Whether the last present() drew a draft (a Direct frame): the caller owes a settled one.
  bool lastWasDraft() const { return lastDraft_; }

 private:
  bool ensureBuffers(const QSize& px);
  void drawStrips(const QPoint& shift, const Render& render);
  void blit(GLuint from, GLuint to, const QRect& src, const QRect& dst);

  bool initialized_ = false;
  GLuint fbo_[2] = {0, 0}, tex_[2] = {0, 0};
  QSize size_;
  int front_ = 0;       // the buffer holding the image
  bool valid_ = false;
  Key key_;
  QPointF origin_;      // frame point at the image's top-left
  double lastPxPerFrame_ = 0;
  bool lastZooming_ = false, lastDraft_ = false;
  Path lastPath_ = Path::Direct;
  std::uint64_t serial_ = 0;
};

}  // namespace stamp::widgets
