// .h5ad: files written by Python's anndata/h5py read by us, ours read by anndata, round trips.
#include <cmath>
#include <fstream>

#include "st/h5ad.h"
#include "st/hdf5_util.h"
#include "st_test_helpers.h"

namespace stamp::test::st {
namespace {
using namespace stamp::core;
using namespace stamp::core::st;

// 5 obs x 4 var; X = [[0,1,0,2],[3,0,0,0],[0,0,0,0],[1,1,1,1],[0,5,0,0]].
const char* kAnndataGenerator = R"PY(
import sys, anndata as ad, numpy as np, pandas as pd, scipy.sparse as sp, h5py
out = sys.argv[1]
X = np.array([[0,1,0,2],[3,0,0,0],[0,0,0,0],[1,1,1,1],[0,5,0,0]], dtype=np.float32)
names = [f"BC{i}-1" for i in range(5)]
obs = pd.DataFrame({"in_tissue": [1,0,1,1,1], "array_row": [0,1,2,3,4], "array_col": [1,3,5,7,9],
    "pxl_row_in_fullres": [10.,20,30,40,50], "pxl_col_in_fullres": [11.,21,31,41,51],
    "cluster": pd.Categorical(["a","b","a",None,"c"]), "label": ["x","y","z","w","v"],
    "score": [0.1,0.2,0.3,0.4,0.5], "flag": [True,False,True,True,False],
    "count": pd.array([1, None, 3, 4, 5], dtype="Int64")}, index=names)
var = pd.DataFrame({"gene_ids": ["ENSG1","ENSG2","ENSG3","ENSG4"]}, index=["A","B","C","D"])
a = ad.AnnData(X=sp.csr_matrix(X), obs=obs, var=var)
a.obsm["spatial"] = np.array([[999., 999.]] * 5)
a.obsm["X_pca"] = np.arange(10.).reshape(5, 2)
a.obsm["bad"] = np.full((5, 2), np.nan)
a.uns["spatial"] = {"lib1": {"scalefactors": {"tissue_hires_scalef": 0.2, "spot_diameter_fullres": 80.0},
                             "metadata": {"software_version": "spaceranger-2.0"}}}
a.uns["params"] = {"n": 3, "name": "x", "ks": np.array([1.5, 2.5])}
a.write_h5ad(out + "/csr.h5ad")
b = a.copy(); b.X = sp.csc_matrix(X); b.write_h5ad(out + "/csc.h5ad")
c = a.copy(); c.X = X.astype(np.int64); c.write_h5ad(out + "/dense.h5ad")
ens = ["ENSG00000000001", "ENSG00000000002", "ENSG00000000003", "ENSG00000000004"]
d = ad.AnnData(X=sp.csr_matrix(X), obs=pd.DataFrame(index=names),
               var=pd.DataFrame({"gene_symbols": ["A","B","C","D"]}, index=ens))
d.obsm["spatial"] = np.array([[1.,2.],[3.,4.],[5.,6.],[7.,8.],[9.,10.]])
d.write_h5ad(out + "/obsm_only.h5ad")
# Fixed-length strings, as some h5py-based writers produce.
import shutil; shutil.copy(out + "/csr.h5ad", out + "/fixed.h5ad")
with h5py.File(out + "/fixed.h5ad", "a") as f:
    for path in ["obs/_index", "var/_index", "obs/label", "obs/cluster/categories"]:
        vals = [v if isinstance(v, bytes) else v.encode() for v in f[path][:]]
        attrs = dict(f[path].attrs); del f[path]
        f.create_dataset(path, data=np.array(vals, dtype="S12"))
        for k, v in attrs.items(): f[path].attrs[k] = v
# anndata < 0.7: compound obs/var tables and a dense X.
with h5py.File(out + "/compound.h5ad", "w") as f:
    f["X"] = X
    f["obs"] = np.array([(n.encode(), i * 0.5) for i, n in enumerate(names)], dtype=[("index", "S8"), ("score", "f8")])
    f["var"] = np.array([(g.encode(),) for g in "ABCD"], dtype=[("index", "S4")])
# Broken variants.
def broken(name, fn):
    shutil.copy(out + "/csr.h5ad", out + "/" + name)
    with h5py.File(out + "/" + name, "a") as f: fn(f)
def setdata(path, vals):
    def fn(f):
        attrs = dict(f[path].attrs); del f[path]; f[path] = vals
        for k, v in attrs.items(): f[path].attrs[k] = v
    return fn
broken("bad_indices.h5ad", setdata("X/indices", np.array([1, 3, 0, 0, 1, 2, 9, 1], dtype=np.int32)))
broken("bad_indptr.h5ad", setdata("X/indptr", np.array([0, 2, 1, 3, 7, 8], dtype=np.int32)))
broken("bad_codes.h5ad", setdata("obs/cluster/codes", np.array([0, 1, 7, 0, 2], dtype=np.int8)))
broken("bad_shape.h5ad", lambda f: f["X"].attrs.__setitem__("shape", np.array([5, 3])))
broken("bad_column.h5ad", setdata("obs/score", np.array([1.0, 2.0])))
broken("no_obs.h5ad", lambda f: f.__delitem__("obs"))
# CSC X per gene: A rows 1,3; B rows 0,3,4; C row 3; D rows 0,3 (data 3,1, 1,1,5, 1, 2,1).
def broken_csc(name, fn):
    shutil.copy(out + "/csc.h5ad", out + "/" + name)
    with h5py.File(out + "/" + name, "a") as f: fn(f)
broken_csc("csc_bad_spot.h5ad", setdata("X/indices", np.array([1, 3, 0, 3, 9, 3, 0, 3], dtype=np.int64)))
broken_csc("csc_bad_indptr.h5ad", setdata("X/indptr", np.array([0, 5, 2, 6, 8], dtype=np.int32)))
broken_csc("csc_nan.h5ad", setdata("X/data", np.array([3, 1, 1, 1, 5, 1, 2, np.nan], dtype=np.float32)))
def odd_column(f):  # an encoding from the future, and a 2-D column
    g = f["obs"].create_group("odd"); g.attrs["encoding-type"] = "awkward-array"
    f["obs/wide"] = np.zeros((5, 2))
    f["obs"].attrs["column-order"] = np.array(list(f["obs"].attrs["column-order"]) + ["odd", "wide"], dtype=object)
broken("odd_column.h5ad", odd_column)
)PY";

class H5adFromPython : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    if (!pythonHas("anndata,h5py,scipy,pandas"))
      GTEST_SKIP() << "/usr/bin/python3 with anndata, h5py, scipy, pandas not available";
    std::string out;
    ASSERT_EQ(runPython(dir_, kAnndataGenerator, &out, shellQuote(dir_.string())), 0) << out;
  }
  std::string file(const std::string& n) { return (dir_ / n).string(); }
};

double countAt(const CsrMatrix& m, std::int64_t r, std::int32_t c) {
  for (auto k = m.indptr[size_t(r)]; k < m.indptr[size_t(r) + 1]; ++k)
    if (m.indices[size_t(k)] == c) return m.data[size_t(k)];
  return 0;
}

void expectCounts(const SpatialSample& s) {
  const float X[5][4] = {{0, 1, 0, 2}, {3, 0, 0, 0}, {0, 0, 0, 0}, {1, 1, 1, 1}, {0, 5, 0, 0}};
  ASSERT_EQ(s.counts.rows, 5);
  ASSERT_EQ(s.counts.cols, 4);
  EXPECT_FALSE(s.counts.validate().has_value());
  EXPECT_EQ(s.counts.nnz(), 8);
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 4; ++c) EXPECT_EQ(countAt(s.counts, r, c), X[r][c]) << r << "," << c;
}

void expectFullSample(const SpatialSample& s) {
  expectCounts(s);
  ASSERT_EQ(s.spotCount(), 5u);
  EXPECT_EQ(s.spots[3].barcode, "BC3-1");
  EXPECT_FALSE(s.spots[1].inTissue);
  EXPECT_TRUE(s.spots[2].inTissue);
  EXPECT_EQ(s.spots[4].arrayCol, 9);
  EXPECT_EQ(s.spots[4].arrayRow, 4);
  EXPECT_DOUBLE_EQ(s.spots[2].x, 31);  // obs pxl columns win over obsm/spatial
  EXPECT_DOUBLE_EQ(s.spots[2].y, 30);
  EXPECT_EQ(s.genes[1].id, "ENSG2");
  EXPECT_EQ(s.genes[1].symbol, "B");
  const ObsColumn& cl = s.obs.at("cluster");
  EXPECT_EQ(cl.kind, ObsColumn::Kind::Categorical);
  EXPECT_EQ(cl.categories, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(cl.codes, (std::vector<std::int32_t>{0, 1, 0, -1, 2}));
  EXPECT_EQ(s.obs.at("label").kind, ObsColumn::Kind::String);
  EXPECT_EQ(s.obs.at("label").strings[2], "z");
  EXPECT_DOUBLE_EQ(s.obs.at("score").numbers[3], 0.4);
  EXPECT_EQ(s.obs.at("flag").numbers, (std::vector<double>{1, 0, 1, 1, 0}));
  const auto& count = s.obs.at("count").numbers;  // nullable-integer: NA -> NaN
  ASSERT_EQ(count.size(), 5u);
  EXPECT_TRUE(std::isnan(count[1]));
  EXPECT_EQ(count[4], 5);
  EXPECT_EQ(s.obs.count("in_tissue"), 0u);  // became spot fields
  ASSERT_EQ(s.obsm.count("X_pca"), 1u);
  EXPECT_EQ(s.obsm.at("X_pca").cols, 2);
  EXPECT_FLOAT_EQ(s.obsm.at("X_pca").at(4, 1), 9.0f);
  EXPECT_EQ(s.obsm.count("bad"), 0u);  // NaN embedding skipped, and said so
  EXPECT_NE(s.metadata.at("skipped_obsm").find("bad"), std::string::npos);
  EXPECT_EQ(s.name, "lib1");
  EXPECT_DOUBLE_EQ(s.scale.hiresScalef, 0.2);
  EXPECT_DOUBLE_EQ(s.scale.spotDiameterFullres, 80);
  EXPECT_EQ(s.metadata.at("software_version"), "spaceranger-2.0");
  EXPECT_EQ(s.uns["params"]["n"], 3);
  EXPECT_EQ(s.uns["params"]["name"], "x");
  EXPECT_EQ(s.uns["params"]["ks"], nlohmann::json({1.5, 2.5}));
  EXPECT_FALSE(s.uns.contains("spatial"));
}

TEST_F(H5adFromPython, CsrX) {
  auto s = readH5ad(file("csr.h5ad"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  expectFullSample(*s);
}

TEST_F(H5adFromPython, CscX) {
  auto s = readH5ad(file("csc.h5ad"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  expectFullSample(*s);
}

// CSC X is streamed into CSR block by block: every block boundary gives the CSR file's matrix.
TEST_F(H5adFromPython, CscAcrossBlockBoundariesEqualsCsr) {
  auto csr = readH5ad(file("csr.h5ad"));
  ASSERT_TRUE(csr.ok()) << csr.error().describe();
  const std::size_t old = h5::readChunkElems();
  for (std::size_t block : {1, 2, 3, 5, 8}) {
    h5::setReadChunkElems(block);
    auto csc = readH5ad(file("csc.h5ad"));
    h5::setReadChunkElems(old);
    ASSERT_TRUE(csc.ok()) << block << ": " << csc.error().describe();
    EXPECT_EQ(csc->counts.indptr, csr->counts.indptr) << block;
    EXPECT_EQ(csc->counts.indices, csr->counts.indices) << block;
    EXPECT_EQ(csc->counts.data, csr->counts.data) << block;
  }
}

TEST_F(H5adFromPython, BrokenCscIsRefusedAtItsPosition) {
  struct Case {
    const char* name;
    ErrorCode code;
    const char* says;
  } cases[] = {
      {"csc_bad_spot.h5ad", ErrorCode::OutOfRange, "index 9 at position 4"},
      {"csc_bad_indptr.h5ad", ErrorCode::Format, "indptr decreases at column 1"},
      {"csc_nan.h5ad", ErrorCode::Numerical, "at position 7"},
  };
  const std::size_t old = h5::readChunkElems();
  h5::setReadChunkElems(3);  // the bad value in a later block
  for (const auto& c : cases) {
    auto r = readH5ad(file(c.name));
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().describe();
    EXPECT_NE(r.error().describe().find(c.name), std::string::npos) << r.error().describe();
    EXPECT_NE(r.error().describe().find(c.says), std::string::npos) << r.error().describe();
  }
  h5::setReadChunkElems(old);
}

TEST_F(H5adFromPython, DenseIntegerX) {
  auto s = readH5ad(file("dense.h5ad"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  expectFullSample(*s);
}

TEST_F(H5adFromPython, FixedLengthStrings) {
  auto s = readH5ad(file("fixed.h5ad"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  expectFullSample(*s);
}

TEST_F(H5adFromPython, PositionsFromObsmAndEnsemblIndex) {
  auto s = readH5ad(file("obsm_only.h5ad"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  expectCounts(*s);
  EXPECT_DOUBLE_EQ(s->spots[1].x, 3);
  EXPECT_DOUBLE_EQ(s->spots[1].y, 4);
  EXPECT_EQ(s->spots[1].arrayRow, -1);
  EXPECT_EQ(s->genes[2].id, "ENSG00000000003");
  EXPECT_EQ(s->genes[2].symbol, "C");
  EXPECT_EQ(s->name, "obsm_only");
}

TEST_F(H5adFromPython, OldCompoundTables) {
  auto s = readH5ad(file("compound.h5ad"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  expectCounts(*s);
  EXPECT_EQ(s->spots[4].barcode, "BC4-1");
  EXPECT_EQ(s->genes[3].symbol, "D");
  EXPECT_DOUBLE_EQ(s->obs.at("score").numbers[2], 1.0);
}

TEST_F(H5adFromPython, UnsupportedColumnsAreSkippedAndListed) {
  auto s = readH5ad(file("odd_column.h5ad"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  expectFullSample(*s);
  EXPECT_EQ(s->obs.count("odd"), 0u);
  const std::string& skipped = s->metadata.at("skipped_obs");
  EXPECT_NE(skipped.find("odd"), std::string::npos) << skipped;
  EXPECT_NE(skipped.find("wide"), std::string::npos) << skipped;
}

TEST_F(H5adFromPython, InMemoryImage) {
  std::ifstream in(file("csc.h5ad"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto s = readH5adImage(bytes.data(), bytes.size(), "mem.h5ad");
  ASSERT_TRUE(s.ok()) << s.error().describe();
  expectFullSample(*s);
}

TEST_F(H5adFromPython, BrokenFilesAreRefusedWithTheFileNamed) {
  struct Case {
    const char* name;
    ErrorCode code;
  } cases[] = {
      {"bad_indices.h5ad", ErrorCode::OutOfRange}, {"bad_indptr.h5ad", ErrorCode::Format},
      {"bad_codes.h5ad", ErrorCode::OutOfRange},   {"bad_shape.h5ad", ErrorCode::Mismatch},
      {"bad_column.h5ad", ErrorCode::Mismatch},    {"no_obs.h5ad", ErrorCode::Format},
  };
  for (const auto& c : cases) {
    auto r = readH5ad(file(c.name));
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().describe();
    EXPECT_NE(r.error().describe().find(c.name), std::string::npos) << r.error().describe();
  }
  std::ifstream in(file("csr.h5ad"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  writeText(dir_ / "truncated.h5ad", bytes.substr(0, bytes.size() * 2 / 3));
  auto r = readH5ad(file("truncated.h5ad"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find("truncated.h5ad"), std::string::npos);
}

class H5adOurs : public ScratchTest {};

SpatialSample richSample() {
  auto s = makeSample(11, 6);
  s.fullresImage = "/data/slide.tif";
  s.lowresImage = "/data/spatial/tissue_lowres_image.png";
  s.scale.extra["regist_target_img_scalef"] = 0.3;
  return s;
}

TEST_F(H5adOurs, RoundTripLosesNothing) {
  auto s = richSample();
  fs::path p = dir_ / "out.h5ad";
  auto st = writeH5ad(p.string(), s);
  ASSERT_TRUE(st.ok()) << st.error().describe();
  auto back = readH5ad(p.string());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->name, s.name);
  ASSERT_EQ(back->spotCount(), s.spotCount());
  for (size_t i = 0; i < s.spots.size(); ++i) {
    EXPECT_EQ(back->spots[i].barcode, s.spots[i].barcode);
    EXPECT_EQ(back->spots[i].arrayRow, s.spots[i].arrayRow);
    EXPECT_EQ(back->spots[i].arrayCol, s.spots[i].arrayCol);
    EXPECT_EQ(back->spots[i].x, s.spots[i].x);
    EXPECT_EQ(back->spots[i].y, s.spots[i].y);
    EXPECT_EQ(back->spots[i].inTissue, s.spots[i].inTissue);
  }
  for (size_t j = 0; j < s.genes.size(); ++j) {
    EXPECT_EQ(back->genes[j].id, s.genes[j].id);
    EXPECT_EQ(back->genes[j].symbol, s.genes[j].symbol);
  }
  EXPECT_EQ(back->counts.indptr, s.counts.indptr);
  EXPECT_EQ(back->counts.indices, s.counts.indices);
  EXPECT_EQ(back->counts.data, s.counts.data);
  EXPECT_EQ(back->scale.hiresScalef, s.scale.hiresScalef);
  EXPECT_EQ(back->scale.fiducialDiameterFullres, s.scale.fiducialDiameterFullres);
  EXPECT_EQ(back->scale.extra, s.scale.extra);
  EXPECT_EQ(back->fullresImage, s.fullresImage);
  EXPECT_EQ(back->lowresImage, s.lowresImage);
  EXPECT_EQ(back->hiresImage, "");
  for (const auto& [k, v] : s.metadata) EXPECT_EQ(back->metadata.at(k), v) << k;
  ASSERT_EQ(back->obs.size(), s.obs.size());
  for (const auto& [k, c] : s.obs) {
    const ObsColumn& b = back->obs.at(k);
    EXPECT_EQ(b.kind, c.kind) << k;
    EXPECT_EQ(b.categories, c.categories) << k;
    EXPECT_EQ(b.codes, c.codes) << k;
    EXPECT_EQ(b.numbers, c.numbers) << k;
    EXPECT_EQ(b.strings, c.strings) << k;
  }
  ASSERT_EQ(back->obsm.size(), 1u);
  EXPECT_EQ(back->obsm.at("X_stamp_gene").data, s.obsm.at("X_stamp_gene").data);
  EXPECT_EQ(back->obsm.at("X_stamp_gene").cols, 3);
  EXPECT_EQ(back->uns, s.uns) << back->uns.dump();
}

TEST_F(H5adOurs, AnndataReadsWhatWeWrite) {
  if (!pythonHas("anndata,scipy")) GTEST_SKIP() << "/usr/bin/python3 with anndata not available";
  auto s = richSample();
  fs::path p = dir_ / "ours.h5ad";
  ASSERT_TRUE(writeH5ad(p.string(), s).ok());
  const char* check = R"PY(
import sys, json, anndata as ad, numpy as np, scipy.sparse as sp
a = ad.read_h5ad(sys.argv[1])
st = a.uns["stamp"]; sp_ = a.uns["spatial"]["demo1"]
print(json.dumps({
  "shape": list(a.shape), "sparse": bool(sp.issparse(a.X)), "xsum": float(a.X.sum()),
  "x_1_2": float(a.X[1, 2]), "obs_names0": a.obs_names[0], "var_names3": a.var_names[3],
  "gene_ids3": a.var["gene_ids"][3], "cols": list(a.obs.columns),
  "cluster_cat": str(a.obs["cluster"].dtype) == "category",
  "cats": list(a.obs["cluster"].cat.categories), "na": int(a.obs["cluster"].isna().sum()),
  "cluster5": a.obs["cluster"][5], "note1": a.obs["note"][1], "score4": float(a.obs["score"][4]),
  "in_tissue0": int(a.obs["in_tissue"][0]), "pxl_col2": float(a.obs["pxl_col_in_fullres"][2]),
  "spatial2": a.obsm["spatial"][2].tolist(), "emb": list(a.obsm["X_stamp_gene"].shape),
  "emb_1_2": float(a.obsm["X_stamp_gene"][1, 2]),
  "model": st["model"], "layer": int(st["layer"]), "flags": [int(x) for x in st["flags"]],
  "names": list(st["names"]), "fused": bool(st["fused"]), "temp": float(st["temperature"]),
  "spot_d": float(sp_["scalefactors"]["spot_diameter_fullres"]), "organ": sp_["metadata"]["organ"]}))
)PY";
  std::string out;
  ASSERT_EQ(runPython(dir_, check, &out, shellQuote(p.string())), 0) << out;
  auto j = nlohmann::json::parse(out.substr(out.rfind('{')), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  double total = 0;
  for (float v : s.counts.data) total += v;
  EXPECT_EQ(j["shape"], nlohmann::json({11, 6}));
  EXPECT_TRUE(j["sparse"].get<bool>());
  EXPECT_DOUBLE_EQ(j["xsum"].get<double>(), total);
  EXPECT_DOUBLE_EQ(j["x_1_2"].get<double>(), double((1 * 7 + 2 * 3) % 5));
  EXPECT_EQ(j["obs_names0"], "BC1000-1");
  EXPECT_EQ(j["var_names3"], "GENE3");
  EXPECT_EQ(j["gene_ids3"], "ENSG100000003");
  EXPECT_TRUE(j["cluster_cat"].get<bool>());
  EXPECT_EQ(j["cats"], nlohmann::json({"tumour", "stroma", "immune"}));
  EXPECT_EQ(j["na"], 2);  // codes -1 at i = 3, 7
  EXPECT_EQ(j["cluster5"], "immune");
  EXPECT_EQ(j["note1"], "odd");
  EXPECT_DOUBLE_EQ(j["score4"].get<double>(), 2.0);
  EXPECT_EQ(j["in_tissue0"], 0);
  EXPECT_DOUBLE_EQ(j["pxl_col2"].get<double>(), s.spots[2].x);
  EXPECT_EQ(j["spatial2"], nlohmann::json({s.spots[2].x, s.spots[2].y}));
  EXPECT_EQ(j["emb"], nlohmann::json({11, 3}));
  EXPECT_DOUBLE_EQ(j["emb_1_2"].get<double>(), 0.25 * 5 - 1.0);
  EXPECT_EQ(j["model"], "stamp-base");
  EXPECT_EQ(j["layer"], 11);
  EXPECT_EQ(j["flags"], nlohmann::json({1, 2, 3}));
  EXPECT_EQ(j["names"], nlohmann::json({"a", "b"}));
  EXPECT_TRUE(j["fused"].get<bool>());
  EXPECT_DOUBLE_EQ(j["temp"].get<double>(), 0.07);
  EXPECT_DOUBLE_EQ(j["spot_d"].get<double>(), 89.5);
  EXPECT_EQ(j["organ"], "Heart");
}

TEST_F(H5adOurs, WriterRefusesBadSamplesAndLeavesNoFile) {
  auto s = makeSample(4, 3);
  s.obs["score"].numbers.pop_back();
  auto st = writeH5ad((dir_ / "x.h5ad").string(), s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(st.error().describe().find("score"), std::string::npos);
  s = makeSample(4, 3);
  s.obs["a/b"] = s.obs["score"];
  EXPECT_FALSE(writeH5ad((dir_ / "x.h5ad").string(), s).ok());
  EXPECT_FALSE(fs::exists(dir_ / "x.h5ad"));
  st = writeH5ad((dir_ / "no-such-folder" / "x.h5ad").string(), makeSample(2, 2));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::NotFound);
}

TEST_F(H5adOurs, NotAnAnndataFile) {
  writeText(dir_ / "empty.h5ad", "");
  auto r = readH5ad((dir_ / "empty.h5ad").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Format);
  EXPECT_NE(r.error().describe().find("empty.h5ad"), std::string::npos);
  writeText(dir_ / "text.h5ad", "AnnData? no.\n");
  r = readH5ad((dir_ / "text.h5ad").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find("not an HDF5 file"), std::string::npos);
  r = readH5ad((dir_ / "missing.h5ad").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::NotFound);
}

}  // namespace
}  // namespace stamp::test::st
