// SVG figures: the slide region is an embedded PNG; spots, scale bar, colour bar / legend and
// text are vector elements so that journals' editors can restyle them. Spots are the only
// <circle> elements (legend markers are rounded <rect>s), one per drawn spot.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "figure/figure_internal.h"

namespace stamp::core::figure::detail {
namespace {

std::string base64(const std::vector<std::uint8_t>& bytes) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t(bytes[i]) << 16) |
                            (i + 1 < bytes.size() ? std::uint32_t(bytes[i + 1]) << 8 : 0) |
                            (i + 2 < bytes.size() ? std::uint32_t(bytes[i + 2]) : 0);
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? k[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? k[n & 63] : '=';
  }
  return out;
}

std::string xmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

void text(std::ostream& os, double x, double y, double px, const std::string& s,
          const char* anchor = "start", const char* weight = "normal") {
  // Font size such that the cap height (~0.72 em in Helvetica/Arial) matches the raster's.
  os << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" font-size=\"" << num(px / 0.72)
     << "\" text-anchor=\"" << anchor << "\" font-weight=\"" << weight << "\">" << xmlEscape(s)
     << "</text>\n";
}

void spots(std::ostream& os, const FigureInput& in, const FigureOptions& o, const FigureLayout& f) {
  os << "<g clip-path=\"url(#map)\" fill-opacity=\"" << num(o.opacity) << "\" stroke=\"none\">\n";
  for (std::size_t i : f.drawnSpots) {
    const auto& s = in.sample->spots[i];
    os << "<circle cx=\"" << num(f.mapX + (s.x - f.region.x) * f.scale) << "\" cy=\""
       << num(f.mapY + (s.y - f.region.y) * f.scale) << "\" r=\"" << num(f.spotRadiusPx)
       << "\" fill=\"" << hexColor(spotColor(in, o, f, i)) << "\"/>\n";
  }
  os << "</g>\n";
}

void scaleBar(std::ostream& os, const FigureLayout& f, const TextStyle& t) {
  if (f.scaleBarPx <= 0) return;
  const ScaleBarBox b = scaleBarBox(f, t);
  os << "<rect x=\"" << num(b.x) << "\" y=\"" << num(b.y) << "\" width=\"" << num(b.w)
     << "\" height=\"" << num(b.h) << "\" fill=\"#ffffff\" fill-opacity=\"0.8\"/>\n";
  os << "<rect id=\"scale-bar\" x=\"" << num(b.barX) << "\" y=\"" << num(b.barY)
     << "\" width=\"" << num(b.barW) << "\" height=\"" << num(b.barH) << "\" fill=\"#222222\"/>\n";
  text(os, b.x + b.w / 2, b.barY - t.px * 0.5, t.px, f.scaleBarLabel, "middle");
}

void colorBar(std::ostream& os, const FigureOptions& o, const FigureLayout& f, const TextStyle& t) {
  const auto [x, top, barW, len] = colorBarRect(f, t);
  os << "<defs><linearGradient id=\"cbar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
  for (int i = 0; i <= 16; ++i)
    os << "<stop offset=\"" << num(i / 16.0) << "\" stop-color=\"" << hexColor(mapContinuous(o.cmap, i / 16.0))
       << "\"/>\n";
  os << "</linearGradient></defs>\n";
  os << "<rect x=\"" << num(x) << "\" y=\"" << num(top) << "\" width=\"" << num(barW)
     << "\" height=\"" << num(len) << "\" fill=\"url(#cbar)\" stroke=\"#222222\" stroke-width=\"1\"/>\n";
  for (auto [y, v] : {std::pair{top, f.vmax}, std::pair{top + len, f.vmin}}) {
    os << "<line x1=\"" << num(x + barW) << "\" y1=\"" << num(y) << "\" x2=\"" << num(x + barW + t.px * 0.4)
       << "\" y2=\"" << num(y) << "\" stroke=\"#222222\" stroke-width=\"" << t.thickness << "\"/>\n";
    text(os, x + barW + t.px * 0.7, y + t.px / 2, t.px, formatNumber(v));
  }
}

void legend(std::ostream& os, const FigureInput& in, const FigureLayout& f, const TextStyle& t) {
  const double row = int(t.px * 1.8);
  double y = f.mapY + t.px * 3.0 + row / 2;
  for (std::size_t c = 0; c < in.layer.categories.size(); ++c, y += row) {
    const double r = t.px * 0.6;
    os << "<rect x=\"" << num(f.panelX) << "\" y=\"" << num(y - r) << "\" width=\"" << num(2 * r)
       << "\" height=\"" << num(2 * r) << "\" rx=\"" << num(r) << "\" fill=\""
       << hexColor(categoricalColor(int(c))) << "\"/>\n";
    text(os, f.panelX + t.px * 1.7, y + t.px / 2, t.px, in.layer.categories[c]);
  }
}

}  // namespace

Result<std::string> renderSvg(const FigureInput& in, const FigureOptions& o, const FigureLayout& f,
                              const cv::Mat& background) {
  STAMP_ASSIGN(auto png, encodePng(background, o.dpi));
  const auto t = textStyle(f.mapW);
  std::ostringstream os;
  // Physical size from the DPI so that the vector and raster exports print alike.
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
     << "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\""
     << num(f.width * 72.0 / o.dpi) << "pt\" height=\"" << num(f.height * 72.0 / o.dpi) << "pt\" viewBox=\"0 0 "
     << f.width << " " << f.height << "\" font-family=\"Helvetica, Arial, sans-serif\" fill=\"#222222\">\n";
  os << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  os << "<defs><clipPath id=\"map\"><rect x=\"" << f.mapX << "\" y=\"" << f.mapY << "\" width=\"" << f.mapW
     << "\" height=\"" << f.mapH << "\"/></clipPath></defs>\n";
  os << "<image x=\"" << f.mapX << "\" y=\"" << f.mapY << "\" width=\"" << f.mapW << "\" height=\"" << f.mapH
     << "\" preserveAspectRatio=\"none\" xlink:href=\"data:image/png;base64," << base64(png) << "\"/>\n";
  spots(os, in, o, f);
  os << "<rect x=\"" << f.mapX - 0.5 << "\" y=\"" << f.mapY - 0.5 << "\" width=\"" << f.mapW + 1 << "\" height=\""
     << f.mapH + 1 << "\" fill=\"none\" stroke=\"#5a5a5a\" stroke-width=\"1\"/>\n";
  scaleBar(os, f, t);
  text(os, f.panelX, f.mapY + t.px * 1.2, t.px, in.layer.label);
  if (in.layer.categorical) legend(os, in, f, t);
  else if (!in.layer.isRgb()) colorBar(os, o, f, t);
  if (!o.title.empty()) text(os, f.mapX, f.mapY - t.px * 1.1, t.px * 1.3, o.title, "start", "bold");
  os << "</svg>\n";
  return os.str();
}

}  // namespace stamp::core::figure::detail
