#include "hdf5_mutator.h"

#include <algorithm>
#include <cmath>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "st/hdf5_util.h"

namespace stamp::fuzz {
namespace {
namespace h5 = stamp::core::st::h5;
using h5::Hid;

const char* const kTokens[] = {
    "csr_matrix", "csc_matrix", "categorical", "dataframe", "array", "string-array", "dict",
    "string", "numeric-scalar", "anndata", "_index", "index", "spatial", "in_tissue",
    "pxl_col_in_fullres", "pxl_row_in_fullres", "array_row", "codes", "categories", "data",
    "indices", "indptr", "shape", "barcodes", "id", "name", "matrix", "features", "X", "obs",
    "var", "obsm", "uns", "gene_ids", "scalefactors", "metadata", "", "0.1.0", "0.2.0"};
const double kEdges[] = {0, 1, -1, 2, -2, 3, 127, 128, 255, 256, 65535, 2147483647.0,
                         -2147483648.0, 4294967296.0, 9.2e18, 1e300, -1e300, 0.5, 3.7,
                         std::numeric_limits<double>::quiet_NaN(),
                         std::numeric_limits<double>::infinity()};

struct Rng {
  std::mt19937 g;
  size_t below(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(g); }
  bool coin() { return below(2) == 0; }
  template <class T, size_t N>
  const T& pick(const T (&a)[N]) { return a[below(N)]; }
};

/// Where the mutant is assembled. A real file, closed before its bytes are taken: images taken
/// with H5Fget_file_image from a still-open core-driver file failed their own checksums.
std::string scratchPath() {
  static const std::string dir = std::filesystem::is_directory("/dev/shm")
                                     ? std::string("/dev/shm")
                                     : std::filesystem::temp_directory_path().string();
  return dir + "/stamp-fuzz-mutant-" + std::to_string(::getpid()) + ".h5";
}

Hid latestFapl() {
  Hid fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);  // compact files
  return fapl;
}

herr_t collectAttr(hid_t, const char* name, const H5A_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

std::vector<std::string> attrNames(hid_t obj) {
  std::vector<std::string> names;
  H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, nullptr, collectAttr, &names);
  return names;
}

/// Copies every attribute of `src` onto `dst`, whatever its type (vlen strings included).
void copyAttrs(hid_t src, hid_t dst) {
  for (const auto& name : attrNames(src)) {
    Hid a(H5Aopen(src, name.c_str(), H5P_DEFAULT));
    Hid type(H5Aget_type(a.get())), space(H5Aget_space(a.get()));
    hssize_t n = H5Sget_simple_extent_npoints(space.get());
    size_t sz = H5Tget_size(type.get());
    if (n < 0 || sz == 0 || size_t(n) * sz > (1u << 20)) continue;
    std::vector<unsigned char> buf(std::max<size_t>(1, size_t(n) * sz));
    if (H5Aread(a.get(), type.get(), buf.data()) < 0) continue;
    Hid b(H5Acreate2(dst, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (b.valid()) H5Awrite(b.get(), type.get(), buf.data());
    if (H5Tdetect_class(type.get(), H5T_VLEN) > 0 || H5Tis_variable_str(type.get()) > 0)
      H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, buf.data());
  }
}

void listObjects(hid_t f, const std::string& prefix, int depth, std::vector<std::string>& out) {
  if (depth > 6 || out.size() > 400) return;
  Hid g(H5Gopen2(f, prefix.empty() ? "/" : prefix.c_str(), H5P_DEFAULT));
  if (!g.valid()) return;
  for (const auto& name : h5::childNames(g.get())) {
    std::string path = prefix.empty() ? name : prefix + "/" + name;
    out.push_back(path);
    if (h5::kindOf(f, path) == h5::Kind::Group) listObjects(f, path, depth + 1, out);
  }
}

/// Replaces dataset `path` by `make(tmpName)`, keeping its attributes.
template <class Make>
void replaceDataset(hid_t f, const std::string& path, Make make) {
  std::string tmp = path + "__mut";
  if (!make(tmp)) return;
  {
    Hid oldD(H5Oopen(f, path.c_str(), H5P_DEFAULT)), newD(H5Oopen(f, tmp.c_str(), H5P_DEFAULT));
    if (oldD.valid() && newD.valid()) copyAttrs(oldD.get(), newD.get());
  }
  H5Ldelete(f, path.c_str(), H5P_DEFAULT);
  H5Lmove(f, tmp.c_str(), f, path.c_str(), H5P_DEFAULT, H5P_DEFAULT);
}

void editNumbers(Rng& r, std::vector<double>& v) {
  switch (r.below(5)) {
    case 0: if (!v.empty()) v[r.below(v.size())] = r.pick(kEdges); break;
    case 1: v.resize(v.size() + 1 + r.below(3), r.pick(kEdges)); break;
    case 2: v.resize(v.size() - std::min(v.size(), 1 + r.below(3))); break;
    case 3: std::reverse(v.begin(), v.end()); break;
    default: if (!v.empty()) v[r.below(v.size())] += double(int(r.below(5)) - 2); break;
  }
}

bool writeNumbers(Rng& r, hid_t f, const std::string& name, const std::vector<double>& v,
                  std::vector<std::uint64_t> dims) {
  switch (r.below(5)) {
    case 0: return h5::writeArray(f, name, v.data(), dims).ok();
    case 1: {
      std::vector<float> x(v.begin(), v.end());
      return h5::writeArray(f, name, x.data(), dims).ok();
    }
    default: {  // integers, converted here so that NaN/Inf never reach a C cast
      std::vector<std::int64_t> x;
      for (double d : v) x.push_back(std::isfinite(d) ? std::int64_t(std::clamp(d, -9e18, 9e18)) : -1);
      if (r.coin()) {
        std::vector<std::int32_t> y;
        for (auto i : x) y.push_back(std::int32_t(std::clamp<std::int64_t>(i, INT32_MIN, INT32_MAX)));
        return h5::writeArray(f, name, y.data(), dims).ok();
      }
      return h5::writeArray(f, name, x.data(), dims).ok();
    }
  }
}

void mutateNumeric(Rng& r, hid_t f, const std::string& path) {
  Hid d(H5Dopen2(f, path.c_str(), H5P_DEFAULT));
  auto dims = h5::shapeOf(d.get());
  auto v = h5::readDoubles(d.get(), path);
  d = Hid();
  if (!v.ok() || v->size() > 100000) return;
  std::vector<double> vals = *v;
  size_t before = vals.size();
  editNumbers(r, vals);
  if (dims.size() != 2 || vals.size() != before) dims = {vals.size()};
  if (dims.empty()) dims = {vals.size()};
  if (r.below(8) == 0) {  // numbers become strings
    std::vector<std::string> s;
    for (double x : vals) s.push_back(std::to_string(x));
    replaceDataset(f, path, [&](const std::string& t) { return h5::writeStrings(f, t, s).ok(); });
    return;
  }
  replaceDataset(f, path, [&](const std::string& t) { return writeNumbers(r, f, t, vals, dims); });
}

void mutateStrings(Rng& r, hid_t f, const std::string& path) {
  Hid d(H5Dopen2(f, path.c_str(), H5P_DEFAULT));
  auto v = h5::readStrings(d.get(), path);
  d = Hid();
  if (!v.ok() || v->size() > 100000) return;
  std::vector<std::string> s = *v;
  switch (r.below(6)) {
    case 0: if (!s.empty()) s[r.below(s.size())] = ""; break;
    case 1: if (!s.empty()) s[r.below(s.size())] = s[r.below(s.size())]; break;
    case 2: if (!s.empty()) s.pop_back(); break;
    case 3: s.push_back(r.pick(kTokens)); break;
    case 4: if (!s.empty()) s[r.below(s.size())] = r.pick(kTokens); break;
    default: {  // strings become numbers
      std::vector<double> n(s.size());
      for (size_t i = 0; i < n.size(); ++i) n[i] = double(i);
      replaceDataset(f, path, [&](const std::string& t) { return writeNumbers(r, f, t, n, {n.size()}); });
      return;
    }
  }
  bool fixed = r.coin();
  replaceDataset(f, path, [&](const std::string& t) { return h5::writeStrings(f, t, s, fixed).ok(); });
}

void mutateAttr(Rng& r, hid_t f, const std::string& path) {
  Hid obj(H5Oopen(f, path.empty() ? "/" : path.c_str(), H5P_DEFAULT));
  if (!obj.valid()) return;
  auto names = attrNames(obj.get());
  std::string name = names.empty() || r.below(4) == 0 ? std::string(r.pick(kTokens)) : names[r.below(names.size())];
  if (name.empty()) name = "encoding-type";
  switch (r.below(4)) {
    case 0: H5Adelete(obj.get(), name.c_str()); break;
    case 1: (void)h5::writeStringAttr(obj.get(), name, r.pick(kTokens), r.coin()); break;
    case 2: {
      std::vector<std::int64_t> v;
      static const std::int64_t kInts[] = {-1, 0, 1, 2, 3, 4, 5, 6, 100, 2147483648LL, -1099511627776LL};
      for (size_t i = 0, n = r.below(4); i < n; ++i) v.push_back(r.pick(kInts));
      (void)h5::writeInt64sAttr(obj.get(), name, v);
      break;
    }
    default: (void)h5::writeStringsAttr(obj.get(), name, {r.pick(kTokens), r.pick(kTokens)}); break;
  }
}

void addChild(Rng& r, hid_t f, const std::string& group) {
  std::string path = (group.empty() ? "" : group + "/") + r.pick(kTokens);
  if (path.empty() || path.back() == '/' || h5::kindOf(f, path) != h5::Kind::None) return;
  if (r.below(3) == 0) {
    Hid g(H5Gcreate2(f, path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    return;
  }
  std::vector<double> v(r.below(6));
  for (auto& x : v) x = double(r.below(5));
  writeNumbers(r, f, path, v, {v.size()});
}

void mutateOnce(Rng& r, hid_t f) {
  std::vector<std::string> objects;
  listObjects(f, "", 0, objects);
  std::string path = objects.empty() ? std::string() : objects[r.below(objects.size())];
  h5::Kind kind = path.empty() ? h5::Kind::Group : h5::kindOf(f, path);
  size_t op = r.below(10);
  if (op == 0 && !path.empty()) {
    H5Ldelete(f, path.c_str(), H5P_DEFAULT);
  } else if (op <= 2) {
    mutateAttr(r, f, r.below(4) == 0 ? std::string() : path);
  } else if (op == 3) {
    addChild(r, f, kind == h5::Kind::Group ? path : std::string());
  } else if (kind == h5::Kind::Dataset) {
    Hid d(H5Dopen2(f, path.c_str(), H5P_DEFAULT));
    bool str = h5::isStringType(d.get()), num = h5::isNumericType(d.get());
    d = Hid();
    if (str) mutateStrings(r, f, path);
    else if (num) mutateNumeric(r, f, path);
  }
}

size_t exportFile(const std::string& file, std::uint8_t* data, size_t size, size_t maxSize) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> buf((std::istreambuf_iterator<char>(in)), {});
  std::remove(file.c_str());
  if (buf.empty() || buf.size() > maxSize) return size;
  std::memcpy(data, buf.data(), buf.size());
  return buf.size();
}
}  // namespace

size_t mutateHdf5Image(std::uint8_t* data, size_t size, size_t maxSize, unsigned seed) {
  h5::ErrorSilencer quiet;
  Rng r{std::mt19937(seed)};
  const std::string file = scratchPath();
  {
    Hid fapl = latestFapl();
    Hid dst(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
    if (!dst.valid()) return size;
    auto src = h5::openImage(data, size, "input");
    if (src.ok()) {
      Hid root(H5Gopen2(src->get(), "/", H5P_DEFAULT)), droot(H5Gopen2(dst.get(), "/", H5P_DEFAULT));
      copyAttrs(root.get(), droot.get());
      for (const auto& name : h5::childNames(root.get()))
        H5Ocopy(root.get(), name.c_str(), droot.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    }
    for (size_t i = 0, n = 1 + r.below(3); i < n; ++i) mutateOnce(r, dst.get());
  }  // every handle closed: the file is complete on disk
  return exportFile(file, data, size, maxSize);
}

}  // namespace stamp::fuzz

// The libFuzzer hooks every HDF5 target shares (this file is linked only into those targets):
// a read limit so a mutated dataset size cannot make a reader allocate gigabytes, and the
// structure-aware mutator above.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  stamp::core::st::h5::setReadLimitBytes(std::uint64_t(64) << 20);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t maxSize,
                                          unsigned int seed) {
  return stamp::fuzz::mutateHdf5Image(data, size, maxSize, seed);
}
