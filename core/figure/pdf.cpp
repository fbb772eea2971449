// PDF figures without a PDF library: one page whose user space is the figure's pixel grid
// (flipped so y grows downwards, scaled by 72/dpi so that the print size matches the raster
// export). Spots are filled Bézier circles, text uses the base-14 Helvetica fonts (no
// embedding needed), the slide region is one Flate-compressed RGB image XObject.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <opencv2/imgproc.hpp>
#include <zlib.h>

#include "figure/figure_internal.h"

namespace stamp::core::figure::detail {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (s.size() > 1 && s.back() == '0') s.pop_back();  // short numbers keep the stream small
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string rgbFill(Rgba8 c) {
  return num(c.r / 255.0) + " " + num(c.g / 255.0) + " " + num(c.b / 255.0) + " rg\n";
}

// Helvetica advance widths (1/1000 em) for ASCII 32..126, from the base-14 AFM metrics.
const short kHelvetica[95] = {
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584};

// UTF-8 -> WinAnsiEncoding bytes (Latin-1 for U+00A0..U+00FF, which covers "µ"); other code
// points become '?' since base-14 fonts have no glyphs for them.
std::string winAnsi(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) out += char(c);
    else if ((c == 0xC2 || c == 0xC3) && i + 1 < s.size()) out += char(((c & 0x03) << 6) | (s[++i] & 0x3F));
    else if (c >= 0xC0) {
      out += '?';
      while (i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) ++i;
    }
  }
  return out;
}

double textWidthPx(const std::string& ansi, double fontPx) {
  double w = 0;
  for (unsigned char c : ansi) w += (c >= 32 && c <= 126) ? kHelvetica[c - 32] : 556;
  return w * fontPx / 1000.0;
}

// Text at (x, baseline y) in flipped figure space; `anchor` 0 start, 0.5 middle.
void text(std::ostream& os, double x, double y, double capPx, const std::string& s,
          double anchor = 0, bool bold = false) {
  const std::string ansi = winAnsi(s);
  const double size = capPx / 0.72;  // Helvetica's cap height is ~0.72 em
  std::string esc;
  for (char c : ansi) {
    if (c == '(' || c == ')' || c == '\\') esc += '\\';
    esc += c;
  }
  x -= anchor * textWidthPx(ansi, size);
  os << "BT /" << (bold ? "F2 " : "F1 ") << num(size) << " Tf 1 0 0 -1 " << num(x) << " " << num(y)
     << " Tm (" << esc << ") Tj ET\n";
}

// A circle as four cubic Bézier arcs (kappa = 0.5523 keeps the radius error under 0.03%).
void circle(std::ostream& os, double cx, double cy, double r) {
  const double k = 0.5523 * r;
  os << num(cx + r) << " " << num(cy) << " m "
     << num(cx + r) << " " << num(cy + k) << " " << num(cx + k) << " " << num(cy + r) << " " << num(cx) << " " << num(cy + r) << " c "
     << num(cx - k) << " " << num(cy + r) << " " << num(cx - r) << " " << num(cy + k) << " " << num(cx - r) << " " << num(cy) << " c "
     << num(cx - r) << " " << num(cy - k) << " " << num(cx - k) << " " << num(cy - r) << " " << num(cx) << " " << num(cy - r) << " c "
     << num(cx + k) << " " << num(cy - r) << " " << num(cx + r) << " " << num(cy - k) << " " << num(cx + r) << " " << num(cy) << " c f\n";
}

void rect(std::ostream& os, double x, double y, double w, double h, const char* op = "f") {
  os << num(x) << " " << num(y) << " " << num(w) << " " << num(h) << " re " << op << "\n";
}

void spots(std::ostream& os, const FigureInput& in, const FigureOptions& o, const FigureLayout& f) {
  os << "q\n";
  rect(os, f.mapX, f.mapY, f.mapW, f.mapH, "W n");
  os << "/GSspots gs\n";
  for (std::size_t i : f.drawnSpots) {
    const auto& s = in.sample->spots[i];
    os << rgbFill(spotColor(in, o, f, i));
    circle(os, f.mapX + (s.x - f.region.x) * f.scale, f.mapY + (s.y - f.region.y) * f.scale, f.spotRadiusPx);
  }
  os << "Q\n";
}

void scaleBar(std::ostream& os, const FigureLayout& f, const TextStyle& t) {
  if (f.scaleBarPx <= 0) return;
  const ScaleBarBox b = scaleBarBox(f, t);
  os << "q /GSbox gs 1 1 1 rg\n";
  rect(os, b.x, b.y, b.w, b.h);
  os << "Q\n0.133 0.133 0.133 rg\n";
  rect(os, b.barX, b.barY, b.barW, b.barH);
  text(os, b.x + b.w / 2, b.barY - t.px * 0.5, t.px, f.scaleBarLabel, 0.5);
}

void colorBar(std::ostream& os, const FigureOptions& o, const FigureLayout& f, const TextStyle& t) {
  const auto [x, top, barW, len] = colorBarRect(f, t);
  const int steps = 64;  // vector bands, fine enough to look continuous in print
  for (int i = 0; i < steps; ++i) {
    os << rgbFill(mapContinuous(o.cmap, 1.0 - (i + 0.5) / steps));
    rect(os, x, top + len * i / steps, barW, len / steps + 0.3);
  }
  os << "0.133 0.133 0.133 RG 0.133 0.133 0.133 rg 1 w\n";
  rect(os, x, top, barW, len, "S");
  for (auto [y, v] : {std::pair{top, f.vmax}, std::pair{top + len, f.vmin}}) {
    os << num(x + barW) << " " << num(y) << " m " << num(x + barW + t.px * 0.4) << " " << num(y) << " l S\n";
    text(os, x + barW + t.px * 0.7, y + t.px / 2, t.px, formatNumber(v));
  }
}

void legend(std::ostream& os, const FigureInput& in, const FigureLayout& f, const TextStyle& t) {
  const double row = int(t.px * 1.8);
  double y = f.mapY + t.px * 3.0 + row / 2;
  for (std::size_t c = 0; c < in.layer.categories.size(); ++c, y += row) {
    os << rgbFill(categoricalColor(int(c)));
    circle(os, f.panelX + t.px * 0.6, y, t.px * 0.6);
    os << "0.133 0.133 0.133 rg\n";
    text(os, f.panelX + t.px * 1.7, y + t.px / 2, t.px, in.layer.categories[c]);
  }
}

Result<std::string> deflate(const std::string& raw) {
  uLongf size = compressBound(uLong(raw.size()));
  std::string out(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                uLong(raw.size()), 6) != Z_OK)
    return makeError(ErrorCode::Internal, "PDF: zlib compression failed");
  out.resize(size);
  return out;
}

std::string pageContent(const FigureInput& in, const FigureOptions& o, const FigureLayout& f) {
  const auto t = textStyle(f.mapW);
  const double s = 72.0 / o.dpi;
  std::ostringstream os;
  os << num(s) << " 0 0 " << num(-s) << " 0 " << num(f.height * s) << " cm\n";  // pixels, y down
  os << "1 1 1 rg\n";
  rect(os, 0, 0, f.width, f.height);
  os << "q " << f.mapW << " 0 0 " << -f.mapH << " " << f.mapX << " " << f.mapY + f.mapH << " cm /Map Do Q\n";
  spots(os, in, o, f);
  os << "0.353 0.353 0.353 RG 1 w\n";
  rect(os, f.mapX - 0.5, f.mapY - 0.5, f.mapW + 1, f.mapH + 1, "S");
  scaleBar(os, f, t);
  os << "0.133 0.133 0.133 rg\n";
  text(os, f.panelX, f.mapY + t.px * 1.2, t.px, in.layer.label);
  if (in.layer.categorical) legend(os, in, f, t);
  else if (!in.layer.isRgb()) colorBar(os, o, f, t);
  os << "0.133 0.133 0.133 rg\n";
  if (!o.title.empty()) text(os, f.mapX, f.mapY - t.px * 1.1, t.px * 1.3, o.title, 0, true);
  return os.str();
}

// Serialises numbered objects with a correct xref table (byte offsets) and trailer.
class PdfBuilder {
 public:
  void object(const std::string& dict, const std::string* stream = nullptr) {
    offsets_.push_back(out_.size());
    out_ += std::to_string(offsets_.size()) + " 0 obj\n" + dict;
    if (stream) out_ += "\nstream\n" + *stream + "\nendstream";
    out_ += "\nendobj\n";
  }
  std::vector<std::uint8_t> finish() {
    const std::size_t xref = out_.size();
    out_ += "xref\n0 " + std::to_string(offsets_.size() + 1) + "\n0000000000 65535 f \n";
    char line[24];
    for (std::size_t off : offsets_) {
      std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
      out_ += line;
    }
    out_ += "trailer\n<< /Size " + std::to_string(offsets_.size() + 1) + " /Root 1 0 R /Info 7 0 R >>\nstartxref\n" +
            std::to_string(xref) + "\n%%EOF\n";
    return {out_.begin(), out_.end()};
  }

 private:
  std::string out_ = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";  // binary marker: transfer tools keep 8 bits
  std::vector<std::size_t> offsets_;
};

}  // namespace

Result<std::vector<std::uint8_t>> renderPdf(const FigureInput& in, const FigureOptions& o,
                                            const FigureLayout& f, const cv::Mat& background) {
  if (background.type() != CV_8UC3 || background.cols != f.mapW || background.rows != f.mapH)
    return makeError(ErrorCode::Internal, "PDF: background does not match the map size");
  cv::Mat rgb;
  cv::cvtColor(background, rgb, cv::COLOR_BGR2RGB);  // cvtColor output is continuous
  STAMP_ASSIGN(auto image, deflate(std::string(reinterpret_cast<const char*>(rgb.data), rgb.total() * 3)));
  STAMP_ASSIGN(auto content, deflate(pageContent(in, o, f)));
  const double s = 72.0 / o.dpi;
  PdfBuilder pdf;
  pdf.object("<< /Type /Catalog /Pages 2 0 R >>");
  pdf.object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  pdf.object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + num(f.width * s) + " " + num(f.height * s) +
             "] /Contents 4 0 R /Resources << /XObject << /Map 5 0 R >> /Font << /F1 6 0 R /F2 8 0 R >>"
             " /ExtGState << /GSspots << /ca " + num(o.opacity) + " >> /GSbox << /ca 0.8 >> >> >> >>");
  pdf.object("<< /Length " + std::to_string(content.size()) + " /Filter /FlateDecode >>", &content);
  pdf.object("<< /Type /XObject /Subtype /Image /Width " + std::to_string(f.mapW) + " /Height " +
                 std::to_string(f.mapH) + " /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length " +
                 std::to_string(image.size()) + " >>",
             &image);
  pdf.object("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  std::string title;
  for (char c : winAnsi(o.title.empty() ? in.layer.label : o.title))
    if (c != '(' && c != ')' && c != '\\') title += c;
  pdf.object("<< /Producer (STAMP Studio figure) /Title (" + title + ") >>");
  pdf.object("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>");
  return pdf.finish();
}

}  // namespace stamp::core::figure::detail
