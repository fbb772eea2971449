#pragma once
/// SampleController: opens slides, spatial samples and the demo sample on a worker thread,
/// reports progress as queued signals and supports cancellation. Hands the GUI an immutable
/// LoadedSample (shared read-only, never modified after it leaves the worker).
#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <memory>
#include <optional>

#include "common/progress.h"
#include "slide/slide_reader.h"
#include "st/spatial_sample.h"
#include "widgets/spot_layers.h"

namespace stamp::app {

struct LoadedSample {
  QString path;                                            // what the user opened
  std::shared_ptr<const core::st::SpatialSample> sample;   // null when only a slide was opened
  std::shared_ptr<const widgets::SpotTables> tables;       // with `sample`
  std::shared_ptr<core::slide::SlideReader> image;         // null when no image was found
  double imageToFrame = 1.0;                               // frame px per image level-0 px
  std::optional<double> umPerFramePx;
  std::optional<double> objectivePower;
  QString imageNote;                                       // "full-resolution slide", ...
};

/// What a worker hands back: a sample or the one-line reason it failed.
struct LoadOutcome {
  std::shared_ptr<const LoadedSample> loaded;
  QString error;
  bool cancelled = false;
};

/// Builds a LoadedSample (runs on any thread). `imageOverride` replaces the sample's own image.
LoadOutcome loadSpatial(const QString& path, const QString& imageOverride);
LoadOutcome loadSlide(const QString& path);

class SampleController : public QObject {
  Q_OBJECT
 public:
  explicit SampleController(QObject* parent = nullptr);
  ~SampleController() override;

  void openSlide(const QString& path);
  void openSpatial(const QString& path, const QString& imageOverride = {});
  /// Generates the demo sample the first time (up to a minute), then opens it.
  void openDemo();
  void cancel();
  bool busy() const { return watcher_.isRunning(); }

 Q_SIGNALS:
  void loaded(std::shared_ptr<const stamp::app::LoadedSample> sample);
  void failed(const QString& message);
  void progress(const QString& phase, double fraction);
  void busyChanged(bool busy);

 private:
  void run(std::function<LoadOutcome(core::CancelToken, core::ProgressCallback)> job);
  core::ProgressCallback progressCallback();
  QFutureWatcher<LoadOutcome> watcher_;
  core::CancelToken token_;
};

}  // namespace stamp::app
