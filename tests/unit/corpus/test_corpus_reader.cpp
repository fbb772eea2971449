// CorpusReader: reproducible from a seed, disjoint and complete across ranks, bounded block
// reads, published-style token-only shards, bad folders refused.
#include <map>
#include <set>

#include "corpus/reader.h"
#include "corpus_fixture.h"
#include "st/hdf5_util.h"

namespace stamp::test::corpustest {
using namespace stamp::core;
using core::corpus::RowBlock;

namespace {

/// A token-only corpus of the demo sample in shards of 23 rows (built once per process).
const fs::path& tokenCorpus() {
  static const fs::path dir = [] {
    fs::path d = scratchDir("corpus-reader") / "c";
    corpus::CorpusOptions o;
    o.inputs = {demoSample().outsDir, demoSample().hestRoot};
    o.outDir = d.string();
    o.vocabDir = vocabDir()->string();
    o.shardSize = 23;
    auto sum = corpus::buildCorpus(o);
    EXPECT_TRUE(sum.ok()) << sum.error().describe();
    return d;
  }();
  return dir;
}

using RowId = std::pair<int, std::int64_t>;  // (slide, spot)

std::vector<RowId> drain(const fs::path& dir, corpus::ReaderOptions o, int epoch = 0) {
  auto r = corpus::CorpusReader::open(dir.string(), o);
  EXPECT_TRUE(r.ok()) << r.error().describe();
  std::vector<RowId> ids;
  if (!r.ok()) return ids;
  r->startEpoch(epoch);
  for (;;) {
    auto b = r->next();
    EXPECT_TRUE(b.ok()) << b.error().describe();
    if (!b.ok() || !b->has_value()) break;
    const auto& batch = **b;
    EXPECT_LE(batch.rows, o.batchSize);
    EXPECT_EQ(batch.tokens.size(), std::size_t(batch.rows) * std::size_t(batch.tokenLen));
    EXPECT_TRUE(batch.images.empty()) << "token-only corpus";
    for (int i = 0; i < batch.rows; ++i) ids.emplace_back(batch.slideId[std::size_t(i)], batch.spotIndex[std::size_t(i)]);
  }
  return ids;
}

}  // namespace

TEST(CorpusReader, SameSeedSameOrderOtherSeedOrEpochAnother) {
  STAMP_REQUIRE_VOCAB();
  corpus::ReaderOptions o;
  o.batchSize = 8;
  o.shuffleBuffer = 40;
  o.blockRows = 5;
  o.seed = 7;
  const auto a = drain(tokenCorpus(), o), b = drain(tokenCorpus(), o);
  ASSERT_GT(a.size(), 100u);
  EXPECT_EQ(a, b);
  o.seed = 8;
  const auto c = drain(tokenCorpus(), o);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::set<RowId>(a.begin(), a.end()), std::set<RowId>(c.begin(), c.end()));
  o.seed = 7;
  EXPECT_NE(a, drain(tokenCorpus(), o, 1)) << "another epoch, another order";
  // Unshuffled: file order, exactly the shard rows.
  o.shuffle = false;
  const auto plain = drain(tokenCorpus(), o);
  RowBlock all = readAllShards(tokenCorpus(), false);
  ASSERT_EQ(plain.size(), std::size_t(all.rows));
  for (std::size_t i = 0; i < plain.size(); ++i)
    ASSERT_EQ(plain[i], RowId(all.slideId[i], all.spotIndex[i])) << i;
  EXPECT_EQ(std::set<RowId>(a.begin(), a.end()).size(), a.size()) << "every row once per epoch";
}

TEST(CorpusReader, RanksReadDisjointShardsCoveringTheCorpus) {
  STAMP_REQUIRE_VOCAB();
  corpus::ReaderOptions o;
  o.batchSize = 16;
  o.seed = 3;
  o.worldSize = 3;
  std::set<RowId> seen;
  std::set<std::string> shardsSeen;
  std::size_t total = 0;
  for (int rank = 0; rank < 3; ++rank) {
    o.rank = rank;
    auto r = corpus::CorpusReader::open(tokenCorpus().string(), o);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    for (const auto& s : r->shardsOfRank(0)) EXPECT_TRUE(shardsSeen.insert(s).second) << s << " read by two ranks";
    const auto ids = drain(tokenCorpus(), o);
    EXPECT_EQ((long long)ids.size(), r->rowsOfRank(0));
    for (const auto& id : ids) EXPECT_TRUE(seen.insert(id).second) << "row read twice";
    total += ids.size();
  }
  EXPECT_EQ((long long)total, readAllShards(tokenCorpus(), false).rows);
  o.worldSize = 1000;
  o.rank = 0;
  auto tooMany = corpus::CorpusReader::open(tokenCorpus().string(), o);
  ASSERT_FALSE(tooMany.ok());
  EXPECT_NE(tooMany.error().message.find("ranks"), std::string::npos);
}

TEST(CorpusReader, BatchesCarryTheShardRows) {
  STAMP_REQUIRE_VOCAB();
  corpus::ReaderOptions o;
  o.batchSize = 10;
  o.seed = 1;
  o.dropLast = true;
  auto r = corpus::CorpusReader::open(tokenCorpus().string(), o);
  ASSERT_TRUE(r.ok());
  RowBlock all = readAllShards(tokenCorpus(), false);
  std::map<RowId, long long> where;
  for (long long i = 0; i < all.rows; ++i) where[{all.slideId[std::size_t(i)], all.spotIndex[std::size_t(i)]}] = i;
  int batches = 0;
  for (;;) {
    auto b = r->next();
    ASSERT_TRUE(b.ok());
    if (!b->has_value()) break;
    const auto& batch = **b;
    ASSERT_EQ(batch.rows, 10) << "dropLast leaves only full batches";
    ++batches;
    for (int i = 0; i < batch.rows; ++i) {
      const long long src = where.at({batch.slideId[std::size_t(i)], batch.spotIndex[std::size_t(i)]});
      ASSERT_TRUE(std::equal(batch.tokens.begin() + i * 4096, batch.tokens.begin() + (i + 1) * 4096,
                             all.tokens.begin() + src * 4096));
      EXPECT_EQ(batch.posLabel[std::size_t(i)], -1) << "token-only: no label";
    }
  }
  EXPECT_EQ(batches, all.rows / 10);
}

TEST(CorpusReader, PublishedStyleTokenOnlyShardWithInt64Tokens) {
  const fs::path dir = scratchDir("corpus-published");
  std::vector<std::int64_t> tokens(5 * 4096, 0);
  for (int r = 0; r < 5; ++r) tokens[std::size_t(r) * 4096] = 30 + r;
  {
    auto f = st::h5::createFile((dir / "train_0.h5").string());
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(st::h5::writeArray(f->get(), "tokenized_gene", tokens.data(), {5, 4096}).ok());
  }
  corpus::ReaderOptions o;
  o.batchSize = 4;
  o.shuffle = false;
  auto r = corpus::CorpusReader::open(dir.string(), o);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_FALSE(r->hasImages());
  auto b = r->next();
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->rows, 4);
  EXPECT_EQ((*b)->tokens[4096 * 2], 32);
  EXPECT_EQ((*b)->slideId[0], -1);
  b = r->next();
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->rows, 1);
  b = r->next();
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->has_value());
}

TEST(CorpusReader, BadFoldersAreRefused) {
  const fs::path dir = scratchDir("corpus-bad-reader");
  auto empty = corpus::CorpusReader::open(dir.string());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::NotFound);
  std::vector<std::int32_t> oneD(10, 1);
  {
    auto f = st::h5::createFile((dir / "tokens-0.h5").string());
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(st::h5::writeArray(f->get(), "tokenized_gene", oneD.data(), {10}).ok());
  }
  auto bad = corpus::CorpusReader::open(dir.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::Format) << bad.error().describe();
  { std::ofstream(dir / "tokens-0.h5") << "truncated garbage"; }
  auto garbage = corpus::CorpusReader::open(dir.string());
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, ErrorCode::Format) << garbage.error().describe();
  corpus::ReaderOptions o;
  o.rank = 2;
  o.worldSize = 2;
  EXPECT_EQ(corpus::CorpusReader::open(dir.string(), o).error().code, ErrorCode::InvalidArgument);
}

TEST(CorpusReader, SeekEqualsReadingOnAndLeavesTheBufferBounded) {
  STAMP_REQUIRE_VOCAB();
  corpus::ReaderOptions o;
  o.batchSize = 6;
  o.shuffleBuffer = 30;
  o.blockRows = 7;
  o.seed = 11;
  auto a = corpus::CorpusReader::open(tokenCorpus().string(), o);
  ASSERT_TRUE(a.ok()) << a.error().describe();
  a->startEpoch(1);
  const long long n = a->batchesInEpoch(1);
  ASSERT_GT(n, 10);
  std::vector<corpus::CorpusBatch> seq;
  for (;;) {
    auto b = a->next();
    ASSERT_TRUE(b.ok());
    if (!b->has_value()) break;
    seq.push_back(std::move(**b));
  }
  ASSERT_EQ((long long)seq.size(), n) << "batchesInEpoch counts what next() yields";
  for (long long at : {0LL, 1LL, 7LL, n - 1, n}) {
    auto r = corpus::CorpusReader::open(tokenCorpus().string(), o);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->seek(1, at).ok());
    EXPECT_EQ(r->position(), std::make_pair(1, at));
    for (long long k = at; k < n; ++k) {
      auto b = r->next();
      ASSERT_TRUE(b.ok() && b->has_value()) << k;
      EXPECT_EQ((*b)->tokens, seq[std::size_t(k)].tokens) << "batch " << k << " after seeking to " << at;
      EXPECT_EQ((*b)->spotIndex, seq[std::size_t(k)].spotIndex);
      EXPECT_EQ((*b)->shard, seq[std::size_t(k)].shard);
    }
    auto end = r->next();
    ASSERT_TRUE(end.ok());
    EXPECT_FALSE(end->has_value());
  }
  auto r = corpus::CorpusReader::open(tokenCorpus().string(), o);
  EXPECT_EQ(r->seek(1, n + 1).error().code, ErrorCode::OutOfRange);
}

TEST(CorpusReader, SlideFiltersAndShardSubsetsPartitionTheRows) {
  STAMP_REQUIRE_VOCAB();
  corpus::ReaderOptions o;
  o.batchSize = 8;
  o.seed = 2;
  auto all = corpus::CorpusReader::open(tokenCorpus().string(), o);
  ASSERT_TRUE(all.ok());
  const auto slides = all->slideIds();
  ASSERT_EQ(slides.size(), 2u) << "two inputs, two batch_slide_ids";
  corpus::ReaderOptions keep = o, skip = o;
  keep.onlySlides = {slides[1]};
  skip.skipSlides = {slides[1]};
  const auto kept = drain(tokenCorpus(), keep), skipped = drain(tokenCorpus(), skip);
  for (const auto& id : kept) EXPECT_EQ(id.first, slides[1]);
  for (const auto& id : skipped) EXPECT_EQ(id.first, slides[0]);
  EXPECT_EQ((long long)(kept.size() + skipped.size()), all->selectedRows());
  // A subset of shards: only their rows, split over ranks.
  corpus::ReaderOptions sub = o;
  sub.shardSubset = {0, 2, 4};
  auto r = corpus::CorpusReader::open(tokenCorpus().string(), sub);
  ASSERT_TRUE(r.ok());
  std::set<std::string> allowed = {r->shards()[0].path, r->shards()[2].path, r->shards()[4].path};
  for (const auto& p : r->shardsOfRank(0)) EXPECT_TRUE(allowed.count(p)) << p;
  EXPECT_EQ((long long)drain(tokenCorpus(), sub).size(), r->shards()[0].rows + r->shards()[2].rows + r->shards()[4].rows);
  sub.shardSubset = {99};
  EXPECT_FALSE(corpus::CorpusReader::open(tokenCorpus().string(), sub).ok());
}

}  // namespace stamp::test::corpustest
