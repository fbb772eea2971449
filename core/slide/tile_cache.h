#pragma once
/// A byte-bounded, thread-safe LRU cache of decoded tiles, and a tiled view of a slide through it.
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "slide/slide_reader.h"

namespace stamp::core::slide {

struct TileKey {
  std::uint64_t slideId = 0;  // from TiledSlide: unique per opened slide in the process
  int level = 0;
  std::int64_t tx = 0;
  std::int64_t ty = 0;
  bool operator==(const TileKey&) const = default;
};

struct TileKeyHash {
  std::size_t operator()(const TileKey& k) const noexcept;
};

using TilePtr = std::shared_ptr<const Image>;

/// LRU by bytes (default 512 MiB). Tiles are shared read-only, so handing them out is safe while
/// they are evicted. All members are thread-safe.
class TileCache {
 public:
  explicit TileCache(std::size_t maxBytes = std::size_t(512) << 20);
  TilePtr get(const TileKey& key);  // nullptr on a miss; a hit becomes most recent
  void put(const TileKey& key, TilePtr tile);
  void setCapacity(std::size_t maxBytes);
  void clear();
  std::size_t bytes() const;
  std::size_t capacity() const;
  std::size_t size() const;
  std::uint64_t hits() const;
  std::uint64_t misses() const;

 private:
  void evictLocked();
  using Entry = std::pair<TileKey, TilePtr>;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // front = most recent
  std::unordered_map<TileKey, std::list<Entry>::iterator, TileKeyHash> index_;
  std::size_t bytes_ = 0;
  std::size_t capacity_;
  std::uint64_t hits_ = 0, misses_ = 0;
};

/// A slide cut into square tiles per level, served through a TileCache. Edge tiles are smaller
/// (they are not padded). Thread-safe: any number of workers may call tile() at once.
class TiledSlide {
 public:
  TiledSlide(std::shared_ptr<SlideReader> reader, std::shared_ptr<TileCache> cache,
             int tileSize = 256);
  const SlideReader& reader() const { return *reader_; }
  std::shared_ptr<SlideReader> readerPtr() const { return reader_; }
  int tileSize() const { return tileSize_; }
  std::uint64_t id() const { return id_; }
  std::int64_t tilesX(int level) const;
  std::int64_t tilesY(int level) const;
  /// The tile (tx, ty) of `level`: from the cache, or read, stored and returned.
  Result<TilePtr> tile(int level, std::int64_t tx, std::int64_t ty) const;
  /// The cached tile or nullptr, without reading (for drawing what is ready now).
  TilePtr cached(int level, std::int64_t tx, std::int64_t ty) const;

 private:
  std::shared_ptr<SlideReader> reader_;
  std::shared_ptr<TileCache> cache_;
  int tileSize_;
  std::uint64_t id_;
};

}  // namespace stamp::core::slide
