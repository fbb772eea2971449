// Chunked HDF5 readers of count matrices (h5::readIndices / readCounts / readInt64s /
// forEachRowBlock): block boundaries inside small files, bad values in a later block reported with
// their position, int64 indices beyond int32 and float64 counts beyond float32 refused instead of
// narrowed silently; and the same through readH5ad and read10xH5.
#include <cfloat>
#include <cmath>
#include <limits>

#include "st/h5ad.h"
#include "st/hdf5_util.h"
#include "st/space_ranger.h"
#include "st_test_helpers.h"

namespace stamp::test::st {
namespace {
using namespace stamp::core;
using namespace stamp::core::st;
using h5::Hid;

/// Lowers the elements per read for one test (restored after).
class ChunkElems {
 public:
  explicit ChunkElems(std::size_t n) : old_(h5::readChunkElems()) { h5::setReadChunkElems(n); }
  ~ChunkElems() { h5::setReadChunkElems(old_); }

 private:
  std::size_t old_;
};

class ChunkedRead : public ScratchTest {
 public:
  /// Writes dataset "d" holding `v` (shape `dims`, default 1-D) and opens it as ds_.
  template <class T>
  hid_t put(const std::vector<T>& v, std::vector<std::uint64_t> dims = {}, bool compress = false) {
    ds_ = Hid();
    file_ = Hid();
    path_ = (dir_ / ("f" + std::to_string(count_++) + ".h5")).string();
    if (dims.empty()) dims = {v.size()};
    {
      auto f = h5::createFile(path_);
      EXPECT_TRUE(f.ok());
      auto st = h5::writeArray(f->get(), "d", v.data(), dims, h5::WriteOptions{compress});
      EXPECT_TRUE(st.ok()) << st.error().describe();
    }
    file_ = std::move(h5::openFile(path_).value());
    ds_ = std::move(h5::openDataset(file_.get(), "d", path_).value());
    return ds_.get();
  }
  std::string path_;
  Hid file_, ds_;
  int count_ = 0;
};

template <class T>
std::vector<T> sequence(int n) {
  std::vector<T> v;
  for (int i = 0; i < n; ++i) v.push_back(T((i * 7) % 13));
  return v;
}

template <class T>
void expectSameAcrossBlocks(ChunkedRead& t) {
  for (bool compress : {false, true}) {
    hid_t d = t.put(sequence<T>(50), {}, compress);
    for (std::size_t chunk : {std::size_t(1), std::size_t(3), std::size_t(7), std::size_t(49),
                              std::size_t(50), std::size_t(64), std::size_t(1) << 20}) {
      ChunkElems scope(chunk);
      auto idx = h5::readIndices(d, 13, "d");
      auto cnt = h5::readCounts(d, "d");
      auto i64 = h5::readInt64s(d, "d");
      ASSERT_TRUE(idx.ok() && cnt.ok() && i64.ok()) << "chunk " << chunk;
      EXPECT_EQ(*idx, sequence<std::int32_t>(50)) << "chunk " << chunk << " compress " << compress;
      EXPECT_EQ(*cnt, sequence<float>(50)) << "chunk " << chunk;
      EXPECT_EQ(*i64, sequence<std::int64_t>(50)) << "chunk " << chunk;
    }
  }
}

TEST_F(ChunkedRead, EveryTypeAndBlockSizeReadsTheSameValues) {
  expectSameAcrossBlocks<std::int8_t>(*this);
  expectSameAcrossBlocks<std::int16_t>(*this);
  expectSameAcrossBlocks<std::int32_t>(*this);
  expectSameAcrossBlocks<std::int64_t>(*this);
  expectSameAcrossBlocks<float>(*this);
  expectSameAcrossBlocks<double>(*this);
}

TEST_F(ChunkedRead, IndexOutsideInASecondBlockIsNamedWithItsPosition) {
  ChunkElems scope(4);
  auto v = sequence<std::int32_t>(12);
  v[5] = 13;  // == bound, second block
  auto r = h5::readIndices(put(v), 13, "x.h5ad: X/indices");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
  EXPECT_NE(r.error().describe().find("index 13 at position 5"), std::string::npos) << r.error().describe();
  EXPECT_NE(r.error().describe().find("x.h5ad: X/indices"), std::string::npos);
  auto w = sequence<std::int64_t>(12);
  w[9] = -1;  // third block
  r = h5::readIndices(put(w), 13, "d");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
  EXPECT_NE(r.error().describe().find("index -1 at position 9"), std::string::npos) << r.error().describe();
}

TEST_F(ChunkedRead, Int64IndexBeyondInt32IsRefusedNotWrapped) {
  ChunkElems scope(4);
  for (std::int64_t big : {(std::int64_t(1) << 32) + 1, std::numeric_limits<std::int64_t>::max(),
                           std::int64_t(INT32_MAX) + 1}) {
    auto v = sequence<std::int64_t>(10);
    v[6] = big;  // 2^32 + 1 would be index 1 if cut to 32 bits
    auto r = h5::readIndices(put(v), 13, "d");
    ASSERT_FALSE(r.ok()) << big;
    EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
    EXPECT_NE(r.error().describe().find("index " + std::to_string(big) + " at position 6"), std::string::npos)
        << r.error().describe();
  }
  // Also when the bound itself is beyond int32 (no 32-bit index can then be too large).
  auto v = sequence<std::int64_t>(10);
  v[2] = std::int64_t(INT32_MAX) + 5;
  auto r = h5::readIndices(put(v), std::int64_t(INT32_MAX) + 10, "d");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
}

TEST_F(ChunkedRead, NonFiniteCountInASecondBlockIsNamedWithItsPosition) {
  ChunkElems scope(4);
  auto f = sequence<float>(12);
  f[5] = std::nanf("");
  auto r = h5::readCounts(put(f), "x.h5: matrix/data");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Numerical);
  EXPECT_NE(r.error().describe().find("at position 5"), std::string::npos) << r.error().describe();
  EXPECT_NE(r.error().describe().find("x.h5: matrix/data"), std::string::npos);
  auto d = sequence<double>(12);
  d[11] = -INFINITY;
  r = h5::readCounts(put(d), "d");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Numerical);
  EXPECT_NE(r.error().describe().find("at position 11"), std::string::npos) << r.error().describe();
}

TEST_F(ChunkedRead, Float64CountBeyondFloat32IsAnErrorNotInfinity) {
  ChunkElems scope(4);
  auto d = sequence<double>(12);
  d[3] = 3.0e38;  // fits float32
  auto ok = h5::readCounts(put(d), "d");
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_FLOAT_EQ((*ok)[3], 3.0e38f);
  d[6] = 1.0e39;
  auto r = h5::readCounts(put(d), "d");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Numerical);
  EXPECT_NE(r.error().describe().find("at position 6"), std::string::npos) << r.error().describe();
}

TEST_F(ChunkedRead, NonIntegralIndicesHugeIntegersAndStringsAreFormatErrors) {
  ChunkElems scope(4);
  auto d = sequence<double>(10);
  d[7] = 2.5;
  auto asIndex = h5::readIndices(put(d), 13, "d");
  ASSERT_FALSE(asIndex.ok());
  auto asInt = h5::readInt64s(put(d), "d");
  ASSERT_FALSE(asInt.ok());
  for (const Error& r : {asIndex.error(), asInt.error()}) {
    EXPECT_EQ(r.code, ErrorCode::Format);
    EXPECT_NE(r.describe().find("expected integers, found 2.5"), std::string::npos) << r.describe();
    EXPECT_NE(r.describe().find("position 7"), std::string::npos) << r.describe();
  }
  auto v = sequence<std::int64_t>(10);
  v[8] = std::int64_t(1) << 60;  // beyond what readInt64s accepts (9e15)
  auto big = h5::readInt64s(put(v), "d");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::Format);
  {
    auto f = h5::createFile((dir_ / "s.h5").string());
    ASSERT_TRUE(h5::writeStrings(f->get(), "d", {"a", "b"}).ok());
  }
  auto f = h5::openFile((dir_ / "s.h5").string());
  auto s = h5::openDataset(f->get(), "d", "s.h5");
  EXPECT_EQ(h5::readIndices(s->get(), 3, "s").error().code, ErrorCode::Format);
  EXPECT_EQ(h5::readCounts(s->get(), "s").error().code, ErrorCode::Format);
  EXPECT_EQ(h5::readInt64s(s->get(), "s").error().code, ErrorCode::Format);
  auto noop = [](const double*, std::uint64_t, std::uint64_t) -> Status { return {}; };
  EXPECT_EQ(h5::forEachRowBlock(s->get(), "s", noop).error().code, ErrorCode::Format);
}

TEST_F(ChunkedRead, RowBlocksCoverEveryRowOnce) {
  std::vector<double> m(7 * 5);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = double(i);
  for (bool compress : {false, true}) {
    hid_t d = put(m, {7, 5}, compress);
    for (std::size_t chunk : {std::size_t(1), std::size_t(5), std::size_t(12), std::size_t(100)}) {
      ChunkElems scope(chunk);
      std::vector<double> seen;
      std::uint64_t nextRow = 0;
      auto st = h5::forEachRowBlock(d, "d", [&](const double* v, std::uint64_t first, std::uint64_t rows) -> Status {
        EXPECT_EQ(first, nextRow);
        EXPECT_GE(rows, 1u);
        nextRow += rows;
        seen.insert(seen.end(), v, v + rows * 5);
        return {};
      });
      ASSERT_TRUE(st.ok()) << st.error().describe();
      EXPECT_EQ(seen, m) << "chunk " << chunk;
    }
  }
}

// ---- through the file readers ----

/// Replaces dataset `name` of an existing HDF5 file with `v` (shape `dims`, default 1-D).
template <class T>
void replaceDataset(const fs::path& file, const std::string& name, const std::vector<T>& v,
                    std::vector<std::uint64_t> dims = {}) {
  Hid f(H5Fopen(file.string().c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  ASSERT_TRUE(f.valid());
  ASSERT_GE(H5Ldelete(f.get(), name.c_str(), H5P_DEFAULT), 0) << name;
  if (dims.empty()) dims = {v.size()};
  auto st = h5::writeArray(f.get(), name, v.data(), dims);
  ASSERT_TRUE(st.ok()) << st.error().describe();
}

void expectSameCounts(const CsrMatrix& a, const CsrMatrix& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.cols, b.cols);
  EXPECT_EQ(a.indptr, b.indptr);
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_EQ(a.data, b.data);
}

class ChunkedFiles : public ScratchTest {};

TEST_F(ChunkedFiles, H5adCountsAcrossBlocksAndBadValuesInALaterBlock) {
  SpatialSample s = makeSample(30, 9);
  fs::path path = dir_ / "blocks.h5ad";
  ASSERT_TRUE(writeH5ad(path.string(), s).ok());
  ChunkElems scope(7);
  auto back = readH5ad(path.string());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  expectSameCounts(back->counts, s.counts);

  std::vector<std::int64_t> wide(s.counts.indices.begin(), s.counts.indices.end());
  wide[10] = (std::int64_t(1) << 32) + wide[10];  // the same column if cut to 32 bits
  replaceDataset(path, "X/indices", wide);
  auto r = readH5ad(path.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
  for (const char* needle : {"blocks.h5ad", "X/indices", "at position 10"})
    EXPECT_NE(r.error().describe().find(needle), std::string::npos) << r.error().describe();

  replaceDataset(path, "X/indices", s.counts.indices);
  std::vector<double> data(s.counts.data.begin(), s.counts.data.end());
  data[9] = 1e300;  // float64 beyond float32
  replaceDataset(path, "X/data", data);
  r = readH5ad(path.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Numerical);
  for (const char* needle : {"blocks.h5ad", "X/data", "at position 9"})
    EXPECT_NE(r.error().describe().find(needle), std::string::npos) << r.error().describe();

  data[9] = 1;
  data.pop_back();  // one value short of indices
  replaceDataset(path, "X/data", data);
  r = readH5ad(path.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find("differ in length"), std::string::npos) << r.error().describe();
}

TEST_F(ChunkedFiles, DenseH5adXIsReadInRowBlocks) {
  SpatialSample s = makeSample(12, 9);
  fs::path path = dir_ / "dense.h5ad";
  ASSERT_TRUE(writeH5ad(path.string(), s).ok());
  std::vector<float> dense(12 * 9, 0.f);
  for (std::int64_t r = 0; r < 12; ++r)
    for (auto k = s.counts.indptr[std::size_t(r)]; k < s.counts.indptr[std::size_t(r) + 1]; ++k)
      dense[std::size_t(r * 9 + s.counts.indices[std::size_t(k)])] = s.counts.data[std::size_t(k)];
  {
    Hid f(H5Fopen(path.string().c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    ASSERT_GE(H5Ldelete(f.get(), "X", H5P_DEFAULT), 0);
  }
  {
    Hid f(H5Fopen(path.string().c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    ASSERT_TRUE(h5::writeArray(f.get(), "X", dense.data(), {12, 9}).ok());
  }
  for (std::size_t chunk : {std::size_t(4), std::size_t(20), std::size_t(1) << 20}) {
    ChunkElems scope(chunk);  // 4: one row per read; 20: two rows
    auto back = readH5ad(path.string());
    ASSERT_TRUE(back.ok()) << back.error().describe();
    expectSameCounts(back->counts, s.counts);
  }
  ChunkElems scope(20);
  dense[7 * 9 + 2] = NAN;
  replaceDataset(path, "X", dense, {12, 9});
  auto r = readH5ad(path.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Numerical);
  EXPECT_NE(r.error().describe().find("row 7, column 2"), std::string::npos) << r.error().describe();
}

TEST_F(ChunkedFiles, TenxCountsAcrossBlocksAndInt64IndexOverflow) {
  SpatialSample s = makeSample(30, 9);
  fs::path path = dir_ / "blocks.h5";
  ASSERT_TRUE(write10xH5(path.string(), s).ok());
  ChunkElems scope(5);
  auto back = read10xH5(path.string());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  expectSameCounts(back->counts, s.counts);

  std::vector<std::int64_t> wide(s.counts.indices.begin(), s.counts.indices.end());
  wide[12] = (std::int64_t(1) << 32) + wide[12];
  replaceDataset(path, "matrix/indices", wide);
  auto r = read10xH5(path.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
  for (const char* needle : {"blocks.h5", "matrix/indices", "at position 12"})
    EXPECT_NE(r.error().describe().find(needle), std::string::npos) << r.error().describe();

  replaceDataset(path, "matrix/indices", wide = std::vector<std::int64_t>(s.counts.indices.begin(), s.counts.indices.end()));
  std::vector<float> data = s.counts.data;
  data[8] = INFINITY;
  replaceDataset(path, "matrix/data", data);
  r = read10xH5(path.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Numerical);
  for (const char* needle : {"matrix/data", "non-finite", "at position 8"})
    EXPECT_NE(r.error().describe().find(needle), std::string::npos) << r.error().describe();
}

}  // namespace
}  // namespace stamp::test::st
