// Raster figures drawn with OpenCV: the slide region, anti-aliased true-size spots blended with
// the requested opacity, a scale bar, a colour bar or categorical legend, and a title.
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "figure/figure_internal.h"

namespace stamp::core::figure::detail {
namespace {

const cv::Scalar kInk(34, 34, 34);  // near-black text and lines (BGR)

cv::Scalar bgr(Rgba8 c) { return cv::Scalar(c.b, c.g, c.r); }

// Hershey fonts have no "µ": draw a "u" and give it the descender that makes it a mu.
void putLabel(cv::Mat& img, const std::string& text, cv::Point org, const TextStyle& t,
              cv::Scalar color = kInk) {
  const auto mu = text.find("\xC2\xB5");
  const std::string ascii =
      mu == std::string::npos ? text : text.substr(0, mu) + 'u' + text.substr(mu + 2);
  cv::putText(img, ascii, org, cv::FONT_HERSHEY_SIMPLEX, t.fontScale, color, t.thickness, cv::LINE_AA);
  if (mu == std::string::npos) return;
  const int x = org.x + textWidth(ascii.substr(0, mu), t) + int(std::lround(t.px * 0.12 + t.thickness * 0.5));
  const int top = org.y - int(std::lround(t.px * 0.72));
  cv::line(img, {x, top}, {x, org.y + int(std::lround(t.px * 0.35))}, color, t.thickness, cv::LINE_AA);
}

void drawSpots(cv::Mat& canvas, const FigureInput& in, const FigureOptions& o, const FigureLayout& f) {
  cv::Mat map = canvas(cv::Rect(f.mapX, f.mapY, f.mapW, f.mapH));
  cv::Mat overlay = map.clone();
  constexpr int kShift = 4;  // sub-pixel centres: spots sit where the coordinates say
  const double k = double(1 << kShift);
  const int r = std::max(1, int(std::lround(f.spotRadiusPx * k)));
  for (std::size_t i : f.drawnSpots) {
    const auto& s = in.sample->spots[i];
    const cv::Point c(int(std::lround((s.x - f.region.x) * f.scale * k)),
                      int(std::lround((s.y - f.region.y) * f.scale * k)));
    cv::circle(overlay, c, r, bgr(spotColor(in, o, f, i)), cv::FILLED, cv::LINE_AA, kShift);
  }
  cv::addWeighted(overlay, o.opacity, map, 1.0 - o.opacity, 0.0, map);
}

void drawScaleBar(cv::Mat& canvas, const FigureLayout& f, const TextStyle& t) {
  if (f.scaleBarPx <= 0) return;
  const int pad = int(t.px * 0.6);
  const int barH = std::max(2, int(std::lround(t.px * 0.35)));
  const int len = int(std::lround(f.scaleBarPx));
  const int labelW = textWidth(f.scaleBarLabel, t);
  const int boxW = std::max(len, labelW) + 2 * pad;
  const int boxH = int(t.px * 1.6) + barH + 2 * pad;
  const cv::Rect box(f.mapX + f.mapW - boxW - pad, f.mapY + f.mapH - boxH - pad, boxW, boxH);
  cv::Mat roi = canvas(box & cv::Rect(0, 0, canvas.cols, canvas.rows));
  cv::Mat white(roi.size(), roi.type(), cv::Scalar(255, 255, 255));
  cv::addWeighted(white, 0.8, roi, 0.2, 0.0, roi);  // a light box keeps the bar legible
  const int barX = box.x + (boxW - len) / 2, barY = box.y + box.height - pad - barH;
  cv::rectangle(canvas, cv::Rect(barX, barY, len, barH), kInk, cv::FILLED);
  putLabel(canvas, f.scaleBarLabel, {box.x + (boxW - labelW) / 2, barY - int(t.px * 0.5)}, t);
}

void drawColorBar(cv::Mat& canvas, const FigureOptions& o, const FigureLayout& f, const TextStyle& t) {
  const int barW = int(std::lround(t.px * 1.1));
  const int top = f.mapY + int(t.px * 3.0);
  const int len = std::max(int(t.px * 4), std::min(int(f.mapH * 0.55), f.mapH - int(t.px * 3)));
  for (int y = 0; y < len; ++y) {
    const double v = 1.0 - double(y) / std::max(1, len - 1);
    cv::line(canvas, {f.panelX, top + y}, {f.panelX + barW - 1, top + y}, bgr(mapContinuous(o.cmap, v)));
  }
  cv::rectangle(canvas, cv::Rect(f.panelX, top, barW, len), kInk, 1);
  const int tickX = f.panelX + barW;
  for (auto [y, v] : {std::pair{top, f.vmax}, std::pair{top + len - 1, f.vmin}}) {
    cv::line(canvas, {tickX, y}, {tickX + int(t.px * 0.4), y}, kInk, t.thickness);
    putLabel(canvas, formatNumber(v), {tickX + int(t.px * 0.7), y + int(t.px / 2)}, t);
  }
}

void drawLegend(cv::Mat& canvas, const FigureInput& in, const FigureLayout& f, const TextStyle& t) {
  const int row = int(t.px * 1.8);
  int y = f.mapY + int(t.px * 3.0) + row / 2;
  for (std::size_t c = 0; c < in.layer.categories.size(); ++c, y += row) {
    const cv::Point centre(f.panelX + int(t.px * 0.6), y);
    cv::circle(canvas, centre, int(t.px * 0.6), bgr(categoricalColor(int(c))), cv::FILLED, cv::LINE_AA);
    putLabel(canvas, in.layer.categories[c], {f.panelX + int(t.px * 1.7), y + int(t.px / 2)}, t);
  }
}

}  // namespace

Result<cv::Mat> renderBackground(const FigureInput& in, const FigureLayout& f) {
  const auto level = in.slide->level(f.backgroundLevel);
  const double ds = level.downsample;
  const double x0 = f.region.x * in.imageScale, y0 = f.region.y * in.imageScale;
  const int w = std::max(1, int(std::ceil(f.region.w * in.imageScale / ds)));
  const int h = std::max(1, int(std::ceil(f.region.h * in.imageScale / ds)));
  STAMP_ASSIGN(auto img, in.slide->readRegion(f.backgroundLevel, std::int64_t(x0), std::int64_t(y0), w, h));
  try {
    cv::Mat rgba(img.height, img.width, CV_8UC4, img.rgba.data());
    cv::Mat out;
    cv::cvtColor(rgba, out, cv::COLOR_RGBA2BGR);
    const bool shrink = out.cols > f.mapW;
    cv::resize(out, out, cv::Size(f.mapW, f.mapH), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_CUBIC);
    return out;
  } catch (const cv::Exception& e) {
    return makeError(ErrorCode::Internal, std::string("resampling the background failed: ") + e.what(),
                     in.slide->path());
  }
}

cv::Mat renderRaster(const FigureInput& in, const FigureOptions& o, const FigureLayout& f,
                     const cv::Mat& background) {
  cv::Mat canvas(f.height, f.width, CV_8UC3, cv::Scalar(255, 255, 255));
  background.copyTo(canvas(cv::Rect(f.mapX, f.mapY, f.mapW, f.mapH)));
  drawSpots(canvas, in, o, f);
  const auto t = textStyle(f.mapW);
  cv::rectangle(canvas, cv::Rect(f.mapX - 1, f.mapY - 1, f.mapW + 2, f.mapH + 2), cv::Scalar(90, 90, 90), 1);
  drawScaleBar(canvas, f, t);
  putLabel(canvas, in.layer.label, {f.panelX, f.mapY + int(t.px * 1.2)}, t);
  if (in.layer.categorical) drawLegend(canvas, in, f, t);
  else if (!in.layer.isRgb()) drawColorBar(canvas, o, f, t);
  if (!o.title.empty()) {
    const auto tt = textStyle(f.mapW, 1.3);
    putLabel(canvas, o.title, {f.mapX, f.mapY - int(t.px * 1.1)}, {tt.px, tt.fontScale, tt.thickness + 1});
  }
  return canvas;
}

}  // namespace stamp::core::figure::detail
