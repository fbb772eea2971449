#pragma once
/// TileLoader: decodes slide tiles on its own thread pool through the core TileCache, in the
/// order the view asks (centre of the view first), dropping requests the view no longer wants.
/// Results come back on the GUI thread as `tileReady` (tiles are shared_ptr<const Image>).
#include <QObject>
#include <QThreadPool>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "slide/tile_cache.h"

namespace stamp::widgets {

class TileLoader : public QObject {
  Q_OBJECT
 public:
  explicit TileLoader(QObject* parent = nullptr, int threads = 2);
  ~TileLoader() override;

  /// Switches to another slide (or none); forgets every pending request.
  void setSlide(std::shared_ptr<const core::slide::TiledSlide> slide);
  /// Replaces the queue with `wanted` (highest priority first). Keys already being decoded are
  /// not queued twice; keys no longer wanted are dropped before they are decoded.
  void request(const std::vector<core::slide::TileKey>& wanted);
  /// Requests queued or being decoded (GUI thread).
  int pending() const;

 Q_SIGNALS:
  void tileReady(const stamp::core::slide::TileKey& key, const stamp::core::slide::TilePtr& tile);
  void tileFailed(const stamp::core::slide::TileKey& key, const QString& message);
  /// Emitted when the last pending request finished.
  void idle();

 private:
  void workLoop();
  void deliver(core::slide::TileKey key, core::slide::TilePtr tile, QString error);
  void startWorkers();

  QThreadPool pool_;
  mutable std::mutex mutex_;
  std::shared_ptr<const core::slide::TiledSlide> slide_;
  std::deque<core::slide::TileKey> queue_;
  std::unordered_set<core::slide::TileKey, core::slide::TileKeyHash> inFlight_;
  int workers_ = 0;
  int maxWorkers_;
  bool shutdown_ = false;
};

}  // namespace stamp::widgets
