// Reading side of hdf5_util.h: opening files and images, and type-generic dataset/attribute reads.
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>

#include "st/hdf5_util.h"

namespace stamp::core::st::h5 {
namespace fs = std::filesystem;

namespace {
std::atomic<std::uint64_t> gReadLimit{std::uint64_t(32) << 30};  // 32 GiB
std::atomic<unsigned> gImageCounter{0};

Error formatError(const std::string& ctx, const std::string& msg) {
  return makeError(ErrorCode::Format, msg, ctx);
}

/// Number of elements of a dataspace, or nullopt for a space HDF5 cannot describe.
std::optional<std::uint64_t> pointCount(hid_t space) {
  if (space < 0) return std::nullopt;
  H5S_class_t cls = H5Sget_simple_extent_type(space);
  if (cls == H5S_NULL) return 0;
  if (cls == H5S_SCALAR) return 1;
  if (cls != H5S_SIMPLE) return std::nullopt;
  hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) return std::nullopt;
  return std::uint64_t(n);
}

Status checkBudget(std::uint64_t n, std::uint64_t elemBytes, const std::string& what) {
  if (elemBytes != 0 && n > readLimitBytes() / elemBytes)
    return makeError(ErrorCode::Unsupported,
                     "dataset too large to load (" + std::to_string(n) + " elements)", what);
  return {};
}

/// Either a dataset or an attribute: the few calls that differ between the two.
struct Source {
  hid_t id;
  bool isAttr;
  Hid type() const { return Hid(isAttr ? H5Aget_type(id) : H5Dget_type(id)); }
  Hid space() const { return Hid(isAttr ? H5Aget_space(id) : H5Dget_space(id)); }
  bool read(hid_t mem, void* buf) const {
    return (isAttr ? H5Aread(id, mem, buf) : H5Dread(id, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf)) >= 0;
  }
};

Result<std::vector<double>> readEnumAsDoubles(const Source& src, hid_t ftype, std::uint64_t n,
                                              const std::string& what) {
  Hid mem(H5Tget_native_type(ftype, H5T_DIR_ASCEND));
  Hid base(H5Tget_super(ftype));
  if (!mem.valid() || !base.valid()) return formatError(what, "unreadable enum type");
  size_t sz = H5Tget_size(mem.get());
  bool isSigned = H5Tget_sign(base.get()) == H5T_SGN_2;
  if (sz == 0 || sz > 8 || H5Tget_class(base.get()) != H5T_INTEGER)
    return formatError(what, "unsupported enum type");
  STAMP_CHECK(checkBudget(n, 8, what));
  std::vector<unsigned char> raw(n * sz);
  if (n && !src.read(mem.get(), raw.data())) return formatError(what, "cannot read values");
  std::vector<double> out(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t u = 0;
    std::memcpy(&u, raw.data() + i * sz, sz);  // little-endian host
    if (isSigned && sz < 8 && (u >> (sz * 8 - 1)) & 1) u |= ~std::uint64_t(0) << (sz * 8);
    out[i] = isSigned ? double(std::int64_t(u)) : double(u);
  }
  return out;
}

Result<std::vector<double>> readDoublesFrom(const Source& src, const std::string& what) {
  Hid type = src.type();
  Hid space = src.space();
  auto n = pointCount(space.get());
  if (!type.valid() || !n) return formatError(what, "unreadable dataset header");
  H5T_class_t cls = H5Tget_class(type.get());
  if (cls == H5T_ENUM) return readEnumAsDoubles(src, type.get(), *n, what);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    return formatError(what, "expected numbers, found another data type");
  STAMP_CHECK(checkBudget(*n, 8, what));
  std::vector<double> out(*n);
  if (*n && !src.read(H5T_NATIVE_DOUBLE, out.data()))
    return formatError(what, "cannot read values (truncated or corrupt file?)");
  return out;
}

std::string trimFixed(const char* p, size_t len, H5T_str_t pad) {
  size_t n = 0;
  while (n < len && p[n] != '\0') ++n;
  if (pad == H5T_STR_SPACEPAD)
    while (n > 0 && p[n - 1] == ' ') --n;
  return std::string(p, n);
}

Result<std::vector<std::string>> readStringsFrom(const Source& src, const std::string& what) {
  Hid type = src.type();
  Hid space = src.space();
  auto n = pointCount(space.get());
  if (!type.valid() || !n) return formatError(what, "unreadable dataset header");
  if (H5Tget_class(type.get()) != H5T_STRING)
    return formatError(what, "expected strings, found another data type");
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    STAMP_CHECK(checkBudget(*n, sizeof(char*) + 32, what));
    Hid mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    std::vector<char*> buf(*n, nullptr);
    if (*n && !src.read(mem.get(), buf.data()))
      return formatError(what, "cannot read strings (truncated or corrupt file?)");
    out.reserve(*n);
    for (char* s : buf) out.emplace_back(s ? s : "");
    if (*n) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, buf.data());
    return out;
  }
  size_t len = H5Tget_size(type.get());
  if (len == 0) return formatError(what, "string type of size 0");
  STAMP_CHECK(checkBudget(*n, len, what));
  Hid mem(H5Tcopy(type.get()));
  std::vector<char> buf(*n * len);
  if (*n && !src.read(mem.get(), buf.data()))
    return formatError(what, "cannot read strings (truncated or corrupt file?)");
  H5T_str_t pad = H5Tget_strpad(type.get());
  out.reserve(*n);
  for (std::uint64_t i = 0; i < *n; ++i) out.push_back(trimFixed(buf.data() + i * len, len, pad));
  return out;
}

Result<Hid> openAttr(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) <= 0)
    return makeError(ErrorCode::NotFound, "attribute '" + name + "' missing");
  Hid a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  if (!a.valid()) return makeError(ErrorCode::Format, "cannot open attribute '" + name + "'");
  return a;
}

H5T_class_t classOf(hid_t obj) {
  H5I_type_t t = H5Iget_type(obj);
  Hid type(t == H5I_ATTR ? H5Aget_type(obj) : t == H5I_DATASET ? H5Dget_type(obj) : -1);
  return type.valid() ? H5Tget_class(type.get()) : H5T_NO_CLASS;
}
}  // namespace

Hid& Hid::operator=(Hid&& o) noexcept {
  if (this != &o) {
    this->~Hid();
    id_ = o.id_;
    o.id_ = -1;
  }
  return *this;
}

Hid::~Hid() {
  if (id_ >= 0 && H5Iis_valid(id_) > 0) H5Idec_ref(id_);
  id_ = -1;
}

ErrorSilencer::ErrorSilencer() {
  H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}
ErrorSilencer::~ErrorSilencer() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

void setReadLimitBytes(std::uint64_t bytes) { gReadLimit = bytes; }
std::uint64_t readLimitBytes() { return gReadLimit; }

Result<Hid> openFile(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return makeError(ErrorCode::NotFound, "file not found", path);
  if (fs::is_directory(path, ec))
    return makeError(ErrorCode::Format, "is a folder, not an HDF5 file", path);
  if (fs::file_size(path, ec) == 0) return makeError(ErrorCode::Format, "empty file, not HDF5", path);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    return makeError(ErrorCode::Format, "not an HDF5 file (no HDF5 signature)", path);
  Hid f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!f.valid())
    return makeError(ErrorCode::Format, "cannot open HDF5 file (truncated or corrupt?)", path);
  return f;
}

Result<Hid> openImage(const void* data, std::size_t size, const std::string& name) {
  if (size < 8) return makeError(ErrorCode::Format, "not an HDF5 file (too short)", name);
  Hid fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (H5Pset_fapl_core(fapl.get(), 64 * 1024, 0) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<void*>(data), size) < 0)
    return makeError(ErrorCode::Internal, "cannot set up an in-memory HDF5 file", name);
  // A distinct name per image: HDF5 refuses to open "the same file" twice.
  std::string unique = name + "#image" + std::to_string(gImageCounter++);
  Hid f(H5Fopen(unique.c_str(), H5F_ACC_RDONLY, fapl.get()));
  if (!f.valid()) return makeError(ErrorCode::Format, "not a readable HDF5 file image", name);
  return f;
}

Result<Hid> createFile(const std::string& path) {
  Hid fcpl(H5Pcreate(H5P_FILE_CREATE));
  H5Pset_obj_track_times(fcpl.get(), false);  // no timestamps: same data, same bytes
  Hid f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT));
  if (!f.valid()) return makeError(ErrorCode::Io, "cannot create HDF5 file", path);
  return f;
}

Kind kindOf(hid_t loc, const std::string& name) {
  if (name.empty()) return Kind::None;
  // H5Lexists fails (rather than returning false) when an intermediate group is missing.
  for (size_t pos = name.find('/'); ; pos = name.find('/', pos + 1)) {
    std::string prefix = name.substr(0, pos);
    if (!prefix.empty() && H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return Kind::None;
    if (pos == std::string::npos) break;
  }
  Hid obj(H5Oopen(loc, name.c_str(), H5P_DEFAULT));
  if (!obj.valid()) return Kind::None;
  H5I_type_t t = H5Iget_type(obj.get());
  return t == H5I_GROUP ? Kind::Group : t == H5I_DATASET ? Kind::Dataset : Kind::Other;
}

Result<Hid> openGroup(hid_t loc, const std::string& name, const std::string& ctx) {
  if (kindOf(loc, name) != Kind::Group)
    return makeError(ErrorCode::Format, "group '" + name + "' missing", ctx);
  Hid g(H5Gopen2(loc, name.c_str(), H5P_DEFAULT));
  if (!g.valid()) return makeError(ErrorCode::Format, "cannot open group '" + name + "'", ctx);
  return g;
}

Result<Hid> openDataset(hid_t loc, const std::string& name, const std::string& ctx) {
  if (kindOf(loc, name) != Kind::Dataset)
    return makeError(ErrorCode::Format, "dataset '" + name + "' missing", ctx);
  Hid d(H5Dopen2(loc, name.c_str(), H5P_DEFAULT));
  if (!d.valid()) return makeError(ErrorCode::Format, "cannot open dataset '" + name + "'", ctx);
  return d;
}

std::vector<std::string> childNames(hid_t group) {
  std::vector<std::string> names;
  H5G_info_t info{};
  if (H5Gget_info(group, &info) < 0) return names;
  for (hsize_t i = 0; i < info.nlinks && i < 1000000; ++i) {
    ssize_t len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0,
                                     H5P_DEFAULT);
    if (len <= 0 || len > 65535) continue;
    std::string s(size_t(len) + 1, '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, s.data(), s.size(), H5P_DEFAULT);
    s.resize(size_t(len));
    names.push_back(s);
  }
  return names;
}

std::vector<std::uint64_t> shapeOf(hid_t dataset) {
  Hid space(H5Dget_space(dataset));
  std::vector<std::uint64_t> dims;
  int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank <= 0 || rank > 32) return dims;
  std::vector<hsize_t> d(static_cast<size_t>(rank), 0);
  H5Sget_simple_extent_dims(space.get(), d.data(), nullptr);
  for (hsize_t x : d) dims.push_back(std::uint64_t(x));
  return dims;
}

bool isStringType(hid_t obj) { return classOf(obj) == H5T_STRING; }
bool isCompoundType(hid_t obj) { return classOf(obj) == H5T_COMPOUND; }
bool isNumericType(hid_t obj) {
  H5T_class_t c = classOf(obj);
  return c == H5T_INTEGER || c == H5T_FLOAT || c == H5T_ENUM;
}

Result<std::vector<double>> readDoubles(hid_t dataset, const std::string& what) {
  return readDoublesFrom(Source{dataset, false}, what);
}

// readInt64s: hdf5_chunked.cpp.

Result<std::vector<std::string>> readStrings(hid_t dataset, const std::string& what) {
  return readStringsFrom(Source{dataset, false}, what);
}

bool hasAttr(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

Result<std::vector<std::string>> readStringsAttr(hid_t obj, const std::string& name) {
  STAMP_ASSIGN(Hid a, openAttr(obj, name));
  return readStringsFrom(Source{a.get(), true}, "attribute " + name);
}

Result<std::string> readStringAttr(hid_t obj, const std::string& name) {
  STAMP_ASSIGN(auto v, readStringsAttr(obj, name));
  if (v.empty()) return makeError(ErrorCode::Format, "attribute '" + name + "' is empty");
  return v.front();
}

Result<std::vector<double>> readNumbersAttr(hid_t obj, const std::string& name) {
  STAMP_ASSIGN(Hid a, openAttr(obj, name));
  return readDoublesFrom(Source{a.get(), true}, "attribute " + name);
}

}  // namespace stamp::core::st::h5
