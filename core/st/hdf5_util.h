#pragma once
/// Thin, exception-free helpers over the HDF5 C API used by the 10x .h5 and .h5ad adapters.
/// Every reader converts whatever numeric or string type a file holds; every failure becomes an
/// Error naming the file and the object. HDF5 here is built thread-safe; the library serialises
/// calls internally, and error printing is silenced per call (see ErrorSilencer).
#include <hdf5.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include "common/result.h"

namespace stamp::core::st::h5 {

/// Owns one HDF5 identifier of any kind (file, group, dataset, type, space, property list).
class Hid {
 public:
  Hid() = default;
  explicit Hid(hid_t id) : id_(id) {}
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  Hid(Hid&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  Hid& operator=(Hid&& o) noexcept;
  ~Hid();
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
};

/// Turns off HDF5's printing of error stacks to stderr for this thread while alive.
class ErrorSilencer {
 public:
  ErrorSilencer();
  ~ErrorSilencer();
  ErrorSilencer(const ErrorSilencer&) = delete;
  ErrorSilencer& operator=(const ErrorSilencer&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

/// The largest dataset (in bytes once converted) a reader will load; guards against files that
/// declare huge, unallocated datasets. Process-wide; fuzz targets lower it.
void setReadLimitBytes(std::uint64_t bytes);
std::uint64_t readLimitBytes();

/// Opens an existing HDF5 file read-only: NotFound when absent, Format when not HDF5.
Result<Hid> openFile(const std::string& path);
/// Opens an in-memory HDF5 file image (copied); `name` is used in errors.
Result<Hid> openImage(const void* data, std::size_t size, const std::string& name);
/// Creates (truncates) a file for writing.
Result<Hid> createFile(const std::string& path);

enum class Kind { None, Group, Dataset, Other };
/// What `name` (a relative path, may contain '/') is below `loc`; None when any part is missing.
Kind kindOf(hid_t loc, const std::string& name);
Result<Hid> openGroup(hid_t loc, const std::string& name, const std::string& ctx);
Result<Hid> openDataset(hid_t loc, const std::string& name, const std::string& ctx);
/// Names of the links directly in a group, in name order.
std::vector<std::string> childNames(hid_t group);

/// Dataset shape (empty for a scalar).
std::vector<std::uint64_t> shapeOf(hid_t dataset);
bool isStringType(hid_t obj);  // dataset or attribute
bool isNumericType(hid_t obj);  // integer, float, or enum (numpy bool)
bool isCompoundType(hid_t obj);

/// Any integer, float or enum dataset as doubles. `what` names the dataset in errors.
Result<std::vector<double>> readDoubles(hid_t dataset, const std::string& what);
/// Integer dataset (or float dataset holding integral values, |v| <= 9e15) as int64.
Result<std::vector<std::int64_t>> readInt64s(hid_t dataset, const std::string& what);

// ---- chunked readers (hdf5_chunked.cpp) for count matrices ----
// They read readChunkElems() elements per H5Dread straight into the vector returned (or through
// one scratch block of that size where a value must be checked before narrowing), so the peak is
// ~1x what is kept; every error names `what` and the position of the first bad value.

/// Indices in [0, bound) as int32: any integer type, or floats holding integers. A value outside
/// (int64 beyond int32 included) is OutOfRange; a non-integral float is Format.
Result<std::vector<std::int32_t>> readIndices(hid_t dataset, std::int64_t bound, const std::string& what);
/// Counts as float32 from any numeric type; NaN, Inf or a value beyond the float32 range is
/// Numerical (never inf or a clamped value).
Result<std::vector<float>> readCounts(hid_t dataset, const std::string& what);
/// Elements [first, first + count) of a 1-D dataset into `out`, by the rules of readIndices /
/// readCounts (positions in errors count from the dataset's start): lets a caller stream a
/// large array in blocks instead of holding it.
Status readIndexRange(hid_t dataset, std::int64_t bound, std::uint64_t first, std::uint64_t count,
                      std::int32_t* out, const std::string& what);
Status readCountRange(hid_t dataset, std::uint64_t first, std::uint64_t count, float* out,
                      const std::string& what);
/// `values` holds `rows` whole rows (dimension 0) from row `firstRow`, row-major, as doubles.
using RowBlockFn = std::function<Status(const double* values, std::uint64_t firstRow, std::uint64_t rows)>;
/// Visits a numeric dataset in blocks of whole rows of about readChunkElems() elements.
Status forEachRowBlock(hid_t dataset, const std::string& what, const RowBlockFn& fn);
/// Elements per read of the chunked readers (default 1 Mi). Process-wide; tests lower it to put
/// block boundaries inside small files.
void setReadChunkElems(std::size_t elems);
std::size_t readChunkElems();
/// Fixed- or variable-length string dataset.
Result<std::vector<std::string>> readStrings(hid_t dataset, const std::string& what);

bool hasAttr(hid_t obj, const std::string& name);
/// A string attribute (scalar or first element of an array; fixed or variable length).
Result<std::string> readStringAttr(hid_t obj, const std::string& name);
Result<std::vector<std::string>> readStringsAttr(hid_t obj, const std::string& name);
Result<std::vector<double>> readNumbersAttr(hid_t obj, const std::string& name);

/// The same result with `ctx` (file and object) in front of an error's context.
template <class T>
Result<T> inContext(Result<T> r, const std::string& ctx) {
  if (r.ok()) return r;
  return r.error().within(ctx);
}

/// Runs a reader/writer body with HDF5 error printing silenced, turning stray exceptions (out of
/// memory on absurd sizes, a throwing library) into an Error about `ctx`.
template <class F>
auto guarded(const std::string& ctx, F&& body) -> decltype(body()) {
  ErrorSilencer quiet;
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return makeError(ErrorCode::Unsupported, "not enough memory to load this file", ctx);
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Internal, std::string("unexpected failure: ") + e.what(), ctx);
  }
}

// ---- writing (what anndata / Space Ranger write) ----
struct WriteOptions {
  bool compress = false;  // chunked + gzip, as Space Ranger does
};
Result<Hid> createGroup(hid_t loc, const std::string& name);
Status writeStrings(hid_t loc, const std::string& name, const std::vector<std::string>& v,
                    bool fixedLength = false, WriteOptions opt = {});
Status writeScalarString(hid_t loc, const std::string& name, const std::string& v);
/// Numeric dataset of `dims` from contiguous values of type T (int8/16/32/64, float, double).
template <class T>
Status writeArray(hid_t loc, const std::string& name, const T* values,
                  const std::vector<std::uint64_t>& dims, WriteOptions opt = {});
template <class T>
Status writeScalar(hid_t loc, const std::string& name, T value);
Status writeBoolScalar(hid_t loc, const std::string& name, bool value);

Status writeStringAttr(hid_t obj, const std::string& name, const std::string& v,
                       bool fixedLength = false);
Status writeStringsAttr(hid_t obj, const std::string& name, const std::vector<std::string>& v);
Status writeInt64sAttr(hid_t obj, const std::string& name, const std::vector<std::int64_t>& v);
Status writeInt32sAttr(hid_t obj, const std::string& name, const std::vector<std::int32_t>& v);
Status writeEmptyFloatAttr(hid_t obj, const std::string& name);
Status writeBoolAttr(hid_t obj, const std::string& name, bool v);
/// encoding-type / encoding-version, as anndata writes them.
Status writeEncoding(hid_t obj, const std::string& type, const std::string& version);

}  // namespace stamp::core::st::h5
