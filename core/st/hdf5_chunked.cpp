// Chunked reads of large numeric datasets (count matrices) straight into their final typed
// vectors: a constant-size buffer per H5Dread instead of a whole-dataset double copy, so the peak
// stays ~1x what is kept. Every value is checked on the way in; HDF5's own conversion is used only
// where it cannot lose information silently (int -> wider int, float32 -> float32, any -> double),
// because its overflow handling clamps rather than fails.
#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "st/hdf5_util.h"
#include "common/block_scan.h"

namespace stamp::core::st::h5 {
namespace {
std::atomic<std::size_t> gChunkElems{std::size_t(1) << 20};

Error formatError(const std::string& ctx, const std::string& msg) {
  return makeError(ErrorCode::Format, msg, ctx);
}

/// A dataset's extent seen as rows along dimension 0, each `rowElems` elements.
struct Layout {
  int rank = 0;  // 0 = scalar
  std::vector<hsize_t> dims;
  std::uint64_t n = 0, rows = 0, rowElems = 1;
};

Result<Layout> layoutOf(hid_t ds, const std::string& what) {
  Hid space(H5Dget_space(ds));
  if (!space.valid()) return formatError(what, "unreadable dataset header");
  Layout l;
  H5S_class_t cls = H5Sget_simple_extent_type(space.get());
  if (cls == H5S_NULL) return l;
  if (cls == H5S_SCALAR) {
    l.n = l.rows = 1;
    return l;
  }
  int rank = H5Sget_simple_extent_ndims(space.get());
  if (cls != H5S_SIMPLE || rank <= 0 || rank > 32) return formatError(what, "unreadable dataset header");
  l.rank = rank;
  l.dims.assign(std::size_t(rank), 0);
  H5Sget_simple_extent_dims(space.get(), l.dims.data(), nullptr);
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) return formatError(what, "unreadable dataset header");
  l.n = std::uint64_t(n);
  l.rows = l.dims[0];
  for (int i = 1; i < rank; ++i) l.rowElems *= l.dims[std::size_t(i)];
  return l;
}

/// Whole rows per read: about `chunkElems` elements, rounded down to whole storage chunks so
/// that no compressed chunk is decompressed twice.
std::uint64_t rowsPerRead(hid_t ds, const Layout& l, std::size_t chunkElems) {
  std::uint64_t rows = std::max<std::uint64_t>(1, chunkElems / std::max<std::uint64_t>(1, l.rowElems));
  Hid dcpl(H5Dget_create_plist(ds));
  if (l.rank > 0 && dcpl.valid() && H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
    std::vector<hsize_t> c(std::size_t(l.rank), 0);
    if (H5Pget_chunk(dcpl.get(), l.rank, c.data()) == l.rank && c[0] > 0 && c[0] <= rows)
      rows -= rows % c[0];
  }
  return rows;
}

/// Rows [row, row + nRows) converted to `mem` into `buf`.
bool readRows(hid_t ds, const Layout& l, hid_t mem, std::uint64_t row, std::uint64_t nRows, void* buf) {
  if (l.rank == 0) return H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
  Hid fspace(H5Dget_space(ds));
  std::vector<hsize_t> start(l.dims.size(), 0), count(l.dims);
  start[0] = row;
  count[0] = nRows;
  hsize_t m = nRows * l.rowElems;
  Hid mspace(H5Screate_simple(1, &m, nullptr));
  if (!fspace.valid() || !mspace.valid() ||
      H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0)
    return false;
  return H5Dread(ds, mem, mspace.get(), fspace.get(), H5P_DEFAULT, buf) >= 0;
}

/// Rows [begin, end) of a dataset, clipped to its extent (all of it by default).
struct RowRange {
  std::uint64_t begin = 0, end = UINT64_MAX;
};

/// Calls `sink(buf, first, count)` for consecutive blocks of the dataset's `rows` converted to
/// `mem` (elements of `elemSize` bytes). `dest(first)` gives where a block goes: the final
/// vector for lossless conversions, or nullptr to use one scratch block that `sink` narrows.
template <class Dest, class Sink>
Status forEachBlock(hid_t ds, hid_t mem, std::size_t elemSize, std::size_t chunkElems,
                    const std::string& what, Dest dest, Sink sink, RowRange rows = {}) {
  STAMP_ASSIGN(Layout l, layoutOf(ds, what));
  if (l.n == 0) return {};
  const std::uint64_t step = rowsPerRead(ds, l, chunkElems), end = std::min(rows.end, l.rows);
  std::vector<unsigned char> scratch;
  for (std::uint64_t row = rows.begin; row < end; row += step) {
    std::uint64_t nRows = std::min(step, end - row), first = row * l.rowElems;
    std::uint64_t count = nRows * l.rowElems;
    void* buf = dest(first);
    if (!buf) {
      scratch.resize(std::size_t(count * elemSize));
      buf = scratch.data();
    }
    if (!readRows(ds, l, mem, row, nRows, buf))
      return formatError(what, "cannot read values from position " + std::to_string(first) +
                                   " (truncated or corrupt file?)");
    STAMP_CHECK(sink(buf, first, count));
  }
  return {};
}

/// The file type's class, refusing anything but numbers the way readDoubles does.
Result<H5T_class_t> numericClass(hid_t ds, const std::string& what) {
  Hid type(H5Dget_type(ds));
  if (!type.valid()) return formatError(what, "unreadable dataset header");
  H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT && cls != H5T_ENUM)
    return formatError(what, "expected numbers, found another data type");
  return cls;
}

bool typeIs(hid_t ds, std::initializer_list<hid_t> types) {
  Hid type(H5Dget_type(ds));
  for (hid_t t : types)
    if (type.valid() && H5Tequal(type.get(), t) > 0) return true;
  return false;
}

Status checkElems(std::uint64_t n, std::uint64_t elemBytes, const std::string& what) {
  if (n > readLimitBytes() / elemBytes)
    return makeError(ErrorCode::Unsupported,
                     "dataset too large to load (" + std::to_string(n) + " elements)", what);
  return {};
}

Error notInteger(double v, std::uint64_t i, const std::string& what) {
  return formatError(what, "expected integers, found " + std::to_string(v) + " at position " +
                               std::to_string(i));
}

Error indexOutside(std::int64_t v, std::uint64_t i, std::int64_t bound, const std::string& what) {
  return makeError(ErrorCode::OutOfRange,
                   "index " + std::to_string(v) + " at position " + std::to_string(i) +
                       " outside [0, " + std::to_string(bound) + ")",
                   what);
}

Error notFiniteCount(double v, std::uint64_t i, const std::string& what) {
  return makeError(ErrorCode::Numerical,
                   "non-finite count " + std::to_string(v) + " at position " + std::to_string(i) +
                       " (NaN/Inf or beyond the float32 range)",
                   what);
}

/// Whether a double holds an integer that readInt64s accepts (|v| <= 9e15, exact in double).
bool integral(double v) { return std::isfinite(v) && v == std::floor(v) && std::fabs(v) <= 9.0e15; }

/// Old whole-dataset path, kept for enum (numpy bool) datasets only: rare and small.
Result<std::vector<std::int64_t>> enumAsInt64s(hid_t ds, const std::string& what) {
  STAMP_ASSIGN(std::vector<double> d, readDoubles(ds, what));
  std::vector<std::int64_t> out(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (!integral(d[i])) return notInteger(d[i], i, what);
    out[i] = std::int64_t(d[i]);
  }
  return out;
}

/// Reads elements [rows.begin, rows.end) in place into `out` (element rows.begin at out[0]),
/// block by block, as `mem` (a lossless conversion from the file type); then the first value
/// for which `bad` holds, if any, becomes `fail(value, position)`. `blockAny` answers for
/// kScanBlock values at once (common/block_scan.h).
template <class T, class BlockAny, class Bad, class Fail>
Status readInPlace(hid_t ds, hid_t mem, T* out, RowRange rows, const std::string& what,
                   BlockAny blockAny, Bad bad, Fail fail) {
  auto into = [&](std::uint64_t first) -> void* { return out + (first - rows.begin); };
  auto check = [&](void*, std::uint64_t first, std::uint64_t count) -> Status {
    const T* p = out + (first - rows.begin);
    const std::size_t k = firstWhere(p, std::size_t(count), blockAny, bad);
    if (k < count) return fail(p[k], first + k);
    return {};
  };
  return forEachBlock(ds, mem, sizeof(T), readChunkElems(), what, into, check, rows);
}

/// Reads through one scratch block of `Src` (as `mem`); `put(value, position)` stores a value
/// narrowed into the result and says whether it was acceptable, else `fail(value, position)`.
template <class Src, class Put, class Fail>
Status readNarrowed(hid_t ds, hid_t mem, RowRange rows, const std::string& what, Put put, Fail fail) {
  auto scratch = [](std::uint64_t) -> void* { return nullptr; };
  auto each = [&](void* buf, std::uint64_t first, std::uint64_t count) -> Status {
    const Src* p = static_cast<const Src*>(buf);
    for (std::uint64_t k = 0; k < count; ++k)
      if (!put(p[k], first + k)) return fail(p[k], first + k);
    return {};
  };
  return forEachBlock(ds, mem, sizeof(Src), readChunkElems(), what, scratch, each, rows);
}

/// Elements [first, first + count) as rows: any dataset read whole (flattened), else a part of
/// a 1-D one; refused when they are not all there.
Result<RowRange> rangeOf(hid_t ds, std::uint64_t first, std::uint64_t count, const std::string& what) {
  STAMP_ASSIGN(Layout l, layoutOf(ds, what));
  if (first == 0 && count == l.n) return RowRange{0, l.rows};
  if (l.rowElems != 1 || first > l.rows || count > l.rows - first)
    return formatError(what, "cannot read values " + std::to_string(first) + " to " +
                                 std::to_string(first + count) + " of " + std::to_string(l.rows));
  return RowRange{first, first + count};
}
}  // namespace

void setReadChunkElems(std::size_t elems) { gChunkElems = std::max<std::size_t>(1, elems); }
std::size_t readChunkElems() { return gChunkElems; }

Result<std::vector<std::int64_t>> readInt64s(hid_t ds, const std::string& what) {
  STAMP_ASSIGN(H5T_class_t cls, numericClass(ds, what));
  if (cls == H5T_ENUM) return enumAsInt64s(ds, what);
  STAMP_ASSIGN(Layout l, layoutOf(ds, what));
  STAMP_CHECK(checkElems(l.n, 8, what));
  std::vector<std::int64_t> out(l.n);
  auto fail = [&](auto v, std::uint64_t i) { return notInteger(double(v), i, what); };
  if (cls == H5T_INTEGER) {
    // int -> int64 is lossless except uint64 above INT64_MAX, which HDF5 clamps: still refused.
    auto huge = [](std::int64_t v) { return (v > 9'000'000'000'000'000) | (v < -9'000'000'000'000'000); };
    auto block = [&](const std::int64_t* b) { return anyInBlock(b, huge); };
    STAMP_CHECK(readInPlace(ds, H5T_NATIVE_INT64, out.data(), {}, what, block, huge, fail));
    return out;
  }
  auto put = [&](double v, std::uint64_t i) { return integral(v) && (out[i] = std::int64_t(v), true); };
  STAMP_CHECK(readNarrowed<double>(ds, H5T_NATIVE_DOUBLE, {}, what, put, fail));
  return out;
}

Status readIndexRange(hid_t ds, std::int64_t bound, std::uint64_t first, std::uint64_t count,
                      std::int32_t* out, const std::string& what) {
  bound = std::clamp<std::int64_t>(bound, 0, std::int64_t(INT32_MAX) + 1);  // what int32 holds
  STAMP_ASSIGN(H5T_class_t cls, numericClass(ds, what));
  STAMP_ASSIGN(RowRange rows, rangeOf(ds, first, count, what));
  auto outside = [&](auto v, std::uint64_t i) { return indexOutside(std::int64_t(v), i, bound, what); };
  if (cls == H5T_ENUM) {  // numpy bool: rare and small, the whole-dataset path
    STAMP_ASSIGN(auto v, enumAsInt64s(ds, what));
    for (std::uint64_t i = first; i < first + count; ++i)
      if (v[i] < 0 || v[i] >= bound) return outside(v[i], i);
      else out[i - first] = std::int32_t(v[i]);
    return {};
  }
  if (typeIs(ds, {H5T_STD_I8LE, H5T_STD_I8BE, H5T_STD_U8LE, H5T_STD_U8BE, H5T_STD_I16LE, H5T_STD_I16BE,
                  H5T_STD_U16LE, H5T_STD_U16BE, H5T_STD_I32LE, H5T_STD_I32BE})) {
    const auto ub = std::uint32_t(bound);  // <= 2^31: one unsigned compare also catches < 0
    auto bad = [ub](std::int32_t v) { return std::uint32_t(v) >= ub; };
    auto block = [&](const std::int32_t* b) { return anyInBlock(b, bad); };
    return readInPlace(ds, H5T_NATIVE_INT32, out, rows, what, block, bad, outside);
  }
  // Wider integers (int64, uint32, uint64) via an int64 block, floats via a double block: narrowed
  // here, where a value beyond int32 is an error rather than HDF5's silent clamp.
  if (cls == H5T_INTEGER) {
    auto put = [&](std::int64_t v, std::uint64_t i) {
      return v >= 0 && v < bound && (out[i - first] = std::int32_t(v), true);
    };
    return readNarrowed<std::int64_t>(ds, H5T_NATIVE_INT64, rows, what, put, outside);
  }
  auto put = [&](double v, std::uint64_t i) {
    return v >= 0 && v < double(bound) && v == std::floor(v) && (out[i - first] = std::int32_t(v), true);
  };
  auto fail = [&](double v, std::uint64_t i) {
    return integral(v) ? outside(v, i) : notInteger(v, i, what);
  };
  return readNarrowed<double>(ds, H5T_NATIVE_DOUBLE, rows, what, put, fail);
}

Result<std::vector<std::int32_t>> readIndices(hid_t ds, std::int64_t bound, const std::string& what) {
  STAMP_ASSIGN(Layout l, layoutOf(ds, what));
  STAMP_CHECK(checkElems(l.n, 4, what));
  std::vector<std::int32_t> out(l.n);
  STAMP_CHECK(readIndexRange(ds, bound, 0, l.n, out.data(), what));
  return out;
}

Status readCountRange(hid_t ds, std::uint64_t first, std::uint64_t count, float* out,
                      const std::string& what) {
  STAMP_ASSIGN(H5T_class_t cls, numericClass(ds, what));
  STAMP_ASSIGN(RowRange rows, rangeOf(ds, first, count, what));
  auto fail = [&](auto v, std::uint64_t i) { return notFiniteCount(double(v), i, what); };
  if (cls == H5T_ENUM) {  // numpy bool counts: the whole-dataset path
    STAMP_ASSIGN(auto v, readDoubles(ds, what));
    std::copy(v.begin() + std::ptrdiff_t(first), v.begin() + std::ptrdiff_t(first + count), out);
    return {};
  }
  if (typeIs(ds, {H5T_IEEE_F32LE, H5T_IEEE_F32BE}))  // float32 as is: read in place
    return readInPlace(ds, H5T_NATIVE_FLOAT, out, rows, what, anyNonFiniteInBlock,
                       [](float v) { return !std::isfinite(v); }, fail);
  // Anything else through a double block: exact for float64 and every realistic integer count,
  // and a float64 beyond the float32 range is refused here instead of becoming inf or FLT_MAX.
  auto put = [&](double v, std::uint64_t i) {
    return std::fabs(v) <= double(FLT_MAX) && (out[i - first] = float(v), true);
  };
  return readNarrowed<double>(ds, H5T_NATIVE_DOUBLE, rows, what, put, fail);
}

Result<std::vector<float>> readCounts(hid_t ds, const std::string& what) {
  STAMP_ASSIGN(Layout l, layoutOf(ds, what));
  STAMP_CHECK(checkElems(l.n, 4, what));
  std::vector<float> out(l.n);
  STAMP_CHECK(readCountRange(ds, 0, l.n, out.data(), what));
  return out;
}

Status forEachRowBlock(hid_t ds, const std::string& what, const RowBlockFn& fn) {
  STAMP_ASSIGN(H5T_class_t cls, numericClass(ds, what));
  STAMP_ASSIGN(Layout l, layoutOf(ds, what));
  STAMP_CHECK(checkElems(l.n, 4, what));  // as if kept as float32: refuses absurd declared sizes
  if (cls == H5T_ENUM) {  // numpy bool matrix: the whole-dataset path
    STAMP_ASSIGN(auto v, readDoubles(ds, what));
    return v.empty() ? Status{} : fn(v.data(), 0, l.rows);
  }
  auto scratch = [](std::uint64_t) -> void* { return nullptr; };
  auto pass = [&](void* buf, std::uint64_t first, std::uint64_t count) -> Status {
    return fn(static_cast<const double*>(buf), first / l.rowElems, count / l.rowElems);
  };
  return forEachBlock(ds, H5T_NATIVE_DOUBLE, 8, readChunkElems(), what, scratch, pass);
}

}  // namespace stamp::core::st::h5
