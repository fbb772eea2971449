// CorpusReader: shard assignment per rank, block reads, shuffle buffer, batching, seek.
#include "corpus/reader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <numeric>

#include "corpus/corpus_internal.h"
#include "corpus/shard_io.h"

namespace stamp::core::corpus {
namespace fs = std::filesystem;

namespace {

/// tokens-<k>.h5 sort by k; anything else after them, by name.
bool shardLess(const fs::path& a, const fs::path& b) {
  auto key = [](const fs::path& p) -> std::pair<long long, std::string> {
    const std::string s = p.stem().string();
    if (s.rfind("tokens-", 0) == 0 && s.size() > 7 &&
        std::all_of(s.begin() + 7, s.end(), [](char c) { return c >= '0' && c <= '9'; }) && s.size() < 20)
      return {std::stoll(s.substr(7)), s};
    return {1LL << 62, s};
  };
  return key(a) < key(b);
}

template <class T>
void shuffleWith(std::vector<T>& v, std::uint64_t& state) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[splitmix64(state) % i]);
}

/// A row of the corpus: (shard index, row in the shard).
struct RowId {
  int shard = 0;
  long long row = 0;
};

/// Copies row `sr` of `src` over row `dr` of `dst` (dst already sized).
void copyRow(RowBlock& dst, std::size_t dr, const RowBlock& src, std::size_t sr) {
  const auto t = std::size_t(dst.tokenLen);
  std::copy_n(src.tokens.begin() + std::ptrdiff_t(sr * t), t, dst.tokens.begin() + std::ptrdiff_t(dr * t));
  if (dst.imagePx > 0) {
    const auto b = dst.imageBytes();
    std::copy_n(src.images.begin() + std::ptrdiff_t(sr * b), b, dst.images.begin() + std::ptrdiff_t(dr * b));
    std::copy_n(src.regions.begin() + std::ptrdiff_t(sr * b), b, dst.regions.begin() + std::ptrdiff_t(dr * b));
  }
  dst.posLabel[dr] = src.posLabel[sr];
  dst.slideId[dr] = src.slideId[sr];
  dst.datasetId[dr] = src.datasetId[sr];
  dst.spotIndex[dr] = src.spotIndex[sr];
}

}  // namespace

struct CorpusReader::Impl {
  ReaderOptions opt;
  std::vector<ShardInfo> shards;
  std::vector<std::vector<std::int32_t>> slideOf;  // batch_slide_id per row, per shard
  std::vector<long long> kept;                      // rows the slide filters keep, per shard
  std::vector<int> subset;                          // shards in use
  int tokenLen = 0, imagePx = 0;
  bool images = false;
  // epoch state
  int epoch = 0;
  long long batch = 0;
  std::uint64_t rng = 0;
  std::vector<int> order;  // this rank's shards
  std::size_t shardPos = 0;
  int currentShard = -1;
  std::optional<RowReader> reader;
  int readerShard = -1;
  std::vector<long long> blocks;  // block starts of the current shard, in read order
  std::size_t blockPos = 0;
  std::vector<RowId> ids;  // the shuffle buffer's rows (arbitrary order) ...
  RowBlock buffer;         // ... and their data (empty while `dry`)
  bool dry = false;        // seek: replay the order on ids without reading rows

  bool keep(int shard, long long row) const;
  std::vector<int> rankShards(int epoch) const;
  Status openReader(int shard);
  Status fillBuffer();
  Status loadNextBlock(bool& done);
  void takeRow(std::size_t r, RowBlock& out, std::vector<std::int32_t>& outShard);
  void takeFront(std::size_t n, RowBlock& out, std::vector<std::int32_t>& outShard);
  Result<bool> step(RowBlock& out, std::vector<std::int32_t>& outShard);
  Status materialize();
};

bool CorpusReader::Impl::keep(int shard, long long row) const {
  if (opt.onlySlides.empty() && opt.skipSlides.empty()) return true;
  const std::int32_t s = slideOf[std::size_t(shard)][std::size_t(row)];
  if (!opt.onlySlides.empty() && !std::binary_search(opt.onlySlides.begin(), opt.onlySlides.end(), s)) return false;
  return !std::binary_search(opt.skipSlides.begin(), opt.skipSlides.end(), s);
}

std::vector<int> CorpusReader::Impl::rankShards(int e) const {
  std::vector<int> all = subset;
  if (opt.shuffle) {
    std::uint64_t st = opt.seed * 0x100000001B3ull + std::uint64_t(e);
    shuffleWith(all, st);
  }
  std::vector<int> mine;
  for (std::size_t i = std::size_t(opt.rank); i < all.size(); i += std::size_t(opt.worldSize)) mine.push_back(all[i]);
  return mine;
}

Status CorpusReader::Impl::openReader(int shard) {
  if (readerShard == shard && reader) return {};
  reader.reset();
  STAMP_ASSIGN(auto r, RowReader::open(shards[std::size_t(shard)].path));
  reader.emplace(std::move(r));
  readerShard = shard;
  return {};
}

/// Moves to the next block (opening the next shard when needed) and appends its kept rows to
/// the buffer; while `dry`, only their ids.
Status CorpusReader::Impl::loadNextBlock(bool& done) {
  while (currentShard < 0 || blockPos == blocks.size()) {
    if (shardPos == order.size()) {
      done = true;
      return {};
    }
    currentShard = order[shardPos++];
    blocks.clear();
    for (long long at = 0; at < shards[std::size_t(currentShard)].rows; at += opt.blockRows) blocks.push_back(at);
    if (opt.shuffle) shuffleWith(blocks, rng);
    blockPos = 0;
  }
  const long long at = blocks[blockPos++];
  const long long n = std::min<long long>(opt.blockRows, shards[std::size_t(currentShard)].rows - at);
  std::vector<long long> rows;
  for (long long r = at; r < at + n; ++r)
    if (keep(currentShard, r)) rows.push_back(r);
  if (rows.empty()) return {};
  for (long long r : rows) ids.push_back({currentShard, r});
  if (dry) return {};
  const std::string& path = shards[std::size_t(currentShard)].path;
  STAMP_CHECK(openReader(currentShard));
  auto b = reader->read(at, n, images);
  if (!b) return b.error().context.find(path) == std::string::npos ? b.error().within(path) : b.error();
  for (long long r : rows) buffer.appendRow(*b, r - at);
  return {};
}

Status CorpusReader::Impl::fillBuffer() {
  bool done = false;
  const auto want = std::size_t(std::max(opt.shuffleBuffer, opt.batchSize));
  while (!done && ids.size() < want) STAMP_CHECK(loadNextBlock(done));
  return {};
}

/// Moves buffer row r to `out` (the buffer's last row takes its place).
void CorpusReader::Impl::takeRow(std::size_t r, RowBlock& out, std::vector<std::int32_t>& outShard) {
  outShard.push_back(ids[r].shard);
  ids[r] = ids.back();
  ids.pop_back();
  if (dry) return;
  out.appendRow(buffer, (long long)r);
  const long long last = buffer.rows - 1;
  if ((long long)r != last) copyRow(buffer, r, buffer, std::size_t(last));
  const auto L = std::size_t(last);
  buffer.tokens.resize(L * std::size_t(buffer.tokenLen));
  if (buffer.imagePx > 0) {
    buffer.images.resize(L * buffer.imageBytes());
    buffer.regions.resize(L * buffer.imageBytes());
  }
  for (auto* v : {&buffer.posLabel, &buffer.slideId, &buffer.datasetId}) v->resize(L);
  buffer.spotIndex.resize(L);
  buffer.rows = last;
}

/// File order (no shuffling): moves the first n rows of the buffer to `out`.
void CorpusReader::Impl::takeFront(std::size_t n, RowBlock& out, std::vector<std::int32_t>& outShard) {
  for (std::size_t r = 0; r < n; ++r) outShard.push_back(ids[r].shard);
  ids.erase(ids.begin(), ids.begin() + std::ptrdiff_t(n));
  if (dry) return;
  for (std::size_t r = 0; r < n; ++r) out.appendRow(buffer, (long long)r);
  RowBlock rest;
  rest.reset(buffer.tokenLen, buffer.imagePx);
  for (long long r = (long long)n; r < buffer.rows; ++r) rest.appendRow(buffer, r);
  buffer = std::move(rest);
}

/// One batch into `out` (ids only while dry); false at the end of the epoch.
Result<bool> CorpusReader::Impl::step(RowBlock& out, std::vector<std::int32_t>& outShard) {
  STAMP_CHECK(fillBuffer());
  if (ids.empty() || (opt.dropLast && ids.size() < std::size_t(opt.batchSize))) return false;
  out.reset(tokenLen, images ? imagePx : 0);
  if (opt.shuffle) {
    while (outShard.size() < std::size_t(opt.batchSize) && !ids.empty())
      takeRow(std::size_t(splitmix64(rng) % std::uint64_t(ids.size())), out, outShard);
  } else {
    takeFront(std::min(std::size_t(opt.batchSize), ids.size()), out, outShard);
  }
  ++batch;
  return true;
}

/// After a dry replay: reads the rows of the buffer, one block at a time.
Status CorpusReader::Impl::materialize() {
  buffer.reset(tokenLen, images ? imagePx : 0);
  const std::size_t n = ids.size();
  buffer.rows = (long long)n;
  buffer.tokens.resize(n * std::size_t(tokenLen));
  buffer.images.resize(n * buffer.imageBytes());
  buffer.regions.resize(n * buffer.imageBytes());
  for (auto* v : {&buffer.posLabel, &buffer.slideId, &buffer.datasetId}) v->resize(n);
  buffer.spotIndex.resize(n);
  std::map<std::pair<int, long long>, std::vector<std::size_t>> byBlock;  // (shard, block start) -> buffer rows
  for (std::size_t i = 0; i < n; ++i) byBlock[{ids[i].shard, ids[i].row / opt.blockRows * opt.blockRows}].push_back(i);
  for (const auto& [key, rows] : byBlock) {
    const auto& [shard, at] = key;
    STAMP_CHECK(openReader(shard));
    const long long count = std::min<long long>(opt.blockRows, shards[std::size_t(shard)].rows - at);
    auto b = reader->read(at, count, images);
    if (!b) return b.error().within(shards[std::size_t(shard)].path);
    for (std::size_t i : rows) copyRow(buffer, i, *b, std::size_t(ids[i].row - at));
  }
  return {};
}

CorpusReader::CorpusReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CorpusReader::CorpusReader(CorpusReader&&) noexcept = default;
CorpusReader& CorpusReader::operator=(CorpusReader&&) noexcept = default;
CorpusReader::~CorpusReader() = default;
const std::vector<ShardInfo>& CorpusReader::shards() const { return impl_->shards; }
bool CorpusReader::hasImages() const { return impl_->images; }
int CorpusReader::tokenLen() const { return impl_->tokenLen; }
std::pair<int, long long> CorpusReader::position() const { return {impl_->epoch, impl_->batch}; }

std::vector<std::string> CorpusReader::shardsOfRank(int epoch) const {
  std::vector<std::string> out;
  for (auto i : impl_->rankShards(epoch)) out.push_back(impl_->shards[std::size_t(i)].path);
  return out;
}

long long CorpusReader::rowsOfRank(int epoch) const {
  long long n = 0;
  for (auto i : impl_->rankShards(epoch)) n += impl_->kept[std::size_t(i)];
  return n;
}

long long CorpusReader::selectedRows() const {
  long long n = 0;
  for (int i : impl_->subset) n += impl_->kept[std::size_t(i)];
  return n;
}

long long CorpusReader::keptRows(int shard) const { return impl_->kept.at(std::size_t(shard)); }

long long CorpusReader::rowsOfSlides(int shard, const std::vector<std::int32_t>& slides) const {
  long long n = 0;
  for (std::int32_t s : impl_->slideOf.at(std::size_t(shard))) n += std::binary_search(slides.begin(), slides.end(), s);
  return n;
}

long long CorpusReader::batchesInEpoch(int epoch) const {
  const long long rows = rowsOfRank(epoch), bs = impl_->opt.batchSize;
  return impl_->opt.dropLast ? rows / bs : (rows + bs - 1) / bs;
}

std::vector<std::int32_t> CorpusReader::slideIds() const {
  std::vector<std::int32_t> out;
  for (int i : impl_->subset) {
    std::vector<std::int32_t> s = impl_->slideOf[std::size_t(i)];
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    out.insert(out.end(), s.begin(), s.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

Status checkOptions(const ReaderOptions& o, const std::string& folder) {
  if (o.batchSize < 1 || o.shuffleBuffer < 1 || o.blockRows < 1 || o.worldSize < 1 || o.rank < 0 || o.rank >= o.worldSize)
    return makeError(ErrorCode::InvalidArgument, "reader options: batch size, buffer and block rows must be >= 1 and 0 <= rank < world size", folder);
  return {};
}

Result<std::vector<fs::path>> listShards(const std::string& folder) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".h5" && it->path().filename().string()[0] != '.') files.push_back(it->path());
  if (ec) return makeError(ErrorCode::NotFound, "cannot list the corpus folder: " + ec.message(), folder);
  if (files.empty()) return makeError(ErrorCode::NotFound, "no corpus shards (*.h5) in this folder", folder);
  std::sort(files.begin(), files.end(), shardLess);
  return files;
}

}  // namespace

Result<CorpusReader> CorpusReader::open(const std::string& folder, const ReaderOptions& o) {
  STAMP_CHECK(checkOptions(o, folder));
  STAMP_ASSIGN(auto files, listShards(folder));
  auto m = std::make_unique<Impl>();
  m->opt = o;
  std::sort(m->opt.onlySlides.begin(), m->opt.onlySlides.end());
  std::sort(m->opt.skipSlides.begin(), m->opt.skipSlides.end());
  m->images = o.withImages;
  for (const auto& f : files) {
    STAMP_ASSIGN(auto r, RowReader::open(f.string()));
    if (m->tokenLen != 0 && r.tokenLen() != m->tokenLen)
      return makeError(ErrorCode::Mismatch, "token length differs from the other shards", f.string());
    m->tokenLen = r.tokenLen();
    if (r.hasImages() && m->imagePx != 0 && r.imagePx() != m->imagePx)
      return makeError(ErrorCode::Mismatch, "image size differs from the other shards", f.string());
    if (r.hasImages()) m->imagePx = r.imagePx();
    m->images = m->images && r.hasImages();
    m->shards.push_back({f.string(), r.rows(), r.hasImages()});
    STAMP_ASSIGN(auto ids, r.slideIds());
    m->slideOf.push_back(std::move(ids));
  }
  m->subset = o.shardSubset;
  if (m->subset.empty()) {
    m->subset.resize(m->shards.size());
    std::iota(m->subset.begin(), m->subset.end(), 0);
  }
  for (int i : m->subset)
    if (i < 0 || i >= int(m->shards.size())) return makeError(ErrorCode::InvalidArgument, "shard subset index out of range", folder);
  for (std::size_t i = 0; i < m->shards.size(); ++i) {
    long long k = 0;
    for (long long r = 0; r < m->shards[i].rows; ++r) k += m->keep(int(i), r);
    m->kept.push_back(k);
  }
  if (int(m->subset.size()) < o.worldSize)
    return makeError(ErrorCode::InvalidArgument,
                     std::to_string(m->subset.size()) + " shard(s) cannot be split over " + std::to_string(o.worldSize) +
                         " ranks; rebuild with a smaller --shard-size", folder);
  CorpusReader reader(std::move(m));
  reader.startEpoch(0);
  return reader;
}

void CorpusReader::startEpoch(int epoch) {
  Impl& m = *impl_;
  m.epoch = epoch;
  m.batch = 0;
  m.order = m.rankShards(epoch);
  m.rng = (m.opt.seed ^ 0xC0FFEEull) * 0x9E3779B97F4A7C15ull + std::uint64_t(epoch) * 1000003ull + std::uint64_t(m.opt.rank);
  m.shardPos = 0;
  m.currentShard = -1;
  m.blocks.clear();
  m.blockPos = 0;
  m.ids.clear();
  m.dry = false;
  m.buffer.reset(m.tokenLen, m.images ? m.imagePx : 0);
}

Status CorpusReader::seek(int epoch, long long batch) {
  if (epoch < 0 || batch < 0 || batch > batchesInEpoch(epoch))
    return makeError(ErrorCode::OutOfRange, "seek to batch " + std::to_string(batch) + " of epoch " + std::to_string(epoch) +
                                                ", which has " + std::to_string(batchesInEpoch(epoch)) + " batches on this rank");
  Impl& m = *impl_;
  startEpoch(epoch);
  m.dry = true;
  RowBlock none;
  std::vector<std::int32_t> shardOf;
  for (long long b = 0; b < batch; ++b) {
    shardOf.clear();
    auto r = m.step(none, shardOf);
    if (!r) {
      startEpoch(epoch);
      return r.error();
    }
  }
  m.dry = false;
  auto s = m.materialize();
  if (!s) startEpoch(epoch);
  return s;
}

Result<std::optional<CorpusBatch>> CorpusReader::next() {
  Impl& m = *impl_;
  RowBlock out;
  CorpusBatch b;
  STAMP_ASSIGN(bool got, m.step(out, b.shard));
  if (!got) return std::optional<CorpusBatch>();
  b.rows = int(out.rows);
  b.tokenLen = out.tokenLen;
  b.imagePx = out.imagePx;
  b.tokens = std::move(out.tokens);
  b.images = std::move(out.images);
  b.regions = std::move(out.regions);
  b.posLabel = std::move(out.posLabel);
  b.slideId = std::move(out.slideId);
  b.datasetId = std::move(out.datasetId);
  b.spotIndex = std::move(out.spotIndex);
  return std::optional<CorpusBatch>(std::move(b));
}

}  // namespace stamp::core::corpus
