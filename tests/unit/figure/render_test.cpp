// The figure renderer on a generated demo sample: spot colours at their mapped centres, scale
// bar length, SVG circles, DPI tags and the sidecar.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <tiffio.h>

#include "analysis/differential.h"
#include "common/atomic_file.h"
#include "demo_fixture.h"
#include "figure/figure.h"

namespace fig = stamp::core::figure;
using namespace stamp::core;

namespace {

fig::FigureInput geneInput(const stamp::test::LoadedDemo& l, std::int64_t gene) {
  fig::FigureInput in{&l.sample, l.slide.get(), 1.0, l.slide->mpp(), {}};
  auto v = analysis::geneValues(l.sample, gene, analysis::Normalisation::Log1p);
  in.layer.name = "gene";
  in.layer.label = l.sample.genes[std::size_t(gene)].symbol;
  in.layer.values.assign(v.begin(), v.end());
  return in;
}

// The gene with the widest value range, so that colours differ between spots.
std::int64_t variableGene(const st::SpatialSample& s) {
  std::int64_t best = 0;
  double bestRange = -1;
  for (std::int64_t g = 0; g < std::int64_t(s.geneCount()) && g < 200; ++g) {
    auto v = analysis::geneValues(s, g, analysis::Normalisation::Log1p);
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    if (*hi - *lo > bestRange) bestRange = *hi - *lo, best = g;
  }
  return best;
}

cv::Vec3b pixelAt(const cv::Mat& img, const fig::FigureLayout& f, const st::Spot& s) {
  const int x = int(std::lround(f.mapX + (s.x - f.region.x) * f.scale));
  const int y = int(std::lround(f.mapY + (s.y - f.region.y) * f.scale));
  return img.at<cv::Vec3b>(y, x);
}

}  // namespace

TEST(FigureLayout, NiceScaleBarLengths) {
  EXPECT_DOUBLE_EQ(fig::niceScaleBarUm(730), 500);
  EXPECT_DOUBLE_EQ(fig::niceScaleBarUm(199), 100);
  EXPECT_DOUBLE_EQ(fig::niceScaleBarUm(2000), 2000);
  EXPECT_DOUBLE_EQ(fig::niceScaleBarUm(0.3), 0.2);
  EXPECT_EQ(fig::formatLength(500), "500 \xC2\xB5m");
  EXPECT_EQ(fig::formatLength(2000), "2 mm");
}

TEST(FigureRender, PngSpotColoursMatchColourMap) {
  auto l = stamp::test::loadFigureDemo();
  auto in = geneInput(l, variableGene(l.sample));
  fig::FigureOptions o;
  o.widthPx = 1200;
  o.opacity = 1.0;
  o.title = "Demo";
  const auto out = (stamp::test::scratchDir("figure-png") / "gene.png").string();
  auto f = fig::writeFigure(in, o, out, {{"slide", l.slide->path()}});
  ASSERT_TRUE(f.ok()) << f.error().describe();
  ASSERT_GT(f->drawnSpots.size(), 50u);
  cv::Mat img = cv::imread(out, cv::IMREAD_COLOR);
  ASSERT_EQ(img.cols, f->width);
  ASSERT_EQ(img.rows, f->height);
  int checked = 0;
  for (std::size_t i : f->drawnSpots) {
    const auto& s = l.sample.spots[i];
    // Spots cut by the map edge are clipped; only whole ones are checked.
    if (s.x - f->region.x < 60 || s.y - f->region.y < 60 || s.x > f->region.w - 60 || s.y > f->region.h - 60) continue;
    // ... and none under the scale bar's translucent box in the lower right corner.
    if ((s.x - f->region.x) > 0.7 * f->region.w && (s.y - f->region.y) > 0.85 * f->region.h) continue;
    const auto want = fig::mapValue(o.cmap, in.layer.values[i], f->vmin, f->vmax);
    const auto got = pixelAt(img, *f, s);
    ASSERT_NEAR(got[2], want.r, 2) << "spot " << i;
    ASSERT_NEAR(got[1], want.g, 2) << "spot " << i;
    ASSERT_NEAR(got[0], want.b, 2) << "spot " << i;
    ++checked;
  }
  EXPECT_GT(checked, 30);
}

TEST(FigureRender, ScaleBarLengthMatchesItsLabel) {
  auto l = stamp::test::loadFigureDemo();
  auto in = geneInput(l, 0);
  fig::FigureOptions o;
  o.widthPx = 900;
  const auto out = (stamp::test::scratchDir("figure-bar") / "bar.png").string();
  auto f = fig::writeFigure(in, o, out, {});
  ASSERT_TRUE(f.ok()) << f.error().describe();
  ASSERT_TRUE(in.umPerPx.has_value());
  EXPECT_NEAR(f->scaleBarPx * (*in.umPerPx / f->scale), f->scaleBarUm, 1e-6);
  EXPECT_EQ(f->scaleBarLabel, fig::formatLength(f->scaleBarUm));
  // The longest run of ink-coloured pixels in the lower map rows is the bar itself.
  cv::Mat img = cv::imread(out, cv::IMREAD_COLOR);
  int longest = 0;
  for (int y = f->mapY + f->mapH / 2; y < f->mapY + f->mapH; ++y) {
    int run = 0;
    for (int x = f->mapX; x < f->mapX + f->mapW; ++x) {
      const auto p = img.at<cv::Vec3b>(y, x);
      run = (p[0] == 34 && p[1] == 34 && p[2] == 34) ? run + 1 : 0;
      longest = std::max(longest, run);
    }
  }
  EXPECT_NEAR(longest, f->scaleBarPx, 1.5);
}

TEST(FigureRender, SvgHasOneCirclePerSpotWithItsColour) {
  auto l = stamp::test::loadFigureDemo();
  fig::FigureInput in{&l.sample, l.slide.get(), 1.0, l.slide->mpp(), {}};
  const auto& col = l.sample.obs.at("compartment");
  in.layer = {"obs:compartment", "compartment", true, {}, {col.codes.begin(), col.codes.end()}, col.categories, {}};
  fig::FigureOptions o;
  o.widthPx = 800;
  o.region = fig::Region{200, 300, 1600, 1200};
  const auto out = (stamp::test::scratchDir("figure-svg") / "compartment.svg").string();
  auto f = fig::writeFigure(in, o, out, {});
  ASSERT_TRUE(f.ok()) << f.error().describe();
  auto svg = readFile(out);
  ASSERT_TRUE(svg.ok());
  EXPECT_EQ(svg->rfind("<?xml", 0), 0u);
  EXPECT_NE(svg->find("</svg>"), std::string::npos);
  EXPECT_NE(svg->find("data:image/png;base64,"), std::string::npos);
  std::regex circle("<circle cx=\"(-?[0-9.]+)\" cy=\"(-?[0-9.]+)\" r=\"[0-9.]+\" fill=\"(#[0-9a-f]{6})\"/>");
  std::vector<std::string> fills;
  for (auto it = std::sregex_iterator(svg->begin(), svg->end(), circle); it != std::sregex_iterator(); ++it)
    fills.push_back((*it)[3]);
  ASSERT_EQ(fills.size(), f->drawnSpots.size());
  ASSERT_LT(f->drawnSpots.size(), l.sample.spotCount());  // the region cut some spots away
  for (std::size_t k = 0; k < fills.size(); ++k) {
    const auto c = fig::categoricalColor(col.codes[f->drawnSpots[k]]);
    char want[8];
    std::snprintf(want, sizeof want, "#%02x%02x%02x", c.r, c.g, c.b);
    ASSERT_EQ(fills[k], want) << "circle " << k;
  }
}

TEST(FigureRender, SidecarAndDpiTags) {
  auto l = stamp::test::loadFigureDemo();
  auto in = geneInput(l, 0);
  fig::FigureOptions o;
  o.widthPx = 600;
  o.dpi = 600;
  const auto dir = stamp::test::scratchDir("figure-dpi");
  for (const char* name : {"a.png", "a.tif"}) {
    const auto out = (dir / name).string();
    auto f = fig::writeFigure(in, o, out, {{"st", "x.h5ad"}});
    ASSERT_TRUE(f.ok()) << f.error().describe();
    auto text = readFile(out + ".json");
    ASSERT_TRUE(text.ok());
    auto j = nlohmann::json::parse(*text);
    for (const char* key : {"layer", "colormap", "vmin", "vmax", "region", "pixel_size_um", "scale_bar",
                            "spots_drawn", "dpi", "st", "output"})
      EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["dpi"], 600);
    EXPECT_EQ(j["spots_drawn"], f->drawnSpots.size());
  }
  auto png = readFile((dir / "a.png").string());
  ASSERT_TRUE(png.ok());
  const auto at = png->find("pHYs");
  ASSERT_NE(at, std::string::npos);
  auto u8 = [&](std::size_t i) { return std::uint32_t(std::uint8_t((*png)[i])); };
  EXPECT_EQ((u8(at + 4) << 24) | (u8(at + 5) << 16) | (u8(at + 6) << 8) | u8(at + 7), 23622u);  // 600 dpi
  TIFF* t = TIFFOpen((dir / "a.tif").c_str(), "r");
  ASSERT_NE(t, nullptr);
  float xres = 0;
  std::uint16_t unit = 0;
  TIFFGetField(t, TIFFTAG_XRESOLUTION, &xres);
  TIFFGetField(t, TIFFTAG_RESOLUTIONUNIT, &unit);
  TIFFClose(t);
  EXPECT_FLOAT_EQ(xres, 600.f);
  EXPECT_EQ(unit, RESUNIT_INCH);
}

TEST(FigureRender, BadInputsNameTheProblem) {
  auto l = stamp::test::loadFigureDemo();
  auto in = geneInput(l, 0);
  const auto dir = stamp::test::scratchDir("figure-bad");
  fig::FigureOptions o;
  o.region = fig::Region{2000, 1500, 1000, 1000};
  auto r = fig::writeFigure(in, o, (dir / "x.png").string(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find("--region"), std::string::npos);
  o = {};
  o.dpi = 0;
  r = fig::writeFigure(in, o, (dir / "x.png").string(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find("--dpi"), std::string::npos);
  o = {};
  r = fig::writeFigure(in, o, (dir / "x.bmp").string(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find(".bmp"), std::string::npos);
  in.layer.values.pop_back();
  r = fig::writeFigure(in, o, (dir / "x.png").string(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
}
