#include "widgets/tile_loader.h"

#include <QMetaObject>

namespace stamp::widgets {

using core::slide::TileKey;
using core::slide::TilePtr;

TileLoader::TileLoader(QObject* parent, int threads)
    : QObject(parent), maxWorkers_(std::max(1, threads)) {
  pool_.setMaxThreadCount(maxWorkers_);
}

TileLoader::~TileLoader() {
  {
    std::lock_guard lock(mutex_);
    shutdown_ = true;
    queue_.clear();
  }
  // Workers post results to `this`; wait until none can do so any more.
  pool_.waitForDone();
}

void TileLoader::setSlide(std::shared_ptr<const core::slide::TiledSlide> slide) {
  std::lock_guard lock(mutex_);
  slide_ = std::move(slide);
  queue_.clear();
}

void TileLoader::request(const std::vector<TileKey>& wanted) {
  {
    std::lock_guard lock(mutex_);
    queue_.clear();
    for (const TileKey& k : wanted)
      if (!inFlight_.count(k)) queue_.push_back(k);
  }
  startWorkers();
}

int TileLoader::pending() const {
  std::lock_guard lock(mutex_);
  return int(queue_.size() + inFlight_.size());
}

void TileLoader::startWorkers() {
  std::lock_guard lock(mutex_);
  while (workers_ < maxWorkers_ && std::size_t(workers_) < queue_.size()) {
    ++workers_;
    pool_.start([this] { workLoop(); });
  }
}

// Each worker keeps taking the front of the queue, so a re-prioritised queue takes effect at
// once and dropped keys are never decoded.
void TileLoader::workLoop() {
  for (;;) {
    TileKey key;
    std::shared_ptr<const core::slide::TiledSlide> slide;
    {
      std::lock_guard lock(mutex_);
      if (shutdown_ || queue_.empty() || !slide_) {
        --workers_;
        return;
      }
      key = queue_.front();
      queue_.pop_front();
      slide = slide_;
      inFlight_.insert(key);
    }
    TilePtr tile;
    QString error;
    if (key.slideId == slide->id()) {
      auto r = slide->tile(key.level, key.tx, key.ty);
      if (r.ok()) tile = r.value();
      else error = QString::fromStdString(r.error().describe());
    }
    QMetaObject::invokeMethod(
        this, [this, key, tile, error] { deliver(key, tile, error); }, Qt::QueuedConnection);
  }
}

void TileLoader::deliver(TileKey key, TilePtr tile, QString error) {
  bool nowIdle = false;
  {
    std::lock_guard lock(mutex_);
    inFlight_.erase(key);
    nowIdle = inFlight_.empty() && queue_.empty();
  }
  if (tile) Q_EMIT tileReady(key, tile);
  else if (!error.isEmpty()) Q_EMIT tileFailed(key, error);
  if (nowIdle) Q_EMIT idle();
}

}  // namespace stamp::widgets
