// The demo slide: tiling independence, the pyramidal TIFF as OpenSlide sees it, H&E colours.
#include <gtest/gtest.h>
#include <tiffio.h>

#include <opencv2/imgcodecs.hpp>

#include <array>
#include <cmath>
#include <map>

#include "demo/demo_internal.h"
#include "demo/tissue_render.h"
#include "demo_fixture.h"
#include "slide/slide_reader.h"
#include "st/space_ranger.h"

using namespace stamp::core;
using namespace stamp::core::demo;
using stamp::test::fixtureModel;
using stamp::test::fixtureSample;

TEST(DemoRender, PixelsDoNotDependOnTheTiling) {
  TissueModel m(3, 4000, 3000, 0.5);
  std::vector<std::uint8_t> whole(512 * 512 * 3), parts(512 * 512 * 3);
  renderRegion(m, 1000, 1000, 512, 512, whole.data(), 512 * 3);
  for (int q = 0; q < 4; ++q) {
    int ox = (q % 2) * 256, oy = (q / 2) * 256;
    renderRegion(m, 1000 + ox, 1000 + oy, 256, 256, parts.data() + (oy * 512 + ox) * 3, 512 * 3);
  }
  EXPECT_EQ(whole, parts);
  // An odd rectangle inside the same area gives the same pixels again.
  std::vector<std::uint8_t> odd(77 * 53 * 3);
  renderRegion(m, 1200, 1300, 77, 53, odd.data(), 77 * 3);
  for (int y = 0; y < 53; ++y)
    for (int x = 0; x < 77 * 3; ++x)
      ASSERT_EQ(odd[std::size_t(y * 77 * 3 + x)], whole[std::size_t((300 + y) * 512 * 3 + 200 * 3 + x)]);
}

TEST(DemoRender, EveryCompartmentAppearsAndDifferentSeedsDiffer) {
  TissueModel a(1, 3000, 2400, 1.0), b(2, 3000, 2400, 1.0);
  std::array<int, kCompartmentCount> seen{};
  int differ = 0;
  for (int y = 0; y < 2400; y += 20)
    for (int x = 0; x < 3000; x += 20) {
      seen[std::size_t(a.classAt(x, y))]++;
      differ += a.classAt(x, y) != b.classAt(x, y);
    }
  for (int c = 0; c < kCompartmentCount; ++c) EXPECT_GT(seen[std::size_t(c)], 50) << compartmentName(Compartment(c));
  EXPECT_GT(differ, 1000);
}

TEST(DemoSlide, OpensAsGenericTiffWithAllLevelsAndMpp) {
  const auto& p = fixtureSample();
  auto slide = slide::openSlide(p.slide);
  ASSERT_TRUE(slide.ok()) << slide.error().describe();
  const auto& s = **slide;
  EXPECT_EQ(s.format(), "openslide:generic-tiff");
  ASSERT_EQ(s.levelCount(), 3);  // 3000, 1500, 750 (the last below 1024 px)
  EXPECT_EQ(s.level(0).width, 3000);
  EXPECT_EQ(s.level(0).height, 2400);
  EXPECT_EQ(s.level(1).width, 1500);
  EXPECT_EQ(s.level(2).height, 600);
  EXPECT_NEAR(s.level(2).downsample, 4.0, 1e-6);
  ASSERT_TRUE(s.fileMpp().has_value());
  EXPECT_NEAR(*s.fileMpp(), 1.0, 1e-4);
}

TEST(DemoSlide, TiffTagsAreTiledJpegWithCentimetreResolution) {
  const auto& p = fixtureSample();
  TIFF* tif = TIFFOpen(p.slide.c_str(), "r");
  ASSERT_NE(tif, nullptr);
  int dirs = 0;
  do {
    std::uint32_t tw = 0, th = 0;
    std::uint16_t comp = 0, unit = 0;
    float xres = 0;
    EXPECT_TRUE(TIFFIsTiled(tif));
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    TIFFGetField(tif, TIFFTAG_COMPRESSION, &comp);
    TIFFGetField(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
    TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres);
    EXPECT_EQ(tw, 256u);
    EXPECT_EQ(th, 256u);
    EXPECT_EQ(comp, COMPRESSION_JPEG);
    EXPECT_EQ(unit, RESUNIT_CENTIMETER);
    EXPECT_NEAR(xres, 10000.0 / (1.0 * (1 << dirs)), 0.01);  // px/cm of each level
    ++dirs;
  } while (TIFFReadDirectory(tif));
  TIFFClose(tif);
  EXPECT_EQ(dirs, 3);
}

namespace {

struct ColourStats {
  double r = 0, g = 0, b = 0, dark = 0;  // means; `dark`: fraction of nuclear-dark pixels
  long n = 0;
  double lum() const { return (r + g + b) / 3; }
};

// Mean colours of the decoded slide per compartment, from the model's compartment map.
std::map<Compartment, ColourStats> coloursByCompartment(const slide::Image& img, const TissueModel& m) {
  NodeCache cache(m, 0, 0, img.width, img.height);
  std::map<Compartment, ColourStats> out;
  for (int y = 1; y < img.height; y += 3)
    for (int x = 1; x < img.width; x += 3) {
      // Skip pixels near a compartment boundary, where the blur mixes classes.
      Compartment c = TissueModel::pixelClass(cache.sample(x + 0.5, y + 0.5));
      if (TissueModel::pixelClass(cache.sample(x + 6.5, y + 0.5)) != c ||
          TissueModel::pixelClass(cache.sample(x + 0.5, y + 6.5)) != c)
        continue;
      const std::uint8_t* p = &img.rgba[std::size_t(y * img.width + x) * 4];
      ColourStats& s = out[c];
      s.r += p[0];
      s.g += p[1];
      s.b += p[2];
      s.dark += (p[0] + p[1] + p[2]) / 3.0 < 120;
      ++s.n;
    }
  for (auto& [c, s] : out) {
    s.r /= double(s.n);
    s.g /= double(s.n);
    s.b /= double(s.n);
    s.dark /= double(s.n);
  }
  return out;
}

}  // namespace

TEST(DemoSlide, TissueIsHaematoxylinAndEosinColoured) {
  const auto& p = fixtureSample();
  auto slide = slide::openSlide(p.slide);
  ASSERT_TRUE(slide.ok()) << slide.error().describe();
  auto img = (*slide)->readRegion(0, 0, 0, 3000, 2400);
  ASSERT_TRUE(img.ok()) << img.error().describe();
  auto st = coloursByCompartment(*img, fixtureModel());
  for (auto c : {Compartment::Background, Compartment::Tumour, Compartment::Stroma, Compartment::Lymphoid})
    ASSERT_GT(st[c].n, 2000) << compartmentName(c) << " is missing from the fixture";
  const auto &glass = st[Compartment::Background], &stroma = st[Compartment::Stroma],
             &tumour = st[Compartment::Tumour], &lymph = st[Compartment::Lymphoid];
  EXPECT_GT(glass.lum(), 230);  // white glass
  // Stroma: pink (eosin) -- red well above green, blue between.
  EXPECT_GT(stroma.r, stroma.g + 40);
  EXPECT_GT(stroma.b, stroma.g);
  EXPECT_GT(stroma.r, stroma.b);
  // Tumour and lymphoid: purple-blue (haematoxylin) -- blue above red and green.
  for (const auto* s : {&tumour, &lymph}) {
    EXPECT_GT(s->b, s->r);
    EXPECT_GT(s->b, s->g + 30);
  }
  // Dense small dark nuclei make lymphoid aggregates darker and bluer than stroma.
  EXPECT_LT(lymph.lum(), stroma.lum() - 30);
  EXPECT_GT(lymph.b / lymph.r, stroma.b / stroma.r + 0.2);
  EXPECT_GT(lymph.dark, 3 * stroma.dark);
  EXPECT_GT(tumour.dark, 3 * stroma.dark);
  if (st[Compartment::Fat].n > 2000) {  // adipocytes: mostly empty white
    EXPECT_GT(st[Compartment::Fat].lum(), stroma.lum() + 30);
  }
  // Not blank: tissue varies from pixel to pixel.
  EXPECT_GT(std::abs(tumour.lum() - glass.lum()), 60);
}

TEST(DemoSlide, ReducedLevelsAverageLevelZero) {
  const auto& p = fixtureSample();
  auto slide = slide::openSlide(p.slide);
  ASSERT_TRUE(slide.ok()) << slide.error().describe();
  auto full = (*slide)->readRegion(0, 1000, 800, 512, 512);
  auto half = (*slide)->readRegion(1, 1000, 800, 256, 256);
  ASSERT_TRUE(full.ok() && half.ok());
  auto mean = [](const slide::Image& im) {
    double s = 0;
    for (std::size_t i = 0; i < im.rgba.size(); i += 4) s += im.rgba[i] + im.rgba[i + 1] + im.rgba[i + 2];
    return s / double(im.rgba.size() / 4) / 3;
  };
  EXPECT_NEAR(mean(*full), mean(*half), 3.0);
}

TEST(DemoSlide, SpatialImagesFollowTheScaleFactors) {
  const auto& p = fixtureSample();
  auto sf = st::readScaleFactors(p.scalefactorsJson);
  ASSERT_TRUE(sf.ok()) << sf.error().describe();
  EXPECT_NEAR(sf->hiresScalef, 2000.0 / 3000.0, 1e-9);
  EXPECT_NEAR(sf->lowresScalef, 600.0 / 3000.0, 1e-9);
  EXPECT_NEAR(sf->spotDiameterFullres, 55.0, 1e-9);  // 55 um at 1 um/px
  EXPECT_GT(sf->fiducialDiameterFullres, sf->spotDiameterFullres);
  cv::Mat hires = cv::imread(p.hiresPng), lowres = cv::imread(p.lowresPng);
  ASSERT_FALSE(hires.empty());
  ASSERT_FALSE(lowres.empty());
  EXPECT_EQ(hires.cols, 2000);
  EXPECT_EQ(hires.rows, 1600);
  EXPECT_EQ(lowres.cols, 600);
  EXPECT_EQ(lowres.rows, 480);
  cv::Scalar m = cv::mean(lowres);  // BGR: tissue pulls green below red and blue
  EXPECT_LT(m[1], m[2]);
  EXPECT_LT(m[1], m[0]);
}
