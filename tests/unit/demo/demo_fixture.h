#pragma once
// A small demo sample written once per test process (ctest runs each test in its own process,
// so the sample is small: 3000 x 2400 px at 1 um/px, about 700 spots).
#include <filesystem>
#include <stdexcept>

#include "demo/demo.h"
#include "demo/tissue_model.h"
#include "test_support.h"

namespace stamp::test {

inline core::demo::DemoOptions fixtureOptions() {
  core::demo::DemoOptions o;
  o.seed = 7;
  o.width = 3000;
  o.height = 2400;
  o.mpp = 1.0;
  o.threads = 2;
  return o;
}

inline const core::demo::DemoPaths& fixtureSample() {
  struct Holder {
    std::filesystem::path dir;
    core::demo::DemoPaths paths;
    Holder() : dir(scratchDir("demo-fixture")) {
      auto r = core::demo::writeDemoSample((dir / "sample").string(), fixtureOptions());
      if (!r.ok()) throw std::runtime_error(r.error().describe());
      paths = *r;
    }
    ~Holder() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  };
  static Holder holder;
  return holder.paths;
}

inline core::demo::TissueModel fixtureModel() {
  auto o = fixtureOptions();
  return core::demo::TissueModel(o.seed, o.width, o.height, o.mpp);
}

}  // namespace stamp::test
