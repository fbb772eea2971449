#pragma once
// One small demo sample per test process (rendering it is the slow part of these tests).
#include <gtest/gtest.h>

#include "demo/demo.h"
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

}  // namespace stamp::test
