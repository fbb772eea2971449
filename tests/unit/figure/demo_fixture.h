#pragma once
// One small demo sample per test process (rendering it is the slow part of these tests).
#include <gtest/gtest.h>

#include <memory>

#include "demo/demo.h"
#include "slide/slide_reader.h"
#include "st/open_spatial.h"
#include "test_support.h"

namespace stamp::test {

inline const core::demo::DemoPaths& figureDemo() {
  static const core::demo::DemoPaths paths = [] {
    core::demo::DemoOptions o;
    o.width = 2400;
    o.height = 2000;
    o.threads = 2;
    auto r = core::demo::writeDemoSample((scratchDir("figure-demo") / "demo").string(), o);
    if (!r) ADD_FAILURE() << r.error().describe();
    return r ? *r : core::demo::DemoPaths{};
  }();
  return paths;
}

/// The demo sample and its slide, opened (a test failure when either does not open).
struct LoadedDemo {
  core::st::SpatialSample sample;
  std::unique_ptr<core::slide::SlideReader> slide;
};
inline LoadedDemo loadFigureDemo() {
  const auto& p = figureDemo();
  auto s = core::st::openSpatial(p.h5ad);
  EXPECT_TRUE(s.ok()) << s.error().describe();
  auto sl = core::slide::openSlide(p.slide);
  EXPECT_TRUE(sl.ok()) << sl.error().describe();
  return {std::move(*s), std::move(*sl)};
}

}  // namespace stamp::test
