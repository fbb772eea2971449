// Figure geometry: validation of the options, the region -> canvas transform, value limits,
// the scale bar's nice length and the space the legend panel needs.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "figure/figure_internal.h"

namespace stamp::core::figure {
namespace {

Status validateOptions(const FigureInput& in, const FigureOptions& o) {
  auto bad = [](std::string m) { return makeError(ErrorCode::InvalidArgument, std::move(m)); };
  if (!in.sample || !in.slide) return bad("figure: no sample or no slide given");
  if (o.widthPx < 64 || o.widthPx > 20000)
    return bad("--width must be 64..20000 pixels, got " + std::to_string(o.widthPx));
  if (o.dpi < 1 || o.dpi > 10000) return bad("--dpi must be 1..10000, got " + std::to_string(o.dpi));
  if (!(o.opacity >= 0 && o.opacity <= 1)) return bad("--opacity must be within 0..1");
  if (o.vmin && o.vmax && !(*o.vmax > *o.vmin)) return bad("--vmax must be greater than --vmin");
  if ((o.vmin && !std::isfinite(*o.vmin)) || (o.vmax && !std::isfinite(*o.vmax)))
    return bad("--vmin/--vmax must be finite numbers");
  const std::size_t n = in.sample->spotCount();
  const auto& l = in.layer;
  const std::size_t have = l.categorical ? l.codes.size() : l.isRgb() ? l.rgb.size() / 3 : l.values.size();
  if (have != n || (l.isRgb() && l.rgb.size() % 3 != 0))
    return makeError(ErrorCode::Mismatch, "layer '" + l.name + "' has a value count different from the " +
                                              std::to_string(n) + " spots");
  if (!(in.imageScale > 0)) return bad("figure: image scale must be positive");
  return {};
}

// The region in full-resolution pixels; the default is the whole image.
Result<Region> checkedRegion(const FigureInput& in, const FigureOptions& o) {
  const auto l0 = in.slide->level(0);
  const double W = double(l0.width) / in.imageScale, H = double(l0.height) / in.imageScale;
  if (!o.region) return Region{0, 0, W, H};
  const Region r = *o.region;
  char buf[200];
  std::snprintf(buf, sizeof buf, "--region %g,%g,%g,%g lies outside the slide (%.0f x %.0f px)",
                r.x, r.y, r.w, r.h, W, H);
  if (!(r.w > 0 && r.h > 0))
    return makeError(ErrorCode::InvalidArgument, "--region width and height must be positive");
  if (r.x < 0 || r.y < 0 || r.x + r.w > W + 0.5 || r.y + r.h > H + 0.5)
    return makeError(ErrorCode::OutOfRange, buf, in.slide->path());
  return r;
}

bool spotVisible(const st::Spot& s, const Region& r, double radius) {
  if (!std::isfinite(s.x) || !std::isfinite(s.y) || !s.inTissue) return false;
  return s.x + radius > r.x && s.x - radius < r.x + r.w && s.y + radius > r.y &&
         s.y - radius < r.y + r.h;
}

void computeLimits(const FigureInput& in, const FigureOptions& o, FigureLayout& f) {
  if (in.layer.categorical) {
    f.vmin = 0, f.vmax = std::max<double>(1, double(in.layer.categories.size()) - 1);
    return;
  }
  if (in.layer.isRgb()) return;  // direct colours: no limits (the sidecar keeps 0..1)
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i : f.drawnSpots) {
    const double v = in.layer.values[i];
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  f.vmin = o.vmin.value_or(lo);
  f.vmax = o.vmax.value_or(hi);
  if (o.vmin && !o.vmax && f.vmax <= f.vmin) f.vmax = f.vmin + 1;
  if (o.vmax && !o.vmin && f.vmin >= f.vmax) f.vmin = f.vmax - 1;
}

int panelWidth(const FigureInput& in, const detail::TextStyle& t, const FigureLayout& f) {
  int textW = detail::textWidth(in.layer.label, t);
  if (in.layer.categorical) {
    for (const auto& c : in.layer.categories) textW = std::max(textW, detail::textWidth(c, t) + int(t.px * 2));
  } else if (!in.layer.isRgb()) {
    const int ticks = std::max(detail::textWidth(detail::formatNumber(f.vmin), t),
                               detail::textWidth(detail::formatNumber(f.vmax), t));
    textW = std::max(textW, int(t.px * 2.2) + ticks);
  }
  return textW + int(t.px);
}

}  // namespace

Result<FigureLayout> layoutFigure(const FigureInput& in, const FigureOptions& o) {
  STAMP_CHECK(validateOptions(in, o));
  STAMP_ASSIGN(const Region region, checkedRegion(in, o));
  FigureLayout f;
  f.region = region;
  f.scale = double(o.widthPx) / region.w;
  f.mapW = o.widthPx;
  f.mapH = std::max(1, int(std::lround(region.h * f.scale)));
  if (f.mapH > 40000) return makeError(ErrorCode::InvalidArgument, "--region is too tall for --width");
  const double radiusFull = in.sample->spotDiameterPx() / 2;
  f.spotRadiusPx = radiusFull * f.scale;
  for (std::size_t i = 0; i < in.sample->spotCount(); ++i)
    if (spotVisible(in.sample->spots[i], region, radiusFull)) f.drawnSpots.push_back(i);
  computeLimits(in, o, f);

  const auto t = detail::textStyle(f.mapW);
  const int margin = int(std::lround(t.px * 1.5));
  f.mapX = margin;
  f.mapY = margin + (o.title.empty() ? 0 : int(std::lround(t.px * 2.6)));
  f.panelX = f.mapX + f.mapW + margin;
  f.width = f.panelX + panelWidth(in, t, f) + margin;
  const int legendH = int(in.layer.categories.size() + 2) * int(t.px * 1.8);
  f.height = f.mapY + std::max(f.mapH, in.layer.categorical ? legendH : 0) + margin;

  if (in.umPerPx && *in.umPerPx > 0) {
    const double umPerFigPx = *in.umPerPx / f.scale;
    f.scaleBarUm = niceScaleBarUm(0.2 * f.mapW * umPerFigPx);
    f.scaleBarPx = f.scaleBarUm / umPerFigPx;
    f.scaleBarLabel = formatLength(f.scaleBarUm);
  }
  const double ds = in.imageScale / f.scale;  // slide level-0 pixels per figure pixel
  f.backgroundLevel = in.slide->bestLevelForDownsample(std::max(1.0, ds));
  return f;
}

Rgba8 spotColor(const FigureInput& in, const FigureOptions& o, const FigureLayout& f, std::size_t i) {
  if (in.layer.categorical) return categoricalColor(in.layer.codes[i]);
  if (in.layer.isRgb()) return Rgba8{in.layer.rgb[3 * i], in.layer.rgb[3 * i + 1], in.layer.rgb[3 * i + 2], 255};
  return mapValue(o.cmap, in.layer.values[i], f.vmin, f.vmax);
}

double niceScaleBarUm(double maxUm) {
  if (!(maxUm > 0)) return 0;
  const double p = std::pow(10.0, std::floor(std::log10(maxUm)));
  for (double m : {5.0, 2.0, 1.0})
    if (m * p <= maxUm * (1 + 1e-9)) return m * p;
  return p;
}

std::string formatLength(double um) {
  if (um >= 1000) return detail::formatNumber(um / 1000) + " mm";
  return detail::formatNumber(um) + " \xC2\xB5m";
}

namespace detail {

TextStyle textStyle(int mapWidth, double factor) {
  TextStyle t;
  t.px = std::clamp(mapWidth / 64.0, 9.0, 60.0) * factor;
  int base = 0;
  const double capH = cv::getTextSize("H", cv::FONT_HERSHEY_SIMPLEX, 1.0, 1, &base).height;
  t.fontScale = t.px / capH;
  t.thickness = std::max(1, int(std::lround(t.px / 12)));
  return t;
}

int textWidth(const std::string& text, const TextStyle& t) {
  std::string ascii;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "\xC2\xB5") == 0) ascii += 'u', ++i;
    else ascii += text[i];
  }
  int base = 0;
  return cv::getTextSize(ascii, cv::FONT_HERSHEY_SIMPLEX, t.fontScale, t.thickness, &base).width;
}

std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

ScaleBarBox scaleBarBox(const FigureLayout& f, const TextStyle& t) {
  ScaleBarBox b;
  const double pad = t.px * 0.6;
  b.barH = std::max(2.0, t.px * 0.35);
  b.barW = f.scaleBarPx;
  b.w = std::max(f.scaleBarPx, double(textWidth(f.scaleBarLabel, t))) + 2 * pad;
  b.h = t.px * 1.6 + b.barH + 2 * pad;
  b.x = f.mapX + f.mapW - b.w - pad;
  b.y = f.mapY + f.mapH - b.h - pad;
  b.barX = b.x + (b.w - b.barW) / 2;
  b.barY = b.y + b.h - pad - b.barH;
  return b;
}

ColorBarRect colorBarRect(const FigureLayout& f, const TextStyle& t) {
  // Below the title line, at most half the map's height, never shorter than four text lines.
  return {double(f.panelX), f.mapY + t.px * 3.0, t.px * 1.1,
          std::max(t.px * 4, std::min(f.mapH * 0.55, f.mapH - t.px * 3))};
}

std::string hexColor(Rgba8 c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
  return buf;
}

}  // namespace detail
}  // namespace stamp::core::figure
