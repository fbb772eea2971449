#include "slide/tile_cache.h"

#include <algorithm>
#include <atomic>

namespace stamp::core::slide {

std::size_t TileKeyHash::operator()(const TileKey& k) const noexcept {
  std::uint64_t h = k.slideId * 0x9E3779B97F4A7C15ull;
  h ^= std::uint64_t(k.level) + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
  h ^= std::uint64_t(k.tx) * 0xC2B2AE3D27D4EB4Full + (h << 6) + (h >> 2);
  h ^= std::uint64_t(k.ty) * 0x165667B19E3779F9ull + (h << 6) + (h >> 2);
  return std::size_t(h);
}

TileCache::TileCache(std::size_t maxBytes) : capacity_(maxBytes) {}

TilePtr TileCache::get(const TileKey& key) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void TileCache::put(const TileKey& key, TilePtr tile) {
  if (!tile) return;
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->second->bytes();
    lru_.erase(it->second);
    index_.erase(it);
  }
  bytes_ += tile->bytes();
  lru_.emplace_front(key, std::move(tile));
  index_[key] = lru_.begin();
  evictLocked();
}

void TileCache::evictLocked() {
  // Keep at least the newest tile even if it alone exceeds the budget: the caller needs it.
  while (bytes_ > capacity_ && lru_.size() > 1) {
    auto& last = lru_.back();
    bytes_ -= last.second->bytes();
    index_.erase(last.first);
    lru_.pop_back();
  }
}

void TileCache::setCapacity(std::size_t maxBytes) {
  std::lock_guard lock(mutex_);
  capacity_ = maxBytes;
  evictLocked();
}

void TileCache::clear() {
  std::lock_guard lock(mutex_);
  lru_.clear();
  index_.clear();
  bytes_ = 0;
}

std::size_t TileCache::bytes() const { std::lock_guard lock(mutex_); return bytes_; }
std::size_t TileCache::capacity() const { std::lock_guard lock(mutex_); return capacity_; }
std::size_t TileCache::size() const { std::lock_guard lock(mutex_); return lru_.size(); }
std::uint64_t TileCache::hits() const { std::lock_guard lock(mutex_); return hits_; }
std::uint64_t TileCache::misses() const { std::lock_guard lock(mutex_); return misses_; }

static std::atomic<std::uint64_t> nextSlideId{1};

TiledSlide::TiledSlide(std::shared_ptr<SlideReader> reader, std::shared_ptr<TileCache> cache,
                       int tileSize)
    : reader_(std::move(reader)), cache_(std::move(cache)), tileSize_(std::max(16, tileSize)),
      id_(nextSlideId++) {}

std::int64_t TiledSlide::tilesX(int level) const {
  return (reader_->level(level).width + tileSize_ - 1) / tileSize_;
}
std::int64_t TiledSlide::tilesY(int level) const {
  return (reader_->level(level).height + tileSize_ - 1) / tileSize_;
}

TilePtr TiledSlide::cached(int level, std::int64_t tx, std::int64_t ty) const {
  return cache_->get({id_, level, tx, ty});
}

Result<TilePtr> TiledSlide::tile(int level, std::int64_t tx, std::int64_t ty) const {
  if (level < 0 || level >= reader_->levelCount() || tx < 0 || ty < 0 || tx >= tilesX(level) ||
      ty >= tilesY(level))
    return makeError(ErrorCode::OutOfRange, "tile (" + std::to_string(tx) + ", " +
                                                std::to_string(ty) + ") of level " +
                                                std::to_string(level) + " is outside the slide",
                     reader_->path());
  const TileKey key{id_, level, tx, ty};
  if (TilePtr t = cache_->get(key)) return t;
  const LevelInfo li = reader_->level(level);
  const std::int64_t px = tx * tileSize_, py = ty * tileSize_;
  const int w = int(std::min<std::int64_t>(tileSize_, li.width - px));
  const int h = int(std::min<std::int64_t>(tileSize_, li.height - py));
  // Level-0 coordinates of the tile's corner, as OpenSlide's read_region expects.
  auto img = reader_->readRegion(level, std::int64_t(double(px) * li.downsample),
                                 std::int64_t(double(py) * li.downsample), w, h);
  if (!img) return img.error();
  auto t = std::make_shared<const Image>(std::move(img).value());
  cache_->put(key, t);
  return TilePtr(t);
}

}  // namespace stamp::core::slide
