#include "localize_controller.h"

#include <QtConcurrent>
#include <algorithm>
#include <cmath>

#include "background_job.h"
#include "data/tissue.h"
#include "engine/embedder.h"
#include "widgets/colormap.h"

namespace stamp::app {

namespace engine = core::engine;
namespace data = core::data;

namespace {

QString describe(const core::Error& e) { return QString::fromStdString(e.describe()); }

core::Result<data::RgbImage> imageFilePatch(const QString& path) {
  STAMP_ASSIGN(auto img, core::slide::openSlide(path.toStdString()));
  const auto l0 = img->level(0);
  // A pyramid is read at the level nearest the patch size; a plain picture must stay small.
  const int level = img->bestLevelForDownsample(double(std::max(l0.width, l0.height)) / data::kPatchPx);
  const auto li = img->level(level);
  if (li.width * li.height > std::int64_t(64) << 20)
    return core::makeError(core::ErrorCode::InvalidArgument,
                           "the image is too large for a reference patch; crop the patch first",
                           path.toStdString());
  STAMP_ASSIGN(core::slide::Image px, img->readRegion(level, 0, 0, int(li.width), int(li.height)));
  return data::resizeRgb(data::fromRgba(px), data::kPatchPx, data::kPatchPx);
}

core::Result<data::RgbImage> referencePatch(const LocalizeContext& c, const LocalizeReference& r) {
  if (r.kind == LocalizeReference::Kind::Image) return imageFilePatch(r.imagePath);
  const double k = c.imageToFrame;
  return engine::spotPatch(*c.image, r.frame.x() / k, r.frame.y() / k, c.psFrame / k);
}

QRectF imageFrameRect(const LocalizeContext& c) {
  const auto l0 = c.image->level(0);
  return QRectF(0, 0, double(l0.width) * c.imageToFrame, double(l0.height) * c.imageToFrame);
}

// Where there is tissue (frame px): the in-tissue spots plus a patch, else the detected tissue.
core::Result<QRectF> tissueArea(const LocalizeContext& c) {
  QRectF box;
  if (c.sample)
    for (const auto& s : c.sample->spots)
      if (s.inTissue && std::isfinite(s.x) && std::isfinite(s.y))
        box |= QRectF(s.x - c.psFrame, s.y - c.psFrame, 2 * c.psFrame, 2 * c.psFrame);
  if (!box.isEmpty()) return box;
  STAMP_ASSIGN(data::TissueMask mask, data::detectTissue(*c.image));
  int x0 = mask.width, y0 = mask.height, x1 = -1, y1 = -1;
  for (int y = 0; y < mask.height; ++y)
    for (int x = 0; x < mask.width; ++x)
      if (mask.mask[std::size_t(y * mask.width + x)])
        x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
  if (x1 < 0) return imageFrameRect(c);  // nothing detected: search everything
  const double s = mask.downsample * c.imageToFrame;
  return QRectF(x0 * s, y0 * s, (x1 + 1 - x0) * s, (y1 + 1 - y0) * s);
}

// The search runs over squares: the one covering `want` (at least one region), kept inside the
// image where it fits.
QRectF searchSquare(const QRectF& want, const LocalizeContext& c) {
  const QRectF bounds = imageFrameRect(c);
  const double side = std::max({want.width(), want.height(), c.regionSide()});
  QRectF sq(want.center().x() - side / 2, want.center().y() - side / 2, side, side);
  auto clampAxis = [](double lo, double len, double bLo, double bLen) {
    return len <= bLen ? std::clamp(lo, bLo, bLo + bLen - len) : bLo + (bLen - len) / 2;
  };
  sq.moveLeft(clampAxis(sq.left(), side, bounds.left(), bounds.width()));
  sq.moveTop(clampAxis(sq.top(), side, bounds.top(), bounds.height()));
  return sq;
}

core::Result<SearchResult> runSearch(const engine::ModelHandle& model, const LocalizeContext& c,
                                     const LocalizeReference& ref, std::optional<QRectF> area,
                                     double strideFrame, int hits, core::ProgressReporter& progress) {
  STAMP_ASSIGN(data::RgbImage patch, referencePatch(c, ref));
  if (!area) {
    progress.begin("finding tissue", 1);
    STAMP_ASSIGN(QRectF tissue, tissueArea(c));
    area = tissue;
  }
  SearchResult out;
  out.area = searchSquare(*area, c);
  const double k = c.imageToFrame;
  engine::SearchOptions o{{out.area.x() / k, out.area.y() / k, out.area.width() / k}, c.psFrame / k,
                          strideFrame / k, 16};
  STAMP_ASSIGN(out.heatmap, engine::searchPatch(model, *c.image, patch, o, &progress));
  const auto& h = out.heatmap;
  out.image = heatmapImage(h, &out.scoreMin, &out.scoreMax);
  out.imageRect = QRectF((h.x0 - h.pitch / 2) * k, (h.y0 - h.pitch / 2) * k, h.width * h.pitch * k,
                         h.height * h.pitch * k);
  for (const auto& b : h.best(hits)) {
    const QPointF centre(b[0] * k, b[1] * k);
    out.hits.push_back({centre, QRectF(centre.x() - c.psFrame, centre.y() - c.psFrame,
                                       2 * c.psFrame, 2 * c.psFrame), b[2]});
  }
  return out;
}

}  // namespace

core::Result<LocalizeContext> localizeContext(const LoadedSample& s) {
  if (!s.image)
    return core::makeError(core::ErrorCode::InvalidArgument, "the sample has no image to localize in",
                           s.path.toStdString());
  LocalizeContext c;
  c.image = s.image;
  c.sample = s.sample;
  c.imageToFrame = s.imageToFrame > 0 ? s.imageToFrame : 1.0;
  engine::EmbedOptions options;  // the embeddings' rule, so patches match what was embedded
  options.coordScale = 1.0 / c.imageToFrame;
  STAMP_ASSIGN(double mpp, engine::fullresMpp(s.sample.get(), *s.image, options));
  c.magnification = 10.0 / mpp;
  c.psFrame = data::halfPatchPx(c.magnification);
  return c;
}

QImage heatmapImage(const engine::Heatmap& h, float* loOut, float* hiOut) {
  float lo = 1, hi = 0;
  for (std::size_t i = 0; i < h.score.size(); ++i)
    if (h.coverage[i]) lo = std::min(lo, h.score[i]), hi = std::max(hi, h.score[i]);
  QImage img(std::max(1, h.width), std::max(1, h.height), QImage::Format_RGBA8888);
  img.fill(Qt::transparent);
  for (int j = 0; j < h.height; ++j)
    for (int i = 0; i < h.width; ++i) {
      const std::size_t at = std::size_t(j * h.width + i);
      if (!h.coverage[at]) continue;
      const auto c = widgets::mapValue(widgets::ColorMapId::Viridis, h.score[at], lo, hi);
      img.setPixelColor(i, j, QColor(c.r, c.g, c.b, 255));
    }
  if (loOut) *loOut = hi >= lo ? lo : 0;
  if (hiOut) *hiOut = hi >= lo ? hi : 0;
  return img;
}

LocalizeController::LocalizeController(QObject* parent) : QObject(parent) {
  connect(&regionWatcher_, &QFutureWatcher<RegionOutcome>::finished, this,
          &LocalizeController::regionFinished);
  connect(&longWatcher_, &QFutureWatcher<LongOutcome>::finished, this,
          &LocalizeController::longFinished);
}

LocalizeController::~LocalizeController() {
  token_.cancel();
  regionWatcher_.waitForFinished();
  longWatcher_.waitForFinished();  // jobs post progress to `this`
}

bool LocalizeController::ready(const LocalizeContext& ctx, const LocalizeReference* ref) {
  QString why;
  if (!model_) why = tr("Load a model first (Model ▸ Load model)");
  else if (!ctx.image || !(ctx.psFrame > 0)) why = tr("Open a sample or slide with an image first");
  else if (ref && !ref->valid()) why = tr("Choose a reference patch first (Localize menu)");
  if (why.isEmpty()) return true;
  Q_EMIT failed(why);
  return false;
}

void LocalizeController::localizeRegion(const LocalizeContext& ctx, const LocalizeReference& ref,
                                        const QRectF& region) {
  if (!ready(ctx, &ref)) return;
  if (regionWatcher_.isRunning()) pendingRegion_ = RegionRequest{ctx, ref, region};
  else startRegion({ctx, ref, region});
}

void LocalizeController::startRegion(const RegionRequest& r) {
  auto model = model_;
  const std::uint64_t epoch = epoch_;
  regionWatcher_.setFuture(QtConcurrent::run([model, r, epoch]() -> RegionOutcome {
    auto patch = referencePatch(r.ctx, r.ref);
    if (!patch.ok()) return {std::nullopt, describe(patch.error()), epoch};
    const double k = r.ctx.imageToFrame;
    const data::Square sq{r.region.x() / k, r.region.y() / k, r.region.width() / k};
    auto cells = engine::localizeInRegion(*model, *r.ctx.image, sq, *patch);
    if (!cells.ok()) return {std::nullopt, describe(cells.error()), epoch};
    RegionResult out{r.region, *cells, -1};
    if (r.ref.kind == LocalizeReference::Kind::Point)
      out.trueCell = widgets::regionCellAt(r.region, r.ref.frame);
    return {out, {}, epoch};
  }));
}

void LocalizeController::regionFinished() {
  const RegionOutcome out = regionWatcher_.result();
  if (pendingRegion_) {  // a newer region is waiting: the finished answer is already stale
    const RegionRequest next = *pendingRegion_;
    pendingRegion_.reset();
    startRegion(next);
    return;
  }
  if (out.epoch != epoch_) return;
  if (out.result) Q_EMIT regionReady(*out.result);
  else Q_EMIT failed(out.error);
}

void LocalizeController::search(const LocalizeContext& ctx, const LocalizeReference& ref,
                                std::optional<QRectF> area, double strideFrame, int hits) {
  if (!ready(ctx, &ref)) return;
  auto model = model_;
  const std::uint64_t epoch = epoch_;
  startJob<LongOutcome>(longWatcher_, token_, [=](core::CancelToken t, core::ProgressCallback cb) {
    core::ProgressReporter progress(cb, t);
    auto r = runSearch(*model, ctx, ref, area, strideFrame, hits, progress);
    LongOutcome out;
    out.epoch = epoch;
    if (r.ok()) out.search = std::make_shared<const SearchResult>(std::move(r).value());
    else out.error = describe(r.error()), out.cancelled = r.error().code == core::ErrorCode::Cancelled;
    return out;
  }, progressCallback());
  Q_EMIT busyChanged(true);
}

void LocalizeController::evaluate(const LocalizeContext& ctx, std::int64_t maxSpots, std::uint64_t seed) {
  if (!ready(ctx, nullptr)) return;
  if (!ctx.sample) {
    Q_EMIT failed(tr("Evaluating localization needs a sample with spots"));
    return;
  }
  auto model = model_;
  const std::uint64_t epoch = epoch_;
  startJob<LongOutcome>(longWatcher_, token_, [=](core::CancelToken t, core::ProgressCallback cb) {
    core::ProgressReporter progress(cb, t);
    auto s = engine::evaluateLocalization(*model, *ctx.image, *ctx.sample, ctx.psFrame,
                                          1.0 / ctx.imageToFrame, maxSpots, seed, &progress);
    LongOutcome out;
    out.epoch = epoch;
    if (s.ok()) out.score = *s;
    else out.error = describe(s.error()), out.cancelled = s.error().code == core::ErrorCode::Cancelled;
    return out;
  }, progressCallback());
  Q_EMIT busyChanged(true);
}

void LocalizeController::cancel() { token_.cancel(); }

void LocalizeController::reset() {
  ++epoch_;
  token_.cancel();
  pendingRegion_.reset();
}

core::ProgressCallback LocalizeController::progressCallback() {
  return queuedProgress(this, [](LocalizeController* c, const core::ProgressUpdate& u) {
    Q_EMIT c->progress(QString::fromStdString(u.phase), u.fraction(), u.etaSeconds);
  });
}

void LocalizeController::longFinished() {
  const LongOutcome out = longWatcher_.result();
  Q_EMIT busyChanged(false);
  if (out.epoch != epoch_) return;
  if (out.search) Q_EMIT searchReady(out.search);
  else if (out.score) Q_EMIT evaluated(out.score->evaluated, out.score->correct);
  else if (out.cancelled) Q_EMIT cancelled();
  else Q_EMIT failed(out.error);
}

}  // namespace stamp::app
