#include "widgets/spot_overlay.h"

#include <algorithm>
#include <cmath>

#include "common/parallel.h"
#include "widgets/layer_model.h"
#include "widgets/view_transform.h"

namespace stamp::widgets {

void SpotOverlay::setSpots(std::vector<QPointF> centres, double diameter) {
  centres_ = std::move(centres);
  diameter_ = diameter > 0 ? diameter : 1.0;
  selection_.clear();
  selectedMask_.assign(centres_.size(), 0);
  centresDirty_ = selectionDirty_ = true;
  ++spotsVersion_;
  buildGrid();
}

std::int64_t SpotOverlay::cellOf(const QPointF& p) const {
  const auto cx = std::int64_t(std::floor(p.x() / cell_));
  const auto cy = std::int64_t(std::floor(p.y() / cell_));
  return (cx << 32) ^ (cy & 0xffffffff);
}

// A uniform grid with cells one diameter wide: a point's disc can only overlap spots in the
// 3x3 cells around it, so hover picking stays O(1) for 100,000 spots.
void SpotOverlay::buildGrid() {
  grid_.clear();
  cell_ = std::max(diameter_, 1.0);
  for (std::size_t i = 0; i < centres_.size(); ++i)
    if (std::isfinite(centres_[i].x()) && std::isfinite(centres_[i].y()))
      grid_[cellOf(centres_[i])].push_back(int(i));
}

int SpotOverlay::spotAt(const QPointF& frame) const {
  int best = -1;
  double bestD2 = radius() * radius();
  for (int dx = -1; dx <= 1; ++dx) {
    for (int dy = -1; dy <= 1; ++dy) {
      auto it = grid_.find(cellOf(frame + QPointF(dx * cell_, dy * cell_)));
      if (it == grid_.end()) continue;
      for (int i : it->second) {
        const QPointF d = centres_[std::size_t(i)] - frame;
        const double d2 = d.x() * d.x() + d.y() * d.y();
        if (d2 <= bestD2) {
          bestD2 = d2;
          best = i;
        }
      }
    }
  }
  return best;
}

std::vector<int> SpotOverlay::spotsInPolygon(const QPolygonF& polygon) const {
  std::vector<int> out;
  if (polygon.size() < 3) return out;
  const QRectF box = polygon.boundingRect();
  for (std::size_t i = 0; i < centres_.size(); ++i) {
    const QPointF& c = centres_[i];
    if (box.contains(c) && polygon.containsPoint(c, Qt::OddEvenFill)) out.push_back(int(i));
  }
  return out;
}

void SpotOverlay::setSelection(std::vector<int> spots) {
  std::sort(spots.begin(), spots.end());
  spots.erase(std::unique(spots.begin(), spots.end()), spots.end());
  spots.erase(std::remove_if(spots.begin(), spots.end(), [&](int i) { return i < 0 || i >= count(); }),
              spots.end());
  selection_ = std::move(spots);
  selectedMask_.assign(centres_.size(), 0);
  for (int i : selection_) selectedMask_[std::size_t(i)] = 1;
  selectionDirty_ = true;
  ++selectionVersion_;
}

void SpotOverlay::syncColors(const LayerModel& layers) {
  // A recolour refreshes only the CPU copy of the layer whose version moved; GL gets it in
  // uploadBuffers(), and only when the spots are drawn as GL points.
  for (int row = 0; row < layers.count(); ++row) {
    ColorBuffer& cb = colorBuffers_[layers.layerId(row)];
    if (cb.version == layers.colorVersion(row) && cb.rgba.size() == centres_.size() * 4) continue;
    cb.rgba = layers.layer(row).packedColors();
    cb.rgba.resize(centres_.size() * 4, 0);  // a layer for fewer spots leaves the rest transparent
    cb.version = layers.colorVersion(row);
    cb.onGl = false;
  }
  for (auto it = colorBuffers_.begin(); it != colorBuffers_.end();) {
    if (layers.rowOfId(it->first) >= 0) {
      ++it;
      continue;
    }
    retired_.push_back(it->second.buffer);
    it = colorBuffers_.erase(it);
  }
}

void SpotOverlay::uploadBuffers(GlRenderer& gl) {
  for (GLuint b : retired_) gl.deleteBuffer(b);
  retired_.clear();
  if (centresDirty_) {
    std::vector<float> xy(centres_.size() * 2);
    for (std::size_t i = 0; i < centres_.size(); ++i) {
      xy[2 * i] = float(centres_[i].x());
      xy[2 * i + 1] = float(centres_[i].y());
    }
    centreBuffer_ = gl.uploadBuffer(centreBuffer_, xy.data(), xy.size() * sizeof(float));
    centresDirty_ = false;
  }
  if (selectionDirty_) {
    selectedBuffer_ = gl.uploadBuffer(selectedBuffer_, selectedMask_.data(), selectedMask_.size());
    selectionDirty_ = false;
  }
  for (auto& [id, cb] : colorBuffers_) {
    if (cb.onGl) continue;
    cb.buffer = gl.uploadBuffer(cb.buffer, cb.rgba.data(), cb.rgba.size());
    cb.onGl = true;
  }
}

// Below this many discs in view GL's points are as fast as painting them and drawing an image
// (bench_render: 5,000 spots 6 ms as points).
constexpr std::size_t kPaintFromSpots = 20000;

std::size_t SpotOverlay::toDevice(const QMatrix4x4& proj, const QSize& px, float radiusPx) {
  // Frame -> clip (an orthographic projection) -> device pixels, y down.
  const float w = float(px.width()), h = float(px.height());
  const float ax = proj(0, 0) * 0.5f * w, bx = (proj(0, 3) + 1) * 0.5f * w;
  const float ay = -proj(1, 1) * 0.5f * h, by = (1 - proj(1, 3)) * 0.5f * h;
  deviceScale_ = QPointF(ax, ay);
  deviceOffset_ = QPointF(bx, by);
  deviceXy_.resize(centres_.size() * 2);
  std::size_t inView = 0;
  for (std::size_t i = 0; i < centres_.size(); ++i) {
    const float x = ax * float(centres_[i].x()) + bx, y = ay * float(centres_[i].y()) + by;
    deviceXy_[2 * i] = x;
    deviceXy_[2 * i + 1] = y;
    inView += x > -radiusPx && y > -radiusPx && x < w + radiusPx && y < h + radiusPx;
  }
  return inView;
}

SpotOverlay::PaintKey SpotOverlay::paintKey(const LayerModel& layers, const QSize& px,
                                            float radiusPx) const {
  PaintKey k;
  k.scale = deviceScale_;
  k.px = px;
  k.radiusPx = radiusPx;
  k.outline = outlines_;
  k.spots = spotsVersion_;
  k.selection = selectionVersion_;
  for (int row = layers.count() - 1; row >= 0; --row)
    if (layers.layer(row).visible)
      k.layers.push_back({double(layers.layerId(row)), double(layers.colorVersion(row)),
                          double(layers.layer(row).opacity)});
  return k;
}

void SpotOverlay::paintLayers(const LayerModel& layers, float radiusPx, const SplatImage::Box& clip) {
  const int threads = core::hardwareThreads();
  for (int row = layers.count() - 1; row >= 0; --row) {
    const Layer& layer = layers.layer(row);
    if (!layer.visible) continue;
    SplatLayer l;
    l.xy = deviceXy_.data();
    l.rgba = colorBuffers_[layers.layerId(row)].rgba.data();
    l.selected = selectedMask_.data();
    l.count = centres_.size();
    l.radiusPx = radiusPx;
    l.opacity = layer.opacity;
    l.outline = outlines_;
    painted_.composite(l, clip, threads);
  }
}

bool SpotOverlay::paint(GlRenderer& gl, const LayerModel& layers, const QMatrix4x4& proj,
                        float pxPerFrame) {
  const float radiusPx = std::max(float(radius()) * pxPerFrame, 1.5f);
  const auto mode = gl.spotPainting();
  const bool always = mode == GlRenderer::SpotPainting::Always;
  if (mode == GlRenderer::SpotPainting::Never || radiusPx > 32 ||
      (!always && centres_.size() < kPaintFromSpots))
    return false;
  const QSize px = gl.viewportSize();
  if (toDevice(proj, px, radiusPx) < kPaintFromSpots && !always) return false;
  PaintKey key = paintKey(layers, px, radiusPx);
  // Like the frame cache: a pan by whole pixels shifts the image and paints the uncovered
  // strips; a frame that changes nothing of the spots (hover, lasso) reuses the texture.
  // Whole within 1e-2 px: the offsets come from the float projection (the cache's, 1e-3, from
  // double origins).
  const auto shift = wholePixels(paintedOffset_ - deviceOffset_, 1e-2);
  const QPoint whole = shift.value_or(QPoint());
  const bool same = paintedValid_ && key == paintedKey_ && shift;
  if (same && whole.isNull()) return true;  // the texture holds it already
  if (same) {
    const auto [cols, rows] = painted_.shift(whole.x(), whole.y());
    paintLayers(layers, radiusPx, cols);
    paintLayers(layers, radiusPx, rows);
    paintedOffset_ -= QPointF(whole);
  } else {
    painted_.reset(px.width(), px.height());
    paintLayers(layers, radiusPx, painted_.all());
    paintedKey_ = std::move(key);
    paintedOffset_ = deviceOffset_;
    paintedValid_ = true;
  }
  upload_ = true;
  return true;
}

bool SpotOverlay::prepare(GlRenderer& gl, const LayerModel& layers, const QMatrix4x4& proj,
                          float pxPerFrame) {
  lastPainted_ = false;
  if (centres_.empty()) return false;
  syncColors(layers);
  lastPainted_ = paint(gl, layers, proj, pxPerFrame);
  if (!lastPainted_) {
    paintedValid_ = false;  // the texture is not kept up to date meanwhile
    uploadBuffers(gl);
  }
  return lastPainted_;
}

void SpotOverlay::draw(GlRenderer& gl, const LayerModel& layers, const QMatrix4x4& proj,
                       float pxPerFrame, const SlideUnder* under) {
  if (centres_.empty()) return;
  if (lastPainted_) {
    const QSize px(painted_.width(), painted_.height());
    if (under && under->rgba && under->size == px) {
      // Over the slide: composed here (~0.5 ms on two threads) and drawn as one opaque image,
      // where llvmpipe's pass sampling both images cost ~7 ms and a plain copy ~4.
      const bool stale = upload_ || !texComposed_ || texSerial_ != under->serial;
      if (stale) painted_.composeOver(under->rgba, composed_, core::hardwareThreads());
      gl.drawViewportImage(paintedTex_, paintedTexSize_, stale ? composed_.data() : nullptr, px,
                           true);
      texComposed_ = true;
      texSerial_ = under->serial;
    } else {
      const bool stale = upload_ || texComposed_;
      gl.drawViewportImage(paintedTex_, paintedTexSize_, stale ? painted_.data() : nullptr, px);
      texComposed_ = false;
    }
    upload_ = false;
    return;
  }
  for (int row = layers.count() - 1; row >= 0; --row) {
    const Layer& layer = layers.layer(row);
    if (!layer.visible) continue;
    SpotStyle style;
    style.radiusFrame = float(radius());
    style.pxPerFrame = pxPerFrame;
    style.opacity = layer.opacity;
    style.outline = outlines_;
    gl.drawSpots(centreBuffer_, colorBuffers_[layers.layerId(row)].buffer, selectedBuffer_,
                 count(), proj, style);
  }
}

void SpotOverlay::releaseGl(GlRenderer& gl) {
  gl.deleteBuffer(centreBuffer_);
  gl.deleteBuffer(selectedBuffer_);
  for (auto& [id, cb] : colorBuffers_) gl.deleteBuffer(cb.buffer);
  for (GLuint b : retired_) gl.deleteBuffer(b);
  retired_.clear();
  colorBuffers_.clear();
  gl.deleteTexture(paintedTex_);
  paintedTex_ = 0;
  paintedValid_ = false;
  paintedTexSize_ = {};
  upload_ = false;
  centreBuffer_ = selectedBuffer_ = 0;
  centresDirty_ = selectionDirty_ = true;
}

}  // namespace stamp::widgets
