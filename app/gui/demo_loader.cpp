// SampleController::openDemo: the built-in demo sample, generated on first use (up to about a
// minute) on the worker, with progress and cancellation, then opened like any HEST sample.
#include "demo/demo.h"
#include "sample_controller.h"

namespace stamp::app {

void SampleController::openDemo() {
  run([](core::CancelToken token, core::ProgressCallback cb) {
    core::ProgressReporter reporter(cb, token);
    auto paths = core::demo::ensureDemoSample(core::demo::defaultDemoCacheRoot(),
                                              core::demo::DemoOptions{}, &reporter);
    if (!paths.ok()) {
      const bool cancelled = paths.error().code == core::ErrorCode::Cancelled;
      return LoadOutcome{nullptr, QString::fromStdString(paths.error().describe()), cancelled};
    }
    cb(core::ProgressUpdate{"Reading demo sample", 0, 1});
    // The h5ad carries the annotations (compartment); the pyramidal TIFF is its slide.
    return loadSpatial(QString::fromStdString(paths->h5ad), QString::fromStdString(paths->slide));
  });
}

}  // namespace stamp::app
