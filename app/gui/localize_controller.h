#pragma once
/// LocalizeController: cross-scale patch localization of the shown sample (STAMP-SPEC §3-§5) on
/// worker threads. A region query answers in well under a second with the tiny model (queries
/// arriving while one runs are coalesced: only the latest runs next); a dense search or an
/// evaluation reports progress and stops at the next batch on cancel(). GUI-thread object;
/// only value types cross threads.
#include <QFutureWatcher>
#include <QImage>
#include <QObject>
#include <QPointF>
#include <QRectF>
#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "common/progress.h"
#include "engine/localizer.h"
#include "sample_controller.h"
#include "widgets/region_overlay.h"

namespace stamp::app {

/// Where the reference patch comes from: a point of the slide (a clicked spot's centre or any
/// clicked point; the patch is cropped there) or an image file (resized to the patch).
struct LocalizeReference {
  enum class Kind { None, Point, Image };
  Kind kind = Kind::None;
  QPointF frame;      // Point: patch centre, frame px
  QString imagePath;  // Image
  QString label;      // shown to the user
  bool valid() const { return kind != Kind::None; }
};

/// The shown sample as the localizer sees it: its image, the crop scale, the patch size.
struct LocalizeContext {
  std::shared_ptr<core::slide::SlideReader> image;
  std::shared_ptr<const core::st::SpatialSample> sample;  // may be null (a bare slide)
  double imageToFrame = 1.0;                              // frame px per image level-0 px
  double psFrame = 0;                                     // half patch size, frame px
  double magnification = 0;
  /// The region side in frame px: 6 half patch sizes (3 x 3 cells of one patch).
  double regionSide() const { return 6 * psFrame; }
};
/// Patch size by the rule the crops use (engine::fullresMpp, data::halfPatchPx). Error when the
/// sample has no image or its pixel size is unknown.
core::Result<LocalizeContext> localizeContext(const LoadedSample& s);

struct RegionResult {
  QRectF region;  // frame
  core::engine::CellProbabilities cells;
  int trueCell = -1;  // the cell holding the reference point, -1 when outside / an image file
};

/// A dense search ready to draw: the colour image over its frame rectangle, the score range
/// (colour bar) and the best hits.
struct SearchResult {
  core::engine::Heatmap heatmap;  // image level-0 coordinates
  QRectF area;                    // searched square, frame
  QImage image;                   // viridis, transparent where never covered
  QRectF imageRect;               // where `image` lies, frame
  float scoreMin = 0, scoreMax = 0;
  struct Hit {
    QPointF centre;  // frame
    QRectF cell;     // frame square of one patch
    double score = 0;
  };
  std::vector<Hit> hits;
};

/// Colours a heatmap (viridis between its covered min and max; alpha 0 where never covered).
QImage heatmapImage(const core::engine::Heatmap& h, float* lo = nullptr, float* hi = nullptr);

class LocalizeController : public QObject {
  Q_OBJECT
 public:
  explicit LocalizeController(QObject* parent = nullptr);
  ~LocalizeController() override;

  void setModel(std::shared_ptr<core::engine::ModelHandle> model) { model_ = std::move(model); }
  std::shared_ptr<core::engine::ModelHandle> model() const { return model_; }

  /// 3 x 3 probabilities of `ref` within `region` (frame square).
  void localizeRegion(const LocalizeContext& ctx, const LocalizeReference& ref, const QRectF& region);
  /// Dense search of the frame square `area` at `strideFrame` (frame px); `hits` best locations.
  /// `area` nullopt: the whole tissue (in-tissue spots, else the detected tissue).
  void search(const LocalizeContext& ctx, const LocalizeReference& ref, std::optional<QRectF> area,
              double strideFrame, int hits = 5);
  /// Held-out localization accuracy over up to `maxSpots` spots of the sample (chance 1/9).
  void evaluate(const LocalizeContext& ctx, std::int64_t maxSpots = 200, std::uint64_t seed = 0);
  /// Stops a running search or evaluation at its next batch.
  void cancel();
  /// Forgets every running or waiting job (a new sample is shown): their answers are dropped.
  void reset();
  bool busy() const { return longWatcher_.isRunning(); }
  bool regionBusy() const { return regionWatcher_.isRunning(); }

  struct RegionOutcome {
    std::optional<RegionResult> result;
    QString error;
    std::uint64_t epoch = 0;
  };
  struct LongOutcome {
    std::shared_ptr<const SearchResult> search;
    std::optional<core::engine::LocalizationScore> score;
    QString error;
    bool cancelled = false;
    std::uint64_t epoch = 0;
  };

 Q_SIGNALS:
  void regionReady(const stamp::app::RegionResult& result);
  void searchReady(std::shared_ptr<const stamp::app::SearchResult> result);
  void evaluated(std::int64_t evaluated, std::int64_t correct);
  void progress(const QString& phase, double fraction, double etaSeconds);
  void failed(const QString& message);
  void cancelled();
  void busyChanged(bool busy);

 private:
  struct RegionRequest {
    LocalizeContext ctx;
    LocalizeReference ref;
    QRectF region;
  };
  void startRegion(const RegionRequest& r);
  void regionFinished();
  void longFinished();
  core::ProgressCallback progressCallback();
  bool ready(const LocalizeContext& ctx, const LocalizeReference* ref);
  std::shared_ptr<core::engine::ModelHandle> model_;
  QFutureWatcher<RegionOutcome> regionWatcher_;
  QFutureWatcher<LongOutcome> longWatcher_;
  core::CancelToken token_;
  std::optional<RegionRequest> pendingRegion_;
  std::uint64_t epoch_ = 0;  // bumped by reset(); older answers are stale
};

}  // namespace stamp::app
