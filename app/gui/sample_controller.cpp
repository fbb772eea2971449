#include "sample_controller.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QtConcurrent>

#include "background_job.h"

#include "st/open_spatial.h"

namespace stamp::app {

using core::slide::SlideReader;

namespace {

QString describe(const core::Error& e) { return QString::fromStdString(e.describe()); }

// Some Space Ranger outputs ship a placeholder image (all black); showing the next image is
// better than a black square. Samples the coarsest level sparsely.
bool looksBlank(const SlideReader& reader) {
  const int level = reader.levelCount() - 1;
  const auto info = reader.level(level);
  const int w = int(std::min<std::int64_t>(info.width, 512));
  const int h = int(std::min<std::int64_t>(info.height, 512));
  auto img = reader.readRegion(level, 0, 0, w, h);
  if (!img.ok() || img->rgba.empty()) return true;
  std::uint8_t lo = 255, hi = 0;
  for (std::size_t i = 0; i < img->rgba.size(); i += 4 * 7)
    for (int c = 0; c < 3; ++c) {
      lo = std::min(lo, img->rgba[i + std::size_t(c)]);
      hi = std::max(hi, img->rgba[i + std::size_t(c)]);
    }
  return hi - lo < 6;
}

struct ImageChoice {
  std::shared_ptr<SlideReader> reader;
  double imageToFrame = 1;
  QString note;
};

// Full-resolution slide when known, else hires, else lowres PNG with its scale factor, so that
// spot coordinates (full-resolution pixels) land on the right tissue.
ImageChoice chooseImage(const core::st::SpatialSample& s, const QString& imageOverride) {
  struct Candidate {
    std::string path;
    double scale;
    const char* note;
  };
  std::vector<Candidate> candidates;
  if (!imageOverride.isEmpty()) candidates.push_back({imageOverride.toStdString(), 1.0, "slide"});
  if (!s.fullresImage.empty()) candidates.push_back({s.fullresImage, 1.0, "full-resolution slide"});
  if (!s.hiresImage.empty()) candidates.push_back({s.hiresImage, s.scale.hiresScalef, "hires image"});
  if (!s.lowresImage.empty())
    candidates.push_back({s.lowresImage, s.scale.lowresScalef, "lowres image"});
  for (const Candidate& c : candidates) {
    if (!(c.scale > 0)) continue;
    auto r = core::slide::openSlide(c.path);
    if (!r.ok()) continue;
    std::shared_ptr<SlideReader> reader = std::move(r).value();
    if (c.scale != 1.0 && looksBlank(*reader)) continue;
    return {reader, 1.0 / c.scale,
            QStringLiteral("%1: %2").arg(c.note, QFileInfo(QString::fromStdString(c.path)).fileName())};
  }
  return {};
}

}  // namespace

LoadOutcome loadSlide(const QString& path) {
  auto r = core::slide::openSlide(path.toStdString());
  if (!r.ok()) return {nullptr, describe(r.error())};
  auto loaded = std::make_shared<LoadedSample>();
  loaded->path = path;
  loaded->image = std::move(r).value();
  loaded->umPerFramePx = loaded->image->mpp();
  loaded->objectivePower = loaded->image->objectivePower();
  loaded->imageNote = QStringLiteral("slide: %1").arg(QFileInfo(path).fileName());
  return {loaded, {}};
}

LoadOutcome loadSpatial(const QString& path, const QString& imageOverride) {
  auto r = core::st::openSpatial(path.toStdString());
  if (!r.ok()) return {nullptr, describe(r.error())};
  auto sample = std::make_shared<core::st::SpatialSample>(std::move(r).value());
  auto loaded = std::make_shared<LoadedSample>();
  loaded->path = path;
  ImageChoice image = chooseImage(*sample, imageOverride);
  loaded->image = image.reader;
  loaded->imageToFrame = image.imageToFrame;
  loaded->imageNote = image.reader ? image.note : QStringLiteral("no image");
  // Physical scale: the sample's pixel size, else the slide's, else the 55 µm Visium spot.
  loaded->umPerFramePx = sample->pixelSizeUm();
  if (!loaded->umPerFramePx && image.reader && image.imageToFrame == 1.0)
    loaded->umPerFramePx = image.reader->mpp();
  if (!loaded->umPerFramePx && sample->spotDiameterPx() > 0)
    loaded->umPerFramePx = 55.0 / sample->spotDiameterPx();
  if (image.reader && image.imageToFrame == 1.0)
    loaded->objectivePower = image.reader->objectivePower();
  loaded->tables = std::make_shared<widgets::SpotTables>(widgets::SpotTables::build(*sample));
  loaded->sample = std::move(sample);
  return {loaded, {}};
}

SampleController::SampleController(QObject* parent) : QObject(parent) {
  connect(&watcher_, &QFutureWatcher<LoadOutcome>::finished, this, [this] {
    const LoadOutcome out = watcher_.result();
    Q_EMIT busyChanged(false);
    if (out.loaded) Q_EMIT loaded(out.loaded);
    else if (!out.cancelled) Q_EMIT failed(out.error);
  });
}

SampleController::~SampleController() {
  token_.cancel();
  watcher_.waitForFinished();  // the job posts progress to `this`
}

core::ProgressCallback SampleController::progressCallback() {
  return queuedProgress(this, [](SampleController* c, const core::ProgressUpdate& u) {
    Q_EMIT c->progress(QString::fromStdString(u.phase), u.fraction());
  });
}

void SampleController::run(std::function<LoadOutcome(core::CancelToken, core::ProgressCallback)> job) {
  startJob(watcher_, token_, std::move(job), progressCallback());
  Q_EMIT busyChanged(true);
}

void SampleController::openSlide(const QString& path) {
  run([path](core::CancelToken, core::ProgressCallback cb) {
    cb(core::ProgressUpdate{"Opening slide", 0, 1});
    return loadSlide(path);
  });
}

void SampleController::openSpatial(const QString& path, const QString& imageOverride) {
  run([path, imageOverride](core::CancelToken, core::ProgressCallback cb) {
    cb(core::ProgressUpdate{"Reading spatial data", 0, 1});
    return loadSpatial(path, imageOverride);
  });
}

void SampleController::cancel() { token_.cancel(); }

}  // namespace stamp::app
