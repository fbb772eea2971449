#include "widgets/tile_layer.h"

#include <algorithm>
#include <cmath>

namespace stamp::widgets {

using core::slide::TileKey;
using core::slide::TilePtr;

namespace {
// One cache for every view in the process: reopening a slide reuses its decoded tiles.
std::shared_ptr<core::slide::TileCache> sharedCache() {
  static auto cache = std::make_shared<core::slide::TileCache>(std::size_t(384) << 20);
  return cache;
}
constexpr std::size_t kMaxTextures = 768;      // ~190 MiB of 256x256 RGBA
constexpr int kMaxUploadsPerFrame = 48;         // keeps a frame short when many tiles arrive
}  // namespace

TileLayer::TileLayer(QObject* parent) : QObject(parent), loader_(this, 3) {
  connect(&loader_, &TileLoader::tileReady, this, [this](const TileKey& key, const TilePtr& tile) {
    if (slide_ && key.slideId == slide_->id()) arrived_.emplace_back(key, tile);
    Q_EMIT updateNeeded();
  });
  connect(&loader_, &TileLoader::tileFailed, this, [this](const TileKey& key, const QString& msg) {
    failed_.insert(key);
    Q_EMIT loadError(msg);
  });
}

void TileLayer::setImage(std::shared_ptr<core::slide::SlideReader> reader, double imageToFrame) {
  for (auto& [key, tex] : textures_) orphanTextures_.push_back(tex.id);
  textures_.clear();
  arrived_.clear();
  failed_.clear();
  imageToFrame_ = imageToFrame > 0 ? imageToFrame : 1.0;
  slide_ = reader ? std::make_shared<core::slide::TiledSlide>(std::move(reader), sharedCache(), 256)
                  : nullptr;
  loader_.setSlide(slide_);
  complete_ = !slide_;
  ++version_;
  Q_EMIT updateNeeded();
}

QSizeF TileLayer::frameSize() const {
  if (!slide_) return {};
  const auto l0 = slide_->reader().level(0);
  return QSizeF(double(l0.width) * imageToFrame_, double(l0.height) * imageToFrame_);
}

TileLayer::TileRange TileLayer::rangeFor(int level, const QRectF& imageRect, int margin) const {
  const double span = slide_->tileSize() * slide_->reader().level(level).downsample;
  const std::int64_t nx = slide_->tilesX(level), ny = slide_->tilesY(level);
  TileRange r;
  r.x0 = std::clamp<std::int64_t>(std::int64_t(std::floor(imageRect.left() / span)) - margin, 0, nx - 1);
  r.y0 = std::clamp<std::int64_t>(std::int64_t(std::floor(imageRect.top() / span)) - margin, 0, ny - 1);
  r.x1 = std::clamp<std::int64_t>(std::int64_t(std::floor(imageRect.right() / span)) + margin, 0, nx - 1);
  r.y1 = std::clamp<std::int64_t>(std::int64_t(std::floor(imageRect.bottom() / span)) + margin, 0, ny - 1);
  return r;
}

QRectF TileLayer::tileFrameRect(const TileKey& key, const Texture& t) const {
  const double ds = slide_->reader().level(key.level).downsample;
  const double span = slide_->tileSize() * ds;
  const double s = imageToFrame_;
  return QRectF(double(key.tx) * span * s, double(key.ty) * span * s, t.width * ds * s,
                t.height * ds * s);
}

void TileLayer::uploadArrived(GlRenderer& gl, const QRectF& visible) {
  for (GLuint id : orphanTextures_) gl.deleteTexture(id);
  orphanTextures_.clear();
  int n = 0;
  while (!arrived_.empty() && n < kMaxUploadsPerFrame) {
    auto [key, tile] = std::move(arrived_.back());
    arrived_.pop_back();
    if (textures_.count(key) || !tile || tile->width <= 0) continue;
    const Texture t{gl.uploadTexture(tile->rgba.data(), tile->width, tile->height), tile->width,
                    tile->height, frame_};
    textures_[key] = t;
    ++n;
    // Tiles prefetched around the view change nothing on screen yet.
    if (tileFrameRect(key, t).intersects(visible)) ++version_;
  }
  if (!arrived_.empty()) Q_EMIT updateNeeded();
}

// Draws the loaded tiles of one level over imageRect; collects the ones still missing.
bool TileLayer::drawLevel(GlRenderer& gl, const ViewTransform& view, int level,
                          const QRectF& imageRect, std::vector<TileKey>* missing, bool draw,
                          const QRectF* only) {
  const TileRange r = rangeFor(level, imageRect, 0);
  const QMatrix4x4 proj = view.projection();
  const double texelsPerPixel =
      1.0 / (slide_->reader().level(level).downsample * imageToFrame_ * view.zoom);
  bool all = true;
  for (std::int64_t ty = r.y0; ty <= r.y1; ++ty) {
    for (std::int64_t tx = r.x0; tx <= r.x1; ++tx) {
      const TileKey key{slide_->id(), level, tx, ty};
      auto it = textures_.find(key);
      if (it == textures_.end()) {
        if (!failed_.count(key)) all = false;
        if (missing && !failed_.count(key)) missing->push_back(key);
        continue;
      }
      it->second.lastUsed = frame_;
      const QRectF rect = tileFrameRect(key, it->second);
      if (draw && (!only || rect.intersects(*only)))
        gl.drawTexture(it->second.id, rect, proj, texelsPerPixel);
    }
  }
  return all;
}

std::vector<TileKey> TileLayer::prioritise(std::vector<TileKey> keys, const QPointF& c) const {
  auto dist = [&](const TileKey& k) {
    const double span = slide_->tileSize() * slide_->reader().level(k.level).downsample;
    const double dx = (double(k.tx) + 0.5) * span - c.x(), dy = (double(k.ty) + 0.5) * span - c.y();
    return dx * dx + dy * dy;
  };
  std::stable_sort(keys.begin(), keys.end(),
                   [&](const TileKey& a, const TileKey& b) { return dist(a) < dist(b); });
  return keys;
}

void TileLayer::draw(GlRenderer& gl, const ViewTransform& view, const QRectF* only, bool draft) {
  ++frame_;
  if (!slide_) {
    complete_ = true;
    return;
  }
  uploadArrived(gl, view.visibleFrameRect());
  const auto& rd = slide_->reader();
  const QRectF f = view.visibleFrameRect();
  const QRectF bounds(0, 0, double(rd.level(0).width), double(rd.level(0).height));
  const QRectF vis = QRectF(f.topLeft() / imageToFrame_, f.size() / imageToFrame_) & bounds;
  if (vis.isEmpty()) {
    complete_ = true;
    loader_.request({});
    return;
  }
  const int target = rd.bestLevelForDownsample(1.0 / (view.zoom * imageToFrame_));
  const int coarsest = rd.levelCount() - 1;
  currentLevel_ = target;
  std::vector<TileKey> coarse, wanted;
  // Tiles are opaque. Coarser levels stand in under missing tiles of the wanted level; once
  // that level is all there they would only be overdrawn (a full window each).
  gl.setBlending(false);
  gl.setDraftSampling(draft);
  const bool targetReady = drawLevel(gl, view, target, vis, &wanted, /*draw=*/false);
  if (!targetReady)
    for (int level = coarsest; level > target; --level)
      drawLevel(gl, view, level, vis, level == coarsest ? &coarse : nullptr, true, only);
  drawLevel(gl, view, target, vis, nullptr, true, only);
  gl.setDraftSampling(false);
  gl.setBlending(true);
  complete_ = targetReady && arrived_.empty();
  requestMissing(coarse, wanted, vis, target);
  evict(gl);
}

// Coarsest level first (it fills the view soonest), then the wanted level from the centre out,
// then a one-tile ring around the view so that panning finds tiles ready.
void TileLayer::requestMissing(std::vector<TileKey> coarse, std::vector<TileKey> wanted,
                               const QRectF& vis, int target) {
  const TileRange inner = rangeFor(target, vis, 0), outer = rangeFor(target, vis, 1);
  std::vector<TileKey> ring;
  for (std::int64_t ty = outer.y0; ty <= outer.y1; ++ty)
    for (std::int64_t tx = outer.x0; tx <= outer.x1; ++tx) {
      if (tx >= inner.x0 && tx <= inner.x1 && ty >= inner.y0 && ty <= inner.y1) continue;
      const TileKey key{slide_->id(), target, tx, ty};
      if (!textures_.count(key) && !failed_.count(key)) ring.push_back(key);
    }
  const QPointF c = vis.center();
  std::vector<TileKey> all = prioritise(std::move(coarse), c);
  for (auto* part : {&wanted, &ring})
    for (const TileKey& k : prioritise(std::move(*part), c)) all.push_back(k);
  std::vector<TileKey> toLoad;
  for (const TileKey& k : all) {
    // Tiles the cache already holds need no worker: upload them at the next frame.
    if (TilePtr t = slide_->cached(k.level, k.tx, k.ty)) arrived_.emplace_back(k, std::move(t));
    else toLoad.push_back(k);
  }
  if (!arrived_.empty()) Q_EMIT updateNeeded();
  loader_.request(toLoad);
}

void TileLayer::evict(GlRenderer& gl) {
  if (textures_.size() <= kMaxTextures) return;
  std::vector<std::pair<std::uint64_t, TileKey>> old;
  for (const auto& [key, tex] : textures_)
    if (tex.lastUsed < frame_) old.emplace_back(tex.lastUsed, key);
  std::sort(old.begin(), old.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (const auto& [used, key] : old) {
    if (textures_.size() <= kMaxTextures * 3 / 4) break;
    gl.deleteTexture(textures_[key].id);
    textures_.erase(key);
    ++version_;
  }
}

void TileLayer::releaseGl(GlRenderer& gl) {
  for (auto& [key, tex] : textures_) gl.deleteTexture(tex.id);
  for (GLuint id : orphanTextures_) gl.deleteTexture(id);
  textures_.clear();
  orphanTextures_.clear();
  ++version_;
}

}  // namespace stamp::widgets
