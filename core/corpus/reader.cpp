// CorpusReader: shard assignment per rank, block reads, shuffle buffer, batching.
#include "corpus/reader.h"

#include <algorithm>
#include <filesystem>
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

}  // namespace

struct CorpusReader::Impl {
  ReaderOptions opt;
  std::vector<ShardInfo> shards;
  int tokenLen = 0, imagePx = 0;
  bool images = false;
  // epoch state
  std::uint64_t rng = 0;
  std::vector<std::size_t> order;  // this rank's shards
  std::size_t shardPos = 0;
  std::optional<RowReader> current;
  std::vector<long long> blocks;  // block starts of the current shard, in read order
  std::size_t blockPos = 0;
  RowBlock buffer;  // the shuffle buffer (rows in arbitrary order)

  std::vector<std::size_t> rankShards(int epoch) const;
  Status fillBuffer();
  Status loadNextBlock(bool& done);
  void takeRow(long long r, RowBlock& out);
  void takeFront(long long n, RowBlock& out);
};

std::vector<std::size_t> CorpusReader::Impl::rankShards(int epoch) const {
  std::vector<std::size_t> all(shards.size());
  std::iota(all.begin(), all.end(), std::size_t(0));
  if (opt.shuffle) {
    std::uint64_t st = opt.seed * 0x100000001B3ull + std::uint64_t(epoch);
    shuffleWith(all, st);
  }
  std::vector<std::size_t> mine;
  for (std::size_t i = std::size_t(opt.rank); i < all.size(); i += std::size_t(opt.worldSize)) mine.push_back(all[i]);
  return mine;
}

/// Opens the next shard (or moves to its next block) and appends one block to the buffer.
Status CorpusReader::Impl::loadNextBlock(bool& done) {
  while (!current || blockPos == blocks.size()) {
    if (shardPos == order.size()) {
      done = true;
      return {};
    }
    const ShardInfo& s = shards[order[shardPos++]];
    STAMP_ASSIGN(auto r, RowReader::open(s.path));
    current.emplace(std::move(r));
    blocks.clear();
    for (long long at = 0; at < current->rows(); at += opt.blockRows) blocks.push_back(at);
    if (opt.shuffle) shuffleWith(blocks, rng);
    blockPos = 0;
  }
  const long long at = blocks[blockPos++];
  STAMP_ASSIGN(auto b, current->read(at, std::min<long long>(opt.blockRows, current->rows() - at), images));
  for (long long r = 0; r < b.rows; ++r) buffer.appendRow(b, r);
  return {};
}

Status CorpusReader::Impl::fillBuffer() {
  bool done = false;
  while (!done && buffer.rows < std::max<long long>(opt.shuffleBuffer, opt.batchSize)) STAMP_CHECK(loadNextBlock(done));
  return {};
}

/// Moves row r of the buffer to `out` (the buffer's last row takes its place).
void CorpusReader::Impl::takeRow(long long r, RowBlock& out) {
  out.appendRow(buffer, r);
  const long long last = buffer.rows - 1;
  auto moveLast = [&](auto& v, std::size_t width) {
    if (r != last) std::copy_n(v.begin() + std::ptrdiff_t(std::size_t(last) * width), width, v.begin() + std::ptrdiff_t(std::size_t(r) * width));
    v.resize(std::size_t(last) * width);
  };
  moveLast(buffer.tokens, std::size_t(buffer.tokenLen));
  if (buffer.imagePx > 0) {
    moveLast(buffer.images, buffer.imageBytes());
    moveLast(buffer.regions, buffer.imageBytes());
  }
  moveLast(buffer.posLabel, 1);
  moveLast(buffer.slideId, 1);
  moveLast(buffer.datasetId, 1);
  moveLast(buffer.spotIndex, 1);
  buffer.rows = last;
}

/// File order (no shuffling): moves the first n rows of the buffer to `out`.
void CorpusReader::Impl::takeFront(long long n, RowBlock& out) {
  for (long long r = 0; r < n; ++r) out.appendRow(buffer, r);
  RowBlock rest;
  rest.reset(buffer.tokenLen, buffer.imagePx);
  for (long long r = n; r < buffer.rows; ++r) rest.appendRow(buffer, r);
  buffer = std::move(rest);
}

CorpusReader::CorpusReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CorpusReader::CorpusReader(CorpusReader&&) noexcept = default;
CorpusReader& CorpusReader::operator=(CorpusReader&&) noexcept = default;
CorpusReader::~CorpusReader() = default;
const std::vector<ShardInfo>& CorpusReader::shards() const { return impl_->shards; }
bool CorpusReader::hasImages() const { return impl_->images; }
int CorpusReader::tokenLen() const { return impl_->tokenLen; }

std::vector<std::string> CorpusReader::shardsOfRank(int epoch) const {
  std::vector<std::string> out;
  for (auto i : impl_->rankShards(epoch)) out.push_back(impl_->shards[i].path);
  return out;
}

long long CorpusReader::rowsOfRank(int epoch) const {
  long long n = 0;
  for (auto i : impl_->rankShards(epoch)) n += impl_->shards[i].rows;
  return n;
}

Result<CorpusReader> CorpusReader::open(const std::string& folder, const ReaderOptions& o) {
  if (o.batchSize < 1 || o.shuffleBuffer < 1 || o.blockRows < 1 || o.worldSize < 1 || o.rank < 0 || o.rank >= o.worldSize)
    return makeError(ErrorCode::InvalidArgument, "reader options: batch size, buffer and block rows must be >= 1 and 0 <= rank < world size", folder);
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".h5" && it->path().filename().string()[0] != '.') files.push_back(it->path());
  if (ec) return makeError(ErrorCode::NotFound, "cannot list the corpus folder: " + ec.message(), folder);
  if (files.empty()) return makeError(ErrorCode::NotFound, "no corpus shards (*.h5) in this folder", folder);
  std::sort(files.begin(), files.end(), shardLess);
  auto m = std::make_unique<Impl>();
  m->opt = o;
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
  }
  if (int(m->shards.size()) < o.worldSize)
    return makeError(ErrorCode::InvalidArgument,
                     std::to_string(m->shards.size()) + " shard(s) cannot be split over " + std::to_string(o.worldSize) +
                         " ranks; rebuild with a smaller --shard-size", folder);
  CorpusReader reader(std::move(m));
  reader.startEpoch(0);
  return reader;
}

void CorpusReader::startEpoch(int epoch) {
  Impl& m = *impl_;
  m.order = m.rankShards(epoch);
  m.rng = (m.opt.seed ^ 0xC0FFEEull) * 0x9E3779B97F4A7C15ull + std::uint64_t(epoch) * 1000003ull + std::uint64_t(m.opt.rank);
  m.shardPos = 0;
  m.current.reset();
  m.blocks.clear();
  m.blockPos = 0;
  m.buffer.reset(m.tokenLen, m.images ? m.imagePx : 0);
}

Result<std::optional<CorpusBatch>> CorpusReader::next() {
  Impl& m = *impl_;
  STAMP_CHECK(m.fillBuffer());
  if (m.buffer.rows == 0 || (m.opt.dropLast && m.buffer.rows < m.opt.batchSize)) return std::optional<CorpusBatch>();
  RowBlock out;
  out.reset(m.tokenLen, m.buffer.imagePx);
  if (m.opt.shuffle) {
    while (out.rows < m.opt.batchSize && m.buffer.rows > 0)
      m.takeRow((long long)(splitmix64(m.rng) % std::uint64_t(m.buffer.rows)), out);
  } else {
    m.takeFront(std::min<long long>(m.opt.batchSize, m.buffer.rows), out);
  }
  CorpusBatch b;
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
