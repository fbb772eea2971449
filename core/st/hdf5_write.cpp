// Writing side of hdf5_util.h: datasets and attributes in the layouts h5py/anndata produce.
#include <algorithm>
#include <cstring>

#include "st/hdf5_util.h"

namespace stamp::core::st::h5 {

namespace {
Error writeError(const std::string& what) {
  return makeError(ErrorCode::Io, "cannot write '" + what + "'");
}

Hid vlenUtf8() {
  Hid t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

Hid fixedString(size_t len) {
  Hid t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), std::max<size_t>(1, len));
  H5Tset_strpad(t.get(), H5T_STR_NULLPAD);  // numpy |S layout, as h5py writes it
  return t;
}

Hid boolEnum() {
  Hid t(H5Tenum_create(H5T_NATIVE_INT8));
  std::int8_t f = 0, tr = 1;
  H5Tenum_insert(t.get(), "FALSE", &f);
  H5Tenum_insert(t.get(), "TRUE", &tr);
  return t;
}

Hid simpleSpace(const std::vector<std::uint64_t>& dims) {
  std::vector<hsize_t> d(dims.begin(), dims.end());
  return Hid(H5Screate_simple(int(d.size()), d.data(), nullptr));
}

/// Chunked + gzip along the first axis when asked and the dataset is not empty.
Hid creationProps(const std::vector<std::uint64_t>& dims, WriteOptions opt) {
  Hid dcpl(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_obj_track_times(dcpl.get(), false);  // no timestamps: same data, same bytes
  std::uint64_t n = dims.empty() ? 1 : dims[0];
  if (!opt.compress || dims.empty() || n == 0) return dcpl;
  for (size_t i = 1; i < dims.size(); ++i)
    if (dims[i] == 0) return dcpl;
  std::vector<hsize_t> chunk(dims.begin(), dims.end());
  chunk[0] = std::min<std::uint64_t>(n, 16384);
  H5Pset_chunk(dcpl.get(), int(chunk.size()), chunk.data());
  H5Pset_shuffle(dcpl.get());
  H5Pset_deflate(dcpl.get(), 4);
  return dcpl;
}

Status writeData(hid_t loc, const std::string& name, hid_t ftype, hid_t mtype, hid_t space,
                 hid_t dcpl, const void* buf) {
  Hid own;  // scalars come with H5P_DEFAULT: still no timestamps
  if (dcpl == H5P_DEFAULT) {
    own = creationProps({}, WriteOptions{});
    dcpl = own.get();
  }
  Hid d(H5Dcreate2(loc, name.c_str(), ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
  if (!d.valid()) return writeError(name);
  if (buf && H5Dwrite(d.get(), mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
    return writeError(name);
  return {};
}

Status writeAttr(hid_t obj, const std::string& name, hid_t type, hid_t space, const void* buf) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  Hid a(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
  if (!a.valid() || H5Awrite(a.get(), type, buf) < 0) return writeError("@" + name);
  return {};
}

template <class T> hid_t nativeOf();
template <> hid_t nativeOf<std::int8_t>() { return H5T_NATIVE_INT8; }
template <> hid_t nativeOf<std::uint8_t>() { return H5T_NATIVE_UINT8; }
template <> hid_t nativeOf<std::int16_t>() { return H5T_NATIVE_INT16; }
template <> hid_t nativeOf<std::int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t nativeOf<std::int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t nativeOf<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t nativeOf<double>() { return H5T_NATIVE_DOUBLE; }

std::vector<const char*> cStrings(const std::vector<std::string>& v) {
  std::vector<const char*> p;
  p.reserve(v.size());
  for (const auto& s : v) p.push_back(s.c_str());
  return p;
}
}  // namespace

Result<Hid> createGroup(hid_t loc, const std::string& name) {
  Hid gcpl(H5Pcreate(H5P_GROUP_CREATE));
  H5Pset_obj_track_times(gcpl.get(), false);
  Hid g(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT));
  if (!g.valid()) return writeError(name);
  return g;
}

Status writeStrings(hid_t loc, const std::string& name, const std::vector<std::string>& v,
                    bool fixedLength, WriteOptions opt) {
  Hid space = simpleSpace({v.size()});
  Hid dcpl = creationProps({v.size()}, opt);
  if (!fixedLength) {
    Hid t = vlenUtf8();
    auto p = cStrings(v);
    return writeData(loc, name, t.get(), t.get(), space.get(), dcpl.get(), p.data());
  }
  size_t len = 1;
  for (const auto& s : v) len = std::max(len, s.size());
  Hid t = fixedString(len);
  std::vector<char> buf(v.size() * len, '\0');
  for (size_t i = 0; i < v.size(); ++i) std::memcpy(buf.data() + i * len, v[i].data(), v[i].size());
  return writeData(loc, name, t.get(), t.get(), space.get(), dcpl.get(), buf.data());
}

Status writeScalarString(hid_t loc, const std::string& name, const std::string& v) {
  Hid space(H5Screate(H5S_SCALAR));
  Hid t = vlenUtf8();
  const char* p = v.c_str();
  return writeData(loc, name, t.get(), t.get(), space.get(), H5P_DEFAULT, &p);
}

template <class T>
Status writeArray(hid_t loc, const std::string& name, const T* values,
                  const std::vector<std::uint64_t>& dims, WriteOptions opt) {
  Hid space = simpleSpace(dims);
  Hid dcpl = creationProps(dims, opt);
  std::uint64_t n = 1;
  for (auto d : dims) n *= d;
  return writeData(loc, name, nativeOf<T>(), nativeOf<T>(), space.get(), dcpl.get(),
                   n ? values : nullptr);
}

template <class T>
Status writeScalar(hid_t loc, const std::string& name, T value) {
  Hid space(H5Screate(H5S_SCALAR));
  return writeData(loc, name, nativeOf<T>(), nativeOf<T>(), space.get(), H5P_DEFAULT, &value);
}

#define STAMP_H5_INSTANTIATE(T)                                                             \
  template Status writeArray<T>(hid_t, const std::string&, const T*,                        \
                                const std::vector<std::uint64_t>&, WriteOptions);           \
  template Status writeScalar<T>(hid_t, const std::string&, T);
STAMP_H5_INSTANTIATE(std::int8_t)
STAMP_H5_INSTANTIATE(std::uint8_t)
STAMP_H5_INSTANTIATE(std::int16_t)
STAMP_H5_INSTANTIATE(std::int32_t)
STAMP_H5_INSTANTIATE(std::int64_t)
STAMP_H5_INSTANTIATE(float)
STAMP_H5_INSTANTIATE(double)
#undef STAMP_H5_INSTANTIATE

Status writeBoolScalar(hid_t loc, const std::string& name, bool value) {
  Hid space(H5Screate(H5S_SCALAR));
  Hid t = boolEnum();
  std::int8_t v = value ? 1 : 0;
  return writeData(loc, name, t.get(), t.get(), space.get(), H5P_DEFAULT, &v);
}

Status writeStringAttr(hid_t obj, const std::string& name, const std::string& v,
                       bool fixedLength) {
  Hid space(H5Screate(H5S_SCALAR));
  if (fixedLength) {
    Hid t = fixedString(v.size());
    std::string buf = v.empty() ? std::string(1, '\0') : v;
    return writeAttr(obj, name, t.get(), space.get(), buf.data());
  }
  Hid t = vlenUtf8();
  const char* p = v.c_str();
  return writeAttr(obj, name, t.get(), space.get(), &p);
}

Status writeStringsAttr(hid_t obj, const std::string& name, const std::vector<std::string>& v) {
  if (v.empty()) return writeEmptyFloatAttr(obj, name);  // what anndata writes for []
  Hid space = simpleSpace({v.size()});
  Hid t = vlenUtf8();
  auto p = cStrings(v);
  return writeAttr(obj, name, t.get(), space.get(), p.data());
}

Status writeInt64sAttr(hid_t obj, const std::string& name, const std::vector<std::int64_t>& v) {
  Hid space = simpleSpace({v.size()});
  return writeAttr(obj, name, H5T_NATIVE_INT64, space.get(), v.data());
}

Status writeInt32sAttr(hid_t obj, const std::string& name, const std::vector<std::int32_t>& v) {
  Hid space = simpleSpace({v.size()});
  return writeAttr(obj, name, H5T_NATIVE_INT32, space.get(), v.data());
}

Status writeEmptyFloatAttr(hid_t obj, const std::string& name) {
  Hid space = simpleSpace({0});
  double dummy = 0;
  return writeAttr(obj, name, H5T_NATIVE_DOUBLE, space.get(), &dummy);
}

Status writeBoolAttr(hid_t obj, const std::string& name, bool v) {
  Hid space(H5Screate(H5S_SCALAR));
  Hid t = boolEnum();
  std::int8_t b = v ? 1 : 0;
  return writeAttr(obj, name, t.get(), space.get(), &b);
}

Status writeEncoding(hid_t obj, const std::string& type, const std::string& version) {
  STAMP_CHECK(writeStringAttr(obj, "encoding-type", type));
  return writeStringAttr(obj, "encoding-version", version);
}

}  // namespace stamp::core::st::h5
