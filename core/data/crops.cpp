#include "data/crops.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace stamp::core::data {

Result<ChannelOrder> parseChannelOrder(const std::string& s) {
  if (s == "rgb" || s == "RGB") return ChannelOrder::RGB;
  if (s == "bgr" || s == "BGR") return ChannelOrder::BGR;
  return makeError(ErrorCode::InvalidArgument, "channel_order must be 'rgb' or 'bgr', got '" + s + "'");
}

Result<double> cropMagnification(const slide::SlideReader& slide, std::optional<double> user) {
  if (user) {
    if (!(*user > 0) || *user > 200)
      return makeError(ErrorCode::InvalidArgument, "magnification must be in (0, 200]", slide.path());
    return *user;
  }
  if (auto mpp = slide.mpp(); mpp && *mpp > 0) return 10.0 / *mpp;
  if (auto p = slide.objectivePower(); p && *p > 0) return *p;
  return makeError(ErrorCode::InvalidArgument,
                   "the slide records neither its pixel size nor its magnification; give one "
                   "(e.g. --mpp 0.5 or --magnification 20)",
                   slide.path());
}

bool squareInside(const Square& s, std::int64_t width, std::int64_t height) {
  return s.x0 >= 0 && s.y0 >= 0 && s.x0 + s.side <= double(width) && s.y0 + s.side <= double(height);
}

std::vector<int> validCells(double x, double y, double ps, std::int64_t width, std::int64_t height) {
  std::vector<int> out;
  for (int c = 0; c < 9; ++c)
    if (squareInside(regionSquare(x, y, ps, c), width, height)) out.push_back(c);
  return out;
}

RgbImage fromRgba(const slide::Image& img) {
  RgbImage out{img.width, img.height, std::vector<std::uint8_t>(std::size_t(img.width) * img.height * 3)};
  for (std::size_t i = 0, n = std::size_t(img.width) * img.height; i < n; ++i)
    for (int k = 0; k < 3; ++k) out.rgb[i * 3 + k] = img.rgba[i * 4 + k];
  return out;
}

RgbImage resizeRgb(const RgbImage& in, int w, int h) {
  if (in.width == w && in.height == h) return in;
  cv::Mat src(in.height, in.width, CV_8UC3, const_cast<std::uint8_t*>(in.rgb.data()));
  RgbImage out{w, h, std::vector<std::uint8_t>(std::size_t(w) * h * 3)};
  cv::Mat dst(h, w, CV_8UC3, out.rgb.data());
  cv::resize(src, dst, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
  return out;
}

Result<RgbImage> cropSquare(const slide::SlideReader& slide, const Square& sq, int out) {
  if (!(sq.side > 0)) return makeError(ErrorCode::InvalidArgument, "crop size must be positive", slide.path());
  // Read at the coarsest level that still has at least `out` pixels across the square.
  const int level = slide.bestLevelForDownsample(std::max(1.0, sq.side / out));
  const double ds = slide.level(level).downsample;
  const auto x0 = std::int64_t(std::floor(sq.x0)), y0 = std::int64_t(std::floor(sq.y0));
  const int side = std::max(1, int(std::lround(sq.side / ds)));
  STAMP_ASSIGN(slide::Image img, slide.readRegion(level, x0, y0, side, side));
  return resizeRgb(fromRgba(img), out, out);
}

void normalizeToChw(const RgbImage& img, ChannelOrder order, float* out) {
  static constexpr std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};
  static constexpr std::array<float, 3> stdev = {0.229f, 0.224f, 0.225f};
  const std::size_t plane = std::size_t(img.width) * img.height;
  for (int c = 0; c < 3; ++c) {
    // BGR checkpoints were trained on OpenCV-order arrays pushed through the usual
    // Normalize(mean, std): plane 0 holds blue but is normalised with the first (red) constants.
    const int src = order == ChannelOrder::RGB ? c : 2 - c;
    const float m = mean[std::size_t(c)], s = stdev[std::size_t(c)];
    float* dst = out + std::size_t(c) * plane;
    for (std::size_t i = 0; i < plane; ++i) dst[i] = (img.rgb[i * 3 + std::size_t(src)] / 255.0f - m) / s;
  }
}

}  // namespace stamp::core::data
