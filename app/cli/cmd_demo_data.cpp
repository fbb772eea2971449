// stamp demo-data: writes the deterministic synthetic demo sample (slide, spots, counts).
#include <iostream>
#include <limits>

#include "cli_common.h"
#include "commands.h"
#include "demo/demo.h"

namespace stamp::app::cli {
using namespace stamp::core;

static int runDemoData(Args& a) {
  demo::DemoOptions o;
  const std::string out = a.getOr("out", "");
  long long seed = a.getInt("seed", 42);
  o.width = a.getInt("width", o.width);
  o.height = a.getInt("height", o.height);
  o.mpp = a.getDouble("mpp", o.mpp);
  o.threads = int(a.getInt("threads", 0));
  if (!a.error().empty()) return usageError(demoDataCommand(), a.error());
  if (seed < 0) return usageError(demoDataCommand(), "--seed must be a non-negative integer");
  o.seed = std::uint64_t(seed);
  if (Status v = demo::validateDemoOptions(o); !v.ok()) return usageError(demoDataCommand(), v.error().describe());
  ProgressReporter progress(progressLine, {}, 0.5);
  auto paths = demo::writeDemoSample(out, o, &progress);
  std::cerr << "\n";
  if (!paths.ok()) return fail(paths.error().describe());
  const demo::DemoPaths& p = *paths;
  std::cout << "wrote the demo sample (seed " << o.seed << ", " << o.width << " x " << o.height << " px, "
            << o.mpp << " um/px) to " << p.root << "\n"
            << "  slide (pyramidal TIFF):  " << p.slide << "\n"
            << "  Space Ranger outs:       " << p.outsDir << "\n"
            << "  HEST sample 'demo':      " << p.hestRoot << "  (st/demo.h5ad, wsis/demo.tif)\n"
            << "  manifest:                " << p.manifest << "\n";
  return kOk;
}

Command demoDataCommand() {
  return {"demo-data",
          "Write the deterministic synthetic demo sample: an H&E-like pyramidal TIFF with a Visium\n"
          "spot layout and simulated counts, as a Space Ranger outs/ folder and a HEST-style sample.\n"
          "The same options always give byte-identical files.",
          "--out DIR [--seed N] [--width PX --height PX] [--mpp UM] [--threads N]",
          {{"out", "DIR", "output folder (must not exist, be empty, or hold an earlier demo sample)", true},
           {"seed", "N", "random seed (default 42)", false},
           {"width", "PX", "slide width in pixels (default 20000)", false},
           {"height", "PX", "slide height in pixels (default 16000)", false},
           {"mpp", "UM", "micrometres per pixel (default 0.5)", false},
           {"threads", "N", "rendering threads (default: all cores)", false}},
          0, 0, runDemoData};
}

}  // namespace stamp::app::cli
