#pragma once
/// Spot discs drawn by the CPU into an image, exactly as the GL spot shader and the view's
/// blending draw them (disc, anti-aliased rim, outline, selection ring). For a software
/// rasteriser only: there a frame of 100,000 small discs costs ~20 ms of per-point setup and
/// binning, while the CPU paints the same discs in a few ms on two threads and the GL draws
/// one image (bench_render). No Qt, no GL: the view uploads the image.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace stamp::widgets {

/// One layer of discs: centres in device pixels (x, y down; 2 floats each), RGBA8 colours
/// (4 bytes each) and selection flags (1 byte each), `count` spots.
struct SplatLayer {
  const float* xy = nullptr;
  const std::uint8_t* rgba = nullptr;
  const std::uint8_t* selected = nullptr;
  std::size_t count = 0;
  float radiusPx = 1;
  float opacity = 1;
  bool outline = true;
};

/// A premultiplied RGBA8 image, rows top-down, that layers are composited into ("over").
class SplatImage {
 public:
  /// Resizes and clears to transparent.
  void reset(int width, int height);
  int width() const { return width_; }
  int height() const { return height_; }
  const std::uint8_t* data() const { return px_.data(); }
  /// The premultiplied pixel at (x, y).
  const std::uint8_t* at(int x, int y) const { return &px_[(std::size_t(y) * width_ + x) * 4]; }

  /// A pixel rectangle [x0, x1) x [y0, y1).
  struct Box {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool empty() const { return x0 >= x1 || y0 >= y1; }
  };
  Box all() const { return {0, 0, width_, height_}; }

  /// Composites `layer` over the pixels in `clip`, rows split across up to `threads` threads.
  void composite(const SplatLayer& layer, const Box& clip, int threads);
  /// composite() of one thread: the pixels in `clip` only.
  void compositeBox(const SplatLayer& layer, const Box& clip);
  /// This image over an opaque image of the same size whose rows run bottom-up (a framebuffer
  /// read back), into `out`: opaque RGBA8, rows top-down; rows split across `threads`.
  void composeOver(const std::uint8_t* under, std::vector<std::uint8_t>& out, int threads) const;
  /// Moves the content by (-dx, -dy) (a view panned by (dx, dy) device pixels) and clears what
  /// is uncovered; returns the uncovered strips (at most two; empty boxes when none).
  std::pair<Box, Box> shift(int dx, int dy);

 private:
  int width_ = 0, height_ = 0;
  std::vector<std::uint8_t> px_;
};

}  // namespace stamp::widgets
