// 10x .h5 matrices written by h5py in the variants met in the wild, and broken ones.
#include <fstream>

#include "st/space_ranger.h"
#include "st_test_helpers.h"

namespace stamp::test::st {
namespace {
using namespace stamp::core;
using namespace stamp::core::st;

// One 3 genes x 4 barcodes matrix in every layout. CSC by barcode:
// barcode0: gene0=5 gene2=1; barcode1: none; barcode2: gene1=3; barcode3: gene0=2 gene1=7 gene2=4.
const char* kGenerator = R"PY(
import sys, h5py, numpy as np
out = sys.argv[1]
bc = ["AAAC-1", "AAAG-1", "AATT-1", "ACGT-1"]
ids = ["ENSG01", "ENSG02", "ENSG03"]
names = ["TP53", "EGFR", "MYC"]
indptr = np.array([0, 2, 2, 3, 6]); indices = np.array([0, 2, 1, 0, 1, 2]); data = np.array([5, 1, 3, 2, 7, 4])
vlen = h5py.string_dtype("utf-8")

def write(path, strings="fixed", dtype="int32", compress=None, attrs=True, mutate=None):
    with h5py.File(path, "w") as f:
        if attrs:
            f.attrs["filetype"] = np.array([b"matrix"]); f.attrs["version"] = np.int32(2)
            f.attrs["chemistry_description"] = "Visium Spatial Gene Expression"
        m = f.create_group("matrix")
        def s(name, vals, g=m):
            arr = np.array(vals, dtype=vlen) if strings == "vlen" else np.array([v.encode() for v in vals])
            g.create_dataset(name, data=arr, compression=compress, chunks=True if compress else None)
        def n(name, vals, dt):
            m.create_dataset(name, data=np.array(vals, dtype=dt), compression=compress, chunks=True if compress else None)
        s("barcodes", bc)
        n("data", data, dtype); n("indices", indices, "int64" if strings == "vlen" else "int32")
        n("indptr", indptr, "uint64" if strings == "vlen" else "int64"); n("shape", [3, 4], "int32")
        feat = m.create_group("features")
        s("id", ids, feat); s("name", names, feat); s("feature_type", ["Gene Expression"] * 3, feat)
        s("genome", ["GRCh38"] * 3, feat)
        if mutate: mutate(f)

write(out + "/fixed_int32.h5")
write(out + "/vlen_float64_gzip.h5", strings="vlen", dtype="float64", compress="gzip", attrs=False)
write(out + "/fixed_uint16_lzf.h5", dtype="uint16", compress="lzf")
def legacy(path):
    with h5py.File(path, "w") as f:
        g = f.create_group("GRCh38")
        g["barcodes"] = np.array([b.encode() for b in bc]); g["genes"] = np.array([i.encode() for i in ids])
        g["gene_names"] = np.array([x.encode() for x in names]); g["data"] = data.astype("int32")
        g["indices"] = indices.astype("int64"); g["indptr"] = indptr.astype("int64"); g["shape"] = np.array([3, 4])
legacy(out + "/cellranger2.h5")
def replace(name, vals):
    def m(f):
        del f[name]; f[name] = vals
    return m
write(out + "/bad_indptr.h5", mutate=replace("matrix/indptr", np.array([0, 3, 2, 3, 6])))
write(out + "/bad_indptr_len.h5", mutate=replace("matrix/indptr", np.array([0, 2, 6])))
write(out + "/bad_indices.h5", mutate=replace("matrix/indices", np.array([0, 2, 1, 0, 1, 3])))
write(out + "/bad_shape.h5", mutate=replace("matrix/shape", np.array([3, 5])))
write(out + "/bad_data_type.h5", mutate=replace("matrix/data", np.array([b"a"] * 6)))
write(out + "/bad_nan.h5", dtype="float64", mutate=replace("matrix/data", np.array([1, np.nan, 1, 1, 1, 1.0])))
write(out + "/no_features.h5", mutate=lambda f: f.__delitem__("matrix/features"))
with h5py.File(out + "/not_10x.h5", "w") as f: f["x"] = np.arange(3)
)PY";

class TenxH5 : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    if (!pythonHas("h5py,numpy")) GTEST_SKIP() << "/usr/bin/python3 with h5py+numpy not available";
    std::string out;
    ASSERT_EQ(runPython(dir_, kGenerator, &out, shellQuote(dir_.string())), 0) << out;
  }
  std::string file(const std::string& n) { return (dir_ / n).string(); }
};

void expectTheMatrix(const FeatureMatrix& fm) {
  ASSERT_EQ(fm.barcodes, (std::vector<std::string>{"AAAC-1", "AAAG-1", "AATT-1", "ACGT-1"}));
  ASSERT_EQ(fm.genes.size(), 3u);
  EXPECT_EQ(fm.genes[1].id, "ENSG02");
  EXPECT_EQ(fm.genes[1].symbol, "EGFR");
  EXPECT_EQ(fm.counts.rows, 4);
  EXPECT_EQ(fm.counts.cols, 3);
  EXPECT_EQ(fm.counts.indptr, (std::vector<std::int64_t>{0, 2, 2, 3, 6}));
  EXPECT_EQ(fm.counts.indices, (std::vector<std::int32_t>{0, 2, 1, 0, 1, 2}));
  EXPECT_EQ(fm.counts.data, (std::vector<float>{5, 1, 3, 2, 7, 4}));
}

TEST_F(TenxH5, FixedLengthStringsInt32) {
  auto fm = read10xH5(file("fixed_int32.h5"));
  ASSERT_TRUE(fm.ok()) << fm.error().describe();
  expectTheMatrix(*fm);
  EXPECT_EQ(fm->attributes["chemistry_description"], "Visium Spatial Gene Expression");
}

TEST_F(TenxH5, VariableLengthStringsFloat64GzipNoRootAttributes) {
  auto fm = read10xH5(file("vlen_float64_gzip.h5"));
  ASSERT_TRUE(fm.ok()) << fm.error().describe();
  expectTheMatrix(*fm);
  EXPECT_TRUE(fm->attributes.empty());
}

TEST_F(TenxH5, Uint16LzfFailsCleanlyOrReads) {
  // LZF is an h5py-only filter: HDF5 without it cannot decode; that must be an error, not a crash.
  auto fm = read10xH5(file("fixed_uint16_lzf.h5"));
  if (fm.ok()) {
    expectTheMatrix(*fm);
  } else {
    EXPECT_EQ(fm.error().code, ErrorCode::Format);
    EXPECT_NE(fm.error().describe().find("fixed_uint16_lzf.h5"), std::string::npos);
  }
}

TEST_F(TenxH5, CellRanger2Layout) {
  auto fm = read10xH5(file("cellranger2.h5"));
  ASSERT_TRUE(fm.ok()) << fm.error().describe();
  expectTheMatrix(*fm);
}

TEST_F(TenxH5, InMemoryImageMatchesFile) {
  std::ifstream in(file("fixed_int32.h5"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto fm = read10xH5Image(bytes.data(), bytes.size(), "image.h5");
  ASSERT_TRUE(fm.ok()) << fm.error().describe();
  expectTheMatrix(*fm);
  auto again = read10xH5Image(bytes.data(), bytes.size(), "image.h5");  // same name twice
  ASSERT_TRUE(again.ok()) << again.error().describe();
}

TEST_F(TenxH5, BrokenMatricesAreRefusedWithTheFileNamed) {
  struct Case {
    const char* name;
    ErrorCode code;
    const char* needle;
  } cases[] = {
      {"bad_indptr.h5", ErrorCode::Format, "indptr"},
      {"bad_indptr_len.h5", ErrorCode::Format, "indptr"},
      {"bad_indices.h5", ErrorCode::OutOfRange, "indices"},
      {"bad_shape.h5", ErrorCode::Mismatch, "barcodes"},
      {"bad_data_type.h5", ErrorCode::Format, "data"},
      {"bad_nan.h5", ErrorCode::Numerical, "non-finite"},
      {"no_features.h5", ErrorCode::Format, "features"},
      {"not_10x.h5", ErrorCode::Format, "matrix"},
  };
  for (const auto& c : cases) {
    auto r = read10xH5(file(c.name));
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().describe();
    EXPECT_NE(r.error().describe().find(c.name), std::string::npos) << r.error().describe();
    EXPECT_NE(r.error().describe().find(c.needle), std::string::npos) << r.error().describe();
  }
}

TEST_F(TenxH5, MissingTruncatedEmptyAndNotHdf5) {
  auto r = read10xH5(file("absent.h5"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::NotFound);
  EXPECT_NE(r.error().describe().find("absent.h5"), std::string::npos);

  std::ifstream in(file("vlen_float64_gzip.h5"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  for (size_t cut : {bytes.size() / 2, size_t(100), size_t(7)}) {
    writeText(dir_ / "truncated.h5", bytes.substr(0, cut));
    r = read10xH5(file("truncated.h5"));
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.error().code, ErrorCode::Format);
    EXPECT_NE(r.error().describe().find("truncated.h5"), std::string::npos);
  }
  writeText(dir_ / "empty.h5", "");
  r = read10xH5(file("empty.h5"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Format);
  EXPECT_NE(r.error().describe().find("empty.h5"), std::string::npos);
  writeText(dir_ / "text.h5", "barcode,in_tissue\nthis is not HDF5\n");
  r = read10xH5(file("text.h5"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find("not an HDF5 file"), std::string::npos);
}

TEST_F(TenxH5, WriterOutputReadsInH5pyAsSpaceRangerLayout) {
  auto s = makeSample(9, 6);
  ASSERT_TRUE(write10xH5(file("ours.h5"), s).ok());
  auto back = read10xH5(file("ours.h5"));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->counts.data, s.counts.data);
  EXPECT_EQ(back->counts.indices, s.counts.indices);
  const char* check = R"PY(
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r"); m = f["matrix"]
assert m["data"].dtype == np.int32, m["data"].dtype
assert list(m["shape"][:]) == [6, 9]
assert m["barcodes"][0] == b"BC1000-1", m["barcodes"][0]
assert m["features/name"][2] == b"GENE2"
assert m["features/feature_type"][0] == b"Gene Expression"
assert m["data"].compression == "gzip"
print(int(m["data"][:].sum()))
)PY";
  std::string out;
  ASSERT_EQ(runPython(dir_, check, &out, shellQuote(file("ours.h5"))), 0) << out;
  double total = 0;
  for (float v : s.counts.data) total += v;
  EXPECT_EQ(std::stod(out), total);
  // Non-integral values are kept as float32 rather than truncated.
  s.counts.data[0] = 0.5f;
  ASSERT_TRUE(write10xH5(file("norm.h5"), s).ok());
  auto norm = read10xH5(file("norm.h5"));
  ASSERT_TRUE(norm.ok());
  EXPECT_EQ(norm->counts.data[0], 0.5f);
}

TEST_F(TenxH5, WriterRefusesInconsistentSamples) {
  auto s = makeSample(4, 3);
  s.spots.pop_back();
  auto st = write10xH5(file("bad.h5"), s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::InvalidArgument);
  EXPECT_FALSE(fs::exists(dir_ / "bad.h5"));
}

}  // namespace
}  // namespace stamp::test::st
