#pragma once
/// SpotOverlay: the spots of a sample in frame coordinates, their GPU buffers (one centre
/// buffer, one colour buffer per layer, one selection buffer), picking and lasso selection.
/// GUI thread only; the GL calls need the view's context current.
#include <QPointF>
#include <QPolygonF>
#include <QMatrix4x4>
#include <QSize>
#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "widgets/gl_renderer.h"
#include "widgets/spot_splat.h"

namespace stamp::widgets {

class LayerModel;

/// The slide image that painted spots go over: RGBA8 rows bottom-up (a framebuffer read
/// back) of `size`, and a number that changes whenever its content does.
struct SlideUnder {
  const std::uint8_t* rgba = nullptr;
  QSize size;
  std::uint64_t serial = 0;
};

class SpotOverlay {
 public:
  /// Spot centres in frame pixels and the true spot diameter in frame pixels.
  void setSpots(std::vector<QPointF> centres, double diameter);
  int count() const { return int(centres_.size()); }
  const QPointF& centre(int i) const { return centres_[std::size_t(i)]; }
  double radius() const { return diameter_ / 2; }

  /// The spot whose disc contains `frame` (the nearest one if several), or -1.
  int spotAt(const QPointF& frame) const;
  /// Indices of the spots whose centres lie inside `polygon` (frame coordinates), ascending.
  std::vector<int> spotsInPolygon(const QPolygonF& polygon) const;

  const std::vector<int>& selection() const { return selection_; }
  void setSelection(std::vector<int> spots);
  bool isSelected(int i) const { return i >= 0 && i < count() && selectedMask_[std::size_t(i)]; }

  bool outlines() const { return outlines_; }
  void setOutlines(bool on) { outlines_ = on; }

  /// Whether the last frame's spots were painted by the CPU (spot_splat.h) instead of GL.
  bool lastPainted() const { return lastPainted_; }
  /// Readies this frame's spots: uploads what changed since the last frame and, where that is
  /// the faster way (spot_splat.h), paints them on the CPU. True when painted: draw() then
  /// draws one image, which can hold the slide image under them too (`under`).
  bool prepare(GlRenderer& gl, const LayerModel& layers, const QMatrix4x4& proj, float pxPerFrame);
  /// Draws what prepare() readied, bottom layer first. With `under` (only when painted, and
  /// of the painted size), the painted spots are composed over it on the CPU and the result
  /// replaces what the framebuffer held.
  void draw(GlRenderer& gl, const LayerModel& layers, const QMatrix4x4& proj, float pxPerFrame,
            const SlideUnder* under = nullptr);
  /// Frees every GL buffer (before the context goes away).
  void releaseGl(GlRenderer& gl);

 private:
  struct ColorBuffer {
    std::uint64_t version = 0;
    GLuint buffer = 0;
    std::vector<std::uint8_t> rgba;  // the colours; the buffer holds them when onGl
    bool onGl = false;
  };
  std::int64_t cellOf(const QPointF& p) const;
  void buildGrid();
  /// Refreshes the CPU colours of the layers whose colours changed (no GL).
  void syncColors(const LayerModel& layers);
  /// Uploads what the GL points need and changed: centres, selection, colours.
  void uploadBuffers(GlRenderer& gl);
  /// What the painted image depends on besides the pan.
  struct PaintKey {
    QPointF scale;  // device pixels per frame pixel (x, y)
    QSize px;
    float radiusPx = 0;
    bool outline = false;
    std::uint64_t spots = 0, selection = 0;
    std::vector<std::array<double, 3>> layers;  // visible ones bottom-up: id, colours, opacity
    bool operator==(const PaintKey&) const = default;
  };
  /// Fills deviceXy_ with the centres in device pixels; returns how many discs reach into view.
  std::size_t toDevice(const QMatrix4x4& proj, const QSize& px, float radiusPx);
  PaintKey paintKey(const LayerModel& layers, const QSize& px, float radiusPx) const;
  /// Composites the visible layers bottom-up into painted_ within `clip`.
  void paintLayers(const LayerModel& layers, float radiusPx, const SplatImage::Box& clip);
  /// Paints the layers into painted_ where that is the faster way (a software rasteriser, many
  /// small discs in view), reusing or shifting the last image when it can; false when it is not.
  bool paint(GlRenderer& gl, const LayerModel& layers, const QMatrix4x4& proj, float pxPerFrame);

  std::vector<QPointF> centres_;
  double diameter_ = 0;
  double cell_ = 1;
  std::unordered_map<std::int64_t, std::vector<int>> grid_;
  std::vector<int> selection_;
  std::vector<std::uint8_t> selectedMask_;
  bool outlines_ = true;

  GLuint centreBuffer_ = 0, selectedBuffer_ = 0;
  bool centresDirty_ = true, selectionDirty_ = true;
  std::unordered_map<std::uint64_t, ColorBuffer> colorBuffers_;  // by layer id
  std::vector<GLuint> retired_;  // buffers of removed layers, deleted with the context current

  SplatImage painted_;
  std::vector<float> deviceXy_;
  GLuint paintedTex_ = 0;
  bool lastPainted_ = false;
  bool upload_ = false;  // painted_ changed since it was last uploaded
  std::vector<std::uint8_t> composed_;  // painted_ over the slide (SlideUnder)
  bool texComposed_ = false;            // paintedTex_ holds composed_, of texSerial_
  std::uint64_t texSerial_ = 0;
  QPointF deviceScale_, deviceOffset_;  // this frame's frame -> device mapping
  PaintKey paintedKey_;                  // what painted_ shows, with its own offset
  QPointF paintedOffset_;
  bool paintedValid_ = false;
  std::uint64_t spotsVersion_ = 0, selectionVersion_ = 0;
  QSize paintedTexSize_;
};

}  // namespace stamp::widgets
