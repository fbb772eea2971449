// PDF figures (structure, xref, spot circles and colours, page size from the DPI) and direct
// RGB layers (embedding PCA colours) in PNG / SVG.
#include <gtest/gtest.h>

#include <cmath>
#include <array>
#include <map>
#include <set>
#include <regex>

#include <opencv2/imgcodecs.hpp>
#include <zlib.h>

#include "analysis/differential.h"
#include "common/atomic_file.h"
#include "demo_fixture.h"
#include "figure/figure.h"

namespace fig = stamp::core::figure;
using namespace stamp::core;

namespace {

fig::FigureInput totalsInput(const stamp::test::LoadedDemo& l) {
  fig::FigureInput in{&l.sample, l.slide.get(), 1.0, l.slide->mpp(), {}};
  in.layer.name = "total_counts";
  in.layer.label = "total counts";
  for (std::size_t i = 0; i < l.sample.spotCount(); ++i) in.layer.values.push_back(double(i % 17));
  return in;
}

std::string inflate(const std::string& z) {
  std::string out(z.size() * 20 + 1024, '\0');
  for (;;) {
    uLongf size = uLongf(out.size());
    const int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &size,
                              reinterpret_cast<const Bytef*>(z.data()), uLong(z.size()));
    if (rc == Z_BUF_ERROR) { out.resize(out.size() * 4); continue; }
    EXPECT_EQ(rc, Z_OK);
    out.resize(size);
    return out;
  }
}

// The stream of object `n` (found through the xref table), inflated.
struct Pdf {
  std::string bytes;
  std::map<int, std::size_t> offsets;
  std::string dict(int n) const {
    const auto at = offsets.at(n);
    return bytes.substr(at, bytes.find("endobj", at) - at);
  }
  std::string stream(int n) const {
    const std::string d = dict(n);
    std::smatch m;
    EXPECT_TRUE(std::regex_search(d, m, std::regex("/Length (\\d+)")));
    const auto begin = offsets.at(n) + d.find("stream\n") + 7;
    return inflate(bytes.substr(begin, std::stoul(m[1])));
  }
};

Pdf parsePdf(const std::string& path) {
  Pdf pdf{*readFile(path), {}};
  const std::string& b = pdf.bytes;
  EXPECT_EQ(b.rfind("%PDF-1.4", 0), 0u);
  EXPECT_EQ(b.substr(b.size() - 6), "%%EOF\n");
  const auto sx = b.rfind("startxref\n");
  const std::size_t xref = std::stoul(b.substr(sx + 10));
  EXPECT_EQ(b.compare(xref, 5, "xref\n"), 0);
  std::smatch m;
  const std::string head = b.substr(xref, 40);
  EXPECT_TRUE(std::regex_search(head, m, std::regex("xref\n0 (\\d+)\n")));
  const int count = std::stoi(m[1]);
  const std::size_t first = xref + m.length(0) + 20;  // skip the free entry
  for (int n = 1; n < count; ++n) {
    const std::size_t off = std::stoul(b.substr(first + std::size_t(n - 1) * 20, 10));
    EXPECT_EQ(b.compare(off, std::to_string(n).size() + 6, std::to_string(n) + " 0 obj"), 0) << "object " << n;
    pdf.offsets[n] = off;
  }
  return pdf;
}

int countOf(const std::string& s, const std::string& what) {
  int n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(FigurePdf, WellFormedWithOneVectorCirclePerSpotInItsColour) {
  const auto l = stamp::test::loadFigureDemo();
  auto in = totalsInput(l);
  fig::FigureOptions o;
  o.widthPx = 600;
  o.dpi = 150;
  o.title = "Totals µm (test)";
  const auto out = (stamp::test::scratchDir("figure-pdf") / "totals.pdf").string();
  auto f = fig::writeFigure(in, o, out, {{"slide", l.slide->path()}});
  ASSERT_TRUE(f.ok()) << f.error().describe();
  const Pdf pdf = parsePdf(out);
  ASSERT_GE(pdf.offsets.size(), 8u);
  std::smatch m;
  const std::string page = pdf.dict(3);
  ASSERT_TRUE(std::regex_search(page, m, std::regex("/MediaBox \\[0 0 ([0-9.]+) ([0-9.]+)\\]")));
  EXPECT_NEAR(std::stod(m[1]), f->width * 72.0 / 150, 0.01);
  EXPECT_NEAR(std::stod(m[2]), f->height * 72.0 / 150, 0.01);
  const std::string content = pdf.stream(4);
  EXPECT_EQ(countOf(content, " c f\n"), int(f->drawnSpots.size()));  // numeric layer: no legend dots
  EXPECT_NE(content.find("(Totals \xB5m \\(test\\)) Tj"), std::string::npos);  // WinAnsi µ, escaped parentheses
  // Every spot's colour is set (as an "r g b rg" fill) in the content stream.
  std::set<std::array<int, 3>> fills;
  const std::regex rg("([0-9.]+) ([0-9.]+) ([0-9.]+) rg");
  for (auto it = std::sregex_iterator(content.begin(), content.end(), rg); it != std::sregex_iterator(); ++it)
    fills.insert({int(std::lround(std::stod((*it)[1]) * 100)), int(std::lround(std::stod((*it)[2]) * 100)),
                  int(std::lround(std::stod((*it)[3]) * 100))});
  for (std::size_t k = 0; k < f->drawnSpots.size(); ++k) {
    // From the colour map itself, not the renderer's own per-spot helper.
    const auto c = fig::mapValue(o.cmap, in.layer.values[std::size_t(f->drawnSpots[k])], f->vmin, f->vmax);
    const std::array<int, 3> want{int(std::lround(c.r / 2.55)), int(std::lround(c.g / 2.55)), int(std::lround(c.b / 2.55))};
    bool found = false;  // "%.2f" and lround may round a half differently
    for (int d = 0; d < 27 && !found; ++d)
      found = fills.count({want[0] + d % 3 - 1, want[1] + d / 3 % 3 - 1, want[2] + d / 9 - 1}) > 0;
    EXPECT_TRUE(found) << "spot " << f->drawnSpots[k];
  }
  const std::string image = pdf.dict(5);
  EXPECT_NE(image.find("/Width " + std::to_string(f->mapW)), std::string::npos);
  EXPECT_EQ(pdf.stream(5).size(), std::size_t(f->mapW) * std::size_t(f->mapH) * 3);
  auto side = nlohmann::json::parse(*readFile(out + ".json"));
  EXPECT_EQ(side["format"], "pdf");
}

TEST(FigurePdf, CategoricalLegendDotsAndUnknownFormat) {
  const auto l = stamp::test::loadFigureDemo();
  auto in = totalsInput(l);
  in.layer.categorical = true;
  in.layer.categories = {"a", "b", "c"};
  in.layer.values.clear();
  for (std::size_t i = 0; i < l.sample.spotCount(); ++i) in.layer.codes.push_back(int(i % 3));
  fig::FigureOptions o;
  o.widthPx = 400;
  const auto dir = stamp::test::scratchDir("figure-pdf-cat");
  auto f = fig::writeFigure(in, o, (dir / "c.pdf").string(), {});
  ASSERT_TRUE(f.ok()) << f.error().describe();
  const std::string content = parsePdf((dir / "c.pdf").string()).stream(4);
  EXPECT_EQ(countOf(content, " c f\n"), int(f->drawnSpots.size()) + 3);
  auto bad = fig::writeFigure(in, o, (dir / "c.eps").string(), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().describe().find(".pdf"), std::string::npos);
}

TEST(FigureRgb, DirectColoursReachPngAndSvg) {
  const auto l = stamp::test::loadFigureDemo();
  auto in = totalsInput(l);
  in.layer.values.clear();
  in.layer.name = "embedding:pca:image";
  for (std::size_t i = 0; i < l.sample.spotCount(); ++i)
    in.layer.rgb.insert(in.layer.rgb.end(), {std::uint8_t(i * 37 % 256), std::uint8_t(200), std::uint8_t(i % 2 ? 30 : 220)});
  fig::FigureOptions o;
  o.widthPx = 800;
  o.opacity = 1.0;
  const auto dir = stamp::test::scratchDir("figure-rgb");
  auto f = fig::writeFigure(in, o, (dir / "rgb.png").string(), {});
  ASSERT_TRUE(f.ok()) << f.error().describe();
  const cv::Mat img = cv::imread((dir / "rgb.png").string());
  int checked = 0;
  for (std::size_t i : f->drawnSpots) {
    const auto& s = l.sample.spots[i];
    const cv::Vec3b px = img.at<cv::Vec3b>(int(std::lround(f->mapY + (s.y - f->region.y) * f->scale)),
                                           int(std::lround(f->mapX + (s.x - f->region.x) * f->scale)));
    EXPECT_NEAR(px[2], in.layer.rgb[3 * i], 3);
    EXPECT_NEAR(px[1], 200, 3);
    EXPECT_NEAR(px[0], in.layer.rgb[3 * i + 2], 3);
    ++checked;
  }
  EXPECT_GT(checked, 20);
  auto side = nlohmann::json::parse(*readFile((dir / "rgb.png.json").string()));
  EXPECT_EQ(side["layer"]["kind"], "rgb");
  ASSERT_TRUE(fig::writeFigure(in, o, (dir / "rgb.svg").string(), {}).ok());
  const std::string svg = *readFile((dir / "rgb.svg").string());
  EXPECT_EQ(svg.find("cbar"), std::string::npos);  // no colour bar for direct colours
  EXPECT_EQ(countOf(svg, "<circle"), int(f->drawnSpots.size()));
  in.layer.rgb.pop_back();
  auto bad = fig::layoutFigure(in, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::Mismatch);
}
