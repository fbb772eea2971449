#include "data/tissue.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace stamp::core::data {

double TissueMask::tissueFraction(double x0, double y0, double side) const {
  const int mx0 = std::max(0, int(std::floor(x0 / downsample)));
  const int my0 = std::max(0, int(std::floor(y0 / downsample)));
  const int mx1 = std::min(width, int(std::ceil((x0 + side) / downsample)));
  const int my1 = std::min(height, int(std::ceil((y0 + side) / downsample)));
  if (mx1 <= mx0 || my1 <= my0) return 0;
  std::int64_t on = 0;
  for (int y = my0; y < my1; ++y)
    for (int x = mx0; x < mx1; ++x) on += mask[std::size_t(y) * std::size_t(width) + std::size_t(x)];
  return double(on) / double((mx1 - mx0) * (my1 - my0));
}

Result<TissueMask> detectTissue(const slide::SlideReader& slide, int targetLongSide) {
  const auto l0 = slide.level(0);
  const double want = double(std::max(l0.width, l0.height)) / std::max(64, targetLongSide);
  const int level = slide.bestLevelForDownsample(std::max(1.0, want));
  const auto li = slide.level(level);
  // Read the chosen level whole, then shrink further in memory when it is still large.
  if (li.width * li.height > (std::int64_t(1) << 26))
    return makeError(ErrorCode::Unsupported, "the slide has no level small enough to find tissue on", slide.path());
  STAMP_ASSIGN(slide::Image img, slide.readRegion(level, 0, 0, int(li.width), int(li.height)));
  cv::Mat rgba(img.height, img.width, CV_8UC4, img.rgba.data()), rgb, hsv;
  cv::cvtColor(rgba, rgb, cv::COLOR_RGBA2RGB);
  double extra = std::max(1.0, double(std::max(img.width, img.height)) / targetLongSide);
  if (extra > 1.0) cv::resize(rgb, rgb, cv::Size(int(img.width / extra), int(img.height / extra)), 0, 0, cv::INTER_AREA);
  cv::cvtColor(rgb, hsv, cv::COLOR_RGB2HSV);
  std::vector<cv::Mat> ch;
  cv::split(hsv, ch);
  cv::Mat sat, mask;
  cv::GaussianBlur(ch[1], sat, cv::Size(5, 5), 0);
  double t = cv::threshold(sat, mask, 0, 1, cv::THRESH_BINARY | cv::THRESH_OTSU);
  if (t < 15) cv::threshold(sat, mask, 15, 1, cv::THRESH_BINARY);  // nearly blank slide: Otsu would split noise
  cv::Mat kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5));
  cv::morphologyEx(mask, mask, cv::MORPH_OPEN, kernel);
  cv::morphologyEx(mask, mask, cv::MORPH_CLOSE, kernel);
  TissueMask out;
  out.width = mask.cols;
  out.height = mask.rows;
  out.downsample = double(l0.width) / mask.cols;
  out.mask.assign(mask.datastart, mask.dataend);
  return out;
}

std::vector<GridPatch> tissueGrid(const TissueMask& mask, std::int64_t width, std::int64_t height,
                                  double side, double step, double minTissue) {
  std::vector<GridPatch> out;
  if (side <= 0 || step <= 0) return out;
  int row = 0;
  for (double y0 = 0; y0 + side <= double(height); y0 += step, ++row) {
    int col = 0;
    for (double x0 = 0; x0 + side <= double(width); x0 += step, ++col)
      if (mask.tissueFraction(x0, y0, side) >= minTissue) out.push_back({x0 + side / 2, y0 + side / 2, row, col});
  }
  return out;
}

}  // namespace stamp::core::data
