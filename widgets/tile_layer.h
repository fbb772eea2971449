#pragma once
/// TileLayer: the slide image of the view. Keeps GL textures of decoded tiles, draws them from
/// the coarsest level up (so the view is never empty), and asks the TileLoader for the missing
/// tiles of the current level, centre of the view first, plus a ring around it.
#include <QObject>
#include <QSizeF>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "slide/tile_cache.h"
#include "widgets/gl_renderer.h"
#include "widgets/tile_loader.h"
#include "widgets/view_transform.h"

namespace stamp::widgets {

class TileLayer : public QObject {
  Q_OBJECT
 public:
  explicit TileLayer(QObject* parent = nullptr);

  /// Shows `reader` scaled by `imageToFrame` (frame pixels per image level-0 pixel; e.g.
  /// 1 / hires_scalef for a Visium hires PNG); nullptr clears the image.
  void setImage(std::shared_ptr<core::slide::SlideReader> reader, double imageToFrame);
  bool hasImage() const { return bool(slide_); }
  const core::slide::SlideReader* reader() const { return slide_ ? &slide_->reader() : nullptr; }
  double imageToFrame() const { return imageToFrame_; }
  /// The image's extent in frame pixels.
  QSizeF frameSize() const;

  /// Uploads arrived tiles, draws, and re-queues what is missing (context current). With
  /// `only` (frame coordinates), draws just the tiles that reach into it (a strip to repaint);
  /// a `draft` samples the nearest texels (a mid-zoom frame that the next one replaces).
  void draw(GlRenderer& gl, const ViewTransform& view, const QRectF* only = nullptr,
            bool draft = false);
  void releaseGl(GlRenderer& gl);
  /// Uploads the tiles that arrived since the last frame (context current); draw() does too.
  /// `visible` is the frame rectangle in view: a tile outside it leaves version() as it is.
  void uploadArrived(GlRenderer& gl, const QRectF& visible);
  /// Changes whenever what draw() shows of the visible rectangle may change (another image, a
  /// tile uploaded there, tiles freed): a cached image of the layer is current while this is.
  std::uint64_t version() const { return version_; }
  /// True when the last frame drew every visible tile of the level it wanted.
  bool complete() const { return complete_; }
  int pending() const { return loader_.pending() + int(arrived_.size()); }
  /// The level the last frame wanted (for the status bar and tests).
  int currentLevel() const { return currentLevel_; }

 Q_SIGNALS:
  void updateNeeded();
  void loadError(const QString& message);

 private:
  struct Texture {
    GLuint id = 0;
    int width = 0, height = 0;
    std::uint64_t lastUsed = 0;
  };
  struct TileRange {
    std::int64_t x0, y0, x1, y1;  // inclusive tile indices
  };
  TileRange rangeFor(int level, const QRectF& imageRect, int margin) const;
  QRectF tileFrameRect(const core::slide::TileKey& key, const Texture& t) const;
  /// Draws (unless `draw` is false) the level's loaded tiles over imageRect, collects the
  /// missing ones; true when none is missing.
  bool drawLevel(GlRenderer& gl, const ViewTransform& view, int level, const QRectF& imageRect,
                 std::vector<core::slide::TileKey>* missing, bool draw = true,
                 const QRectF* only = nullptr);
  std::vector<core::slide::TileKey> prioritise(std::vector<core::slide::TileKey> keys,
                                               const QPointF& imageCentre) const;
  void requestMissing(std::vector<core::slide::TileKey> coarse,
                      std::vector<core::slide::TileKey> wanted, const QRectF& vis, int target);
  void evict(GlRenderer& gl);

  std::shared_ptr<core::slide::TiledSlide> slide_;
  double imageToFrame_ = 1.0;
  TileLoader loader_;
  std::unordered_map<core::slide::TileKey, Texture, core::slide::TileKeyHash> textures_;
  std::vector<std::pair<core::slide::TileKey, core::slide::TilePtr>> arrived_;
  std::unordered_set<core::slide::TileKey, core::slide::TileKeyHash> failed_;
  std::vector<GLuint> orphanTextures_;  // of a previous slide, deleted at the next frame
  std::uint64_t frame_ = 0;
  std::uint64_t version_ = 0;
  bool complete_ = false;
  int currentLevel_ = 0;
};

}  // namespace stamp::widgets
