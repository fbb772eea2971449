// Space Ranger outputs: real Visium subsets, positions, scale factors, Matrix Market, outs/ joins.
#include <zlib.h>

#include <climits>
#include <cmath>

#include "st/space_ranger.h"
#include "st_test_helpers.h"

namespace stamp::test::st {
namespace {
using namespace stamp::core;
using namespace stamp::core::st;

double countAt(const CsrMatrix& m, std::int64_t r, std::int32_t c) {
  for (auto k = m.indptr[size_t(r)]; k < m.indptr[size_t(r) + 1]; ++k)
    if (m.indices[size_t(k)] == c) return m.data[size_t(k)];
  return 0;
}

double rowSum(const CsrMatrix& m, std::int64_t r) {
  double s = 0;
  for (auto k = m.indptr[size_t(r)]; k < m.indptr[size_t(r) + 1]; ++k) s += m.data[size_t(k)];
  return s;
}

std::string gzip(const std::string& text) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, uLong(text.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = uInt(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = uInt(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Expected values below were computed with h5py/scipy (/usr/bin/python3) from the same files:
// heart: scipy.sparse.csc_matrix((data, indices, indptr), shape).T -> 100 x 100, nnz 656,
// total 932, row 0 non-zeros (39,1) (40,1) (49,1) (55,5) (57,1), row sum 10, row 57 sum 12.
TEST(SpaceRangerReal, HumanHeartH5Float64Counts) {
  STAMP_REQUIRE_DATA("visium/human-heart-v1-subset/filtered_feature_bc_matrix.h5");
  auto fm = read10xH5(dataPath.string());
  ASSERT_TRUE(fm.ok()) << fm.error().describe();
  EXPECT_EQ(fm->barcodes.size(), 100u);
  EXPECT_EQ(fm->genes.size(), 100u);
  EXPECT_EQ(fm->counts.nnz(), 656);
  EXPECT_FALSE(fm->counts.validate().has_value());
  EXPECT_EQ(fm->barcodes.front(), "AAACAAGTATCTCCCA-1");
  EXPECT_EQ(fm->barcodes.back(), "AACCTTTACGACGTCT-1");
  EXPECT_EQ(fm->genes.front().id, "ENSG00000243485");
  EXPECT_EQ(fm->genes.back().id, "ENSG00000197921");
  EXPECT_DOUBLE_EQ(countAt(fm->counts, 0, 55), 5.0);
  EXPECT_DOUBLE_EQ(countAt(fm->counts, 0, 39), 1.0);
  EXPECT_DOUBLE_EQ(countAt(fm->counts, 0, 0), 0.0);
  EXPECT_DOUBLE_EQ(rowSum(fm->counts, 0), 10.0);
  EXPECT_DOUBLE_EQ(rowSum(fm->counts, 57), 12.0);
  double total = 0;
  for (float v : fm->counts.data) total += v;
  EXPECT_DOUBLE_EQ(total, 932.0);
  EXPECT_EQ(fm->attributes["software_version"], "spaceranger-1.0.0");
}

TEST(SpaceRangerReal, HumanHeartWholeFolder) {
  STAMP_REQUIRE_DATA("visium/human-heart-v1-subset");
  auto s = readSpaceRanger(dataPath.string());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  ASSERT_EQ(s->spotCount(), 100u);
  EXPECT_EQ(s->name, "human-heart-v1-subset");
  // tissue_positions_list.csv (no header): AAACAAGTATCTCCCA-1,1,50,102,8513,9811
  EXPECT_EQ(s->spots[0].barcode, "AAACAAGTATCTCCCA-1");
  EXPECT_EQ(s->spots[0].arrayRow, 50);
  EXPECT_EQ(s->spots[0].arrayCol, 102);
  EXPECT_DOUBLE_EQ(s->spots[0].y, 8513);
  EXPECT_DOUBLE_EQ(s->spots[0].x, 9811);
  // AACCTTTACGACGTCT-1,1,16,92,4445,9113 is the matrix's last barcode.
  EXPECT_DOUBLE_EQ(s->spots[99].x, 9113);
  EXPECT_NEAR(s->scale.spotDiameterFullres, 89.42751063343188, 1e-12);
  EXPECT_NEAR(s->scale.lowresScalef, 0.045004502, 1e-12);
  EXPECT_NEAR(s->spotDiameterPx(), 89.4275, 1e-3);
  EXPECT_NE(s->lowresImage.find("tissue_lowres_image.png"), std::string::npos);
  EXPECT_NE(s->hiresImage.find("tissue_hires_image.png"), std::string::npos);
  EXPECT_TRUE(s->fullresImage.empty());
}

// mouse brain: scipy.io.mmread(matrix.mtx).T -> 50 x 50, nnz 338, total 682; barcode 0 has
// genes 12 15 25 28 36 37 44; barcode 1 sums to 22 with (6,1) (7,1) (9,2) (12,4) (15,1).
TEST(SpaceRangerReal, MouseBrainMatrixMarket) {
  STAMP_REQUIRE_DATA("visium/mouse-brain-mtx-subset/raw_feature_bc_matrix");
  auto fm = readMatrixMarketDir(dataPath.string());
  ASSERT_TRUE(fm.ok()) << fm.error().describe();
  EXPECT_EQ(fm->counts.rows, 50);
  EXPECT_EQ(fm->counts.cols, 50);
  EXPECT_EQ(fm->counts.nnz(), 338);
  EXPECT_EQ(fm->barcodes.front(), "AAACAACGAATAGTTC-1");
  EXPECT_EQ(fm->barcodes.back(), "AAAGTGCCATCAATTA-1");
  EXPECT_EQ(fm->genes[1].id, "ENSMUSG00000089699");
  EXPECT_EQ(fm->genes[1].symbol, "Gm1992");
  EXPECT_EQ(fm->genes.back().symbol, "Gm29570");
  std::vector<std::int32_t> row0(fm->counts.indices.begin(),
                                 fm->counts.indices.begin() + fm->counts.indptr[1]);
  EXPECT_EQ(row0, (std::vector<std::int32_t>{12, 15, 25, 28, 36, 37, 44}));
  EXPECT_DOUBLE_EQ(rowSum(fm->counts, 1), 22);
  EXPECT_DOUBLE_EQ(countAt(fm->counts, 1, 12), 4);
  EXPECT_DOUBLE_EQ(countAt(fm->counts, 1, 9), 2);
  EXPECT_DOUBLE_EQ(rowSum(fm->counts, 49), 0);
}

TEST(SpaceRangerReal, MouseBrainFolderKeepsAllSpotsWithTissueFlags) {
  STAMP_REQUIRE_DATA("visium/mouse-brain-mtx-subset");
  auto s = readSpaceRanger(dataPath.string());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  ASSERT_EQ(s->spotCount(), 50u);
  int inTissue = 0;
  for (const auto& sp : s->spots) inTissue += sp.inTissue;
  EXPECT_EQ(inTissue, 22);
  // AAACAACGAATAGTTC-1,0,0,16,1252,2312
  EXPECT_FALSE(s->spots[0].inTissue);
  EXPECT_DOUBLE_EQ(s->spots[0].y, 1252);
  EXPECT_DOUBLE_EQ(s->spots[0].x, 2312);
  EXPECT_NEAR(s->scale.hiresScalef, 0.17011142, 1e-12);
  EXPECT_TRUE(s->hiresImage.empty());
  EXPECT_FALSE(s->lowresImage.empty());
}

TEST(Positions, WithAndWithoutHeaderAgree) {
  std::string rows = "AAAC-1,1,50,102,8513,9811\nAAAG-1,0,3,4,10.5,20.25\n";
  auto a = parseTissuePositions(rows, "list.csv");
  auto b = parseTissuePositions(
      "barcode,in_tissue,array_row,array_col,pxl_row_in_fullres,pxl_col_in_fullres\r\n" + rows,
      "positions.csv");
  ASSERT_TRUE(a.ok()) << a.error().describe();
  ASSERT_TRUE(b.ok()) << b.error().describe();
  ASSERT_EQ(a->size(), 2u);
  ASSERT_EQ(b->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*a)[i].barcode, (*b)[i].barcode);
    EXPECT_EQ((*a)[i].x, (*b)[i].x);
    EXPECT_EQ((*a)[i].inTissue, (*b)[i].inTissue);
  }
  EXPECT_DOUBLE_EQ((*a)[1].x, 20.25);  // pxl_col is x
  EXPECT_DOUBLE_EQ((*a)[1].y, 10.5);
  EXPECT_FALSE((*a)[1].inTissue);
}

TEST(Positions, HeaderColumnsInAnyOrder) {
  auto p = parseTissuePositions(
      "pxl_col_in_fullres,barcode,array_col,array_row,in_tissue,pxl_row_in_fullres\n7,X-1,2,3,1,9\n",
      "reordered.csv");
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ((*p)[0].barcode, "X-1");
  EXPECT_DOUBLE_EQ((*p)[0].x, 7);
  EXPECT_DOUBLE_EQ((*p)[0].y, 9);
  EXPECT_EQ((*p)[0].arrayRow, 3);
  EXPECT_EQ((*p)[0].arrayCol, 2);
}

TEST(Positions, BadInputsNameTheFileAndLine) {
  struct Case {
    std::string text, needle;
  } cases[] = {
      {"", "empty"},
      {"A-1,1,2,3,abc,5\n", "line 1"},
      {"A-1,1,2,3,4\n", "expected 6 fields"},
      {"A-1,1,2,3,4,5\nB-1,1,2,3,nan,5\n", "line 2"},
      {"A-1,2,2,3,4,5\n", "in_tissue"},
      {"A-1,1,2,3,4,5\nA-1,1,2,3,4,5\n", "twice"},
      {"barcode,in_tissue,array_row\nA-1,1,2\n", "array_col"},
      {"A-1,1,2,3,\"4,5\n", "never closed"},
  };
  for (const auto& c : cases) {
    auto r = parseTissuePositions(c.text, "spatial/tissue_positions.csv");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().code, ErrorCode::Format) << c.text;
    EXPECT_TRUE(mentions(r.error(), "spatial/tissue_positions.csv")) << r.error().describe();
    EXPECT_TRUE(mentions(r.error(), c.needle)) << r.error().describe();
  }
  auto missing = readTissuePositions("/nonexistent/tissue_positions.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
}

TEST(Positions, FormatParsesBack) {
  auto s = makeSample(6, 4);
  auto back = parseTissuePositions(formatTissuePositions(s.spots), "x.csv");
  ASSERT_TRUE(back.ok()) << back.error().describe();
  for (size_t i = 0; i < s.spots.size(); ++i) {
    EXPECT_EQ((*back)[i].barcode, s.spots[i].barcode);
    EXPECT_EQ((*back)[i].x, s.spots[i].x);
    EXPECT_EQ((*back)[i].y, s.spots[i].y);
    EXPECT_EQ((*back)[i].arrayCol, s.spots[i].arrayCol);
    EXPECT_EQ((*back)[i].inTissue, s.spots[i].inTissue);
  }
}

TEST(ScaleFactors, ParsesKnownAndExtraKeys) {
  auto sf = parseScaleFactors(
      R"({"spot_diameter_fullres": 89.4, "tissue_hires_scalef": 0.15, "tissue_lowres_scalef": 0.045,
          "fiducial_diameter_fullres": 144.4, "regist_target_img_scalef": 0.2, "note": "x"})",
      "sf.json");
  ASSERT_TRUE(sf.ok()) << sf.error().describe();
  EXPECT_DOUBLE_EQ(sf->spotDiameterFullres, 89.4);
  EXPECT_DOUBLE_EQ(sf->hiresScalef, 0.15);
  EXPECT_DOUBLE_EQ(sf->extra.at("regist_target_img_scalef"), 0.2);
  auto back = parseScaleFactors(formatScaleFactors(*sf), "again.json");
  ASSERT_TRUE(back.ok());
  EXPECT_DOUBLE_EQ(back->fiducialDiameterFullres, 144.4);
  EXPECT_DOUBLE_EQ(back->extra.at("regist_target_img_scalef"), 0.2);
}

TEST(ScaleFactors, RejectsBadJson) {
  for (std::string text : {"", "{", "[1,2]", R"({"tissue_hires_scalef": "big"})",
                           R"({"spot_diameter_fullres": -3})"}) {
    auto r = parseScaleFactors(text, "scalefactors_json.json");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, ErrorCode::Format);
    EXPECT_TRUE(mentions(r.error(), "scalefactors_json.json"));
  }
}

TEST(MatrixMarket, ParsesTransposesAndSumsDuplicates) {
  std::string mtx =
      "%%MatrixMarket matrix coordinate real general\n% a comment\n3 2 4\n1 1 1.5\n3 1 2\n2 2 7\n"
      "3 1 1\n";
  auto m = parseMatrixMarket(mtx, "m.mtx");
  ASSERT_TRUE(m.ok()) << m.error().describe();
  EXPECT_EQ(m->rows, 2);  // barcodes
  EXPECT_EQ(m->cols, 3);  // genes
  EXPECT_DOUBLE_EQ(countAt(*m, 0, 0), 1.5);
  EXPECT_DOUBLE_EQ(countAt(*m, 0, 2), 3);
  EXPECT_DOUBLE_EQ(countAt(*m, 1, 1), 7);
  EXPECT_EQ(m->nnz(), 3);
}

TEST(MatrixMarket, BadInputs) {
  struct Case {
    std::string text;
    ErrorCode code;
  } cases[] = {
      {"", ErrorCode::Format},
      {"hello\n", ErrorCode::Format},
      {"%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n", ErrorCode::Unsupported},
      {"%%MatrixMarket matrix coordinate integer symmetric\n2 2 1\n1 1 1\n", ErrorCode::Unsupported},
      {"%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 1\n", ErrorCode::Format},
      {"%%MatrixMarket matrix coordinate integer general\n2 2 1\n3 1 1\n", ErrorCode::OutOfRange},
      {"%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 x\n", ErrorCode::Format},
      {"%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1\n2 2 2\n", ErrorCode::Format},
      {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 inf\n", ErrorCode::Numerical},
      {"%%MatrixMarket matrix coordinate integer general\n2 2 99999999\n1 1 1\n", ErrorCode::Format},
  };
  for (const auto& c : cases) {
    auto r = parseMatrixMarket(c.text, "matrix.mtx");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().code, c.code) << c.text << " -> " << r.error().describe();
    EXPECT_TRUE(mentions(r.error(), "matrix.mtx"));
  }
}

class MatrixMarketDir : public ScratchTest {};

TEST_F(MatrixMarketDir, GzippedFilesAndGenesTsv) {
  writeText(dir_ / "m" / "matrix.mtx.gz",
            gzip("%%MatrixMarket matrix coordinate integer general\n2 3 2\n1 1 4\n2 3 1\n"));
  writeText(dir_ / "m" / "barcodes.tsv.gz", gzip("A-1\nB-1\nC-1\n"));
  writeText(dir_ / "m" / "genes.tsv", "ENSG1\tTP53\nENSG2\tEGFR\n");
  auto fm = readMatrixMarketDir((dir_ / "m").string());
  ASSERT_TRUE(fm.ok()) << fm.error().describe();
  EXPECT_EQ(fm->barcodes.size(), 3u);
  EXPECT_EQ(fm->genes[1].symbol, "EGFR");
  EXPECT_DOUBLE_EQ(countAt(fm->counts, 0, 0), 4);
  EXPECT_DOUBLE_EQ(countAt(fm->counts, 2, 1), 1);
}

TEST_F(MatrixMarketDir, MismatchAndMissingFilesAndCorruptGzip) {
  writeText(dir_ / "m" / "matrix.mtx", "%%MatrixMarket matrix coordinate integer general\n2 3 0\n");
  writeText(dir_ / "m" / "barcodes.tsv", "A-1\nB-1\n");
  writeText(dir_ / "m" / "features.tsv", "E1\tG1\tGene Expression\nE2\tG2\tGene Expression\n");
  auto r = readMatrixMarketDir((dir_ / "m").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Mismatch);
  EXPECT_TRUE(mentions(r.error(), "matrix.mtx"));
  fs::remove(dir_ / "m" / "barcodes.tsv");
  r = readMatrixMarketDir((dir_ / "m").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::NotFound);
  EXPECT_TRUE(mentions(r.error(), "barcodes.tsv"));
  std::string gz = gzip("A-1\nB-1\nC-1\n");
  writeText(dir_ / "m" / "barcodes.tsv.gz", gz.substr(0, gz.size() / 2));
  r = readMatrixMarketDir((dir_ / "m").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Format);
  EXPECT_TRUE(mentions(r.error(), "barcodes.tsv.gz"));
  writeText(dir_ / "m" / "barcodes.tsv.gz", "");
  r = readMatrixMarketDir((dir_ / "m").string());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.error(), "empty"));
}

class SpaceRangerFolder : public ScratchTest {};

TEST_F(SpaceRangerFolder, WriteThenReadBack) {
  auto s = makeSample(12, 7);
  ASSERT_TRUE(writeSpaceRangerOuts((dir_ / "run1" / "outs").string(), s).ok());
  writeText(dir_ / "run1" / "slide.svs", "not really a slide");
  auto back = readSpaceRanger((dir_ / "run1" / "outs").string());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->name, "run1");
  EXPECT_EQ(back->fullresImage, (dir_ / "run1" / "slide.svs").string());
  ASSERT_EQ(back->spotCount(), s.spotCount());
  EXPECT_EQ(back->counts.indptr, s.counts.indptr);
  EXPECT_EQ(back->counts.indices, s.counts.indices);
  EXPECT_EQ(back->counts.data, s.counts.data);
  for (size_t i = 0; i < s.spots.size(); ++i) {
    EXPECT_EQ(back->spots[i].barcode, s.spots[i].barcode);
    EXPECT_EQ(back->spots[i].x, s.spots[i].x);
    EXPECT_EQ(back->spots[i].y, s.spots[i].y);
    EXPECT_EQ(back->spots[i].inTissue, s.spots[i].inTissue);
  }
  EXPECT_EQ(back->genes[3].id, s.genes[3].id);
  EXPECT_EQ(back->genes[3].symbol, s.genes[3].symbol);
  EXPECT_DOUBLE_EQ(back->scale.spotDiameterFullres, 89.5);
  // No temporary files left behind by the atomic writers.
  for (const auto& e : fs::recursive_directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST_F(SpaceRangerFolder, MatrixBarcodesWithoutPositionsAreCounted) {
  auto s = makeSample(10, 5);
  ASSERT_TRUE(writeSpaceRangerOuts(dir_.string(), s).ok());
  std::vector<Spot> fewer(s.spots.begin() + 3, s.spots.end());
  writeText(dir_ / "spatial" / "tissue_positions.csv", formatTissuePositions(fewer));
  auto r = readSpaceRanger(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Mismatch);
  EXPECT_TRUE(mentions(r.error(), "3 of 10 barcodes")) << r.error().describe();
  EXPECT_TRUE(mentions(r.error(), "tissue_positions.csv"));
  // Extra positions (spots without expression) are dropped.
  auto more = s.spots;
  more.push_back(s.spots[0]);
  more.back().barcode = "EXTRA-1";
  writeText(dir_ / "spatial" / "tissue_positions.csv", formatTissuePositions(more));
  auto ok = readSpaceRanger(dir_.string());
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ(ok->spotCount(), 10u);
}

TEST_F(SpaceRangerFolder, MissingPiecesAreNamed) {
  auto r = readSpaceRanger(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::NotFound);
  EXPECT_TRUE(mentions(r.error(), "filtered_feature_bc_matrix.h5"));
  ASSERT_TRUE(write10xH5((dir_ / "raw_feature_bc_matrix.h5").string(), makeSample(4, 3)).ok());
  r = readSpaceRanger(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.error(), "spatial"));
  fs::create_directories(dir_ / "spatial");
  r = readSpaceRanger(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.error(), "tissue_positions"));
}

TEST(SpatialSampleTest, SpotDiameterAndPixelSize) {
  SpatialSample s;
  EXPECT_EQ(s.spotDiameterPx(), 0);
  EXPECT_FALSE(s.pixelSizeUm().has_value());
  s.metadata["pixel_size_um_estimated"] = "0.25";
  ASSERT_TRUE(s.pixelSizeUm().has_value());
  EXPECT_DOUBLE_EQ(*s.pixelSizeUm(), 0.25);
  EXPECT_DOUBLE_EQ(s.spotDiameterPx(), 220);
  s.metadata["pixel_size_um"] = "garbage";
  EXPECT_DOUBLE_EQ(*s.pixelSizeUm(), 0.25);
  s.scale.spotDiameterFullres = 90;
  EXPECT_DOUBLE_EQ(s.spotDiameterPx(), 90);
}

TEST(CsrValidate, CatchesEveryInconsistency) {
  CsrMatrix m;
  m.rows = 2;
  m.cols = 3;
  m.indptr = {0, 1, 2};
  m.indices = {0, 2};
  m.data = {1, 2};
  EXPECT_FALSE(m.validate().has_value());
  auto bad = m;
  bad.indptr = {0, 2, 1};
  EXPECT_TRUE(bad.validate().has_value());
  bad = m;
  bad.indices[1] = 3;
  EXPECT_TRUE(bad.validate().has_value());
  bad = m;
  bad.indptr = {0, 1};
  EXPECT_TRUE(bad.validate().has_value());
  bad = m;
  bad.data[0] = std::nanf("");
  EXPECT_TRUE(bad.validate().has_value());
  bad = m;
  bad.indptr.back() = 3;
  EXPECT_TRUE(bad.validate().has_value());
}

// Validation scans whole blocks of 1,024 entries without branches and searches only a block
// that holds a bad entry: every position (first block, later block, tail, block edges) and
// every kind of bad value must still be found and reported exactly.
TEST(CsrValidate, ReportsTheExactPositionInLargeMatrices) {
  CsrMatrix m;
  m.rows = 1;
  m.cols = 50;
  const std::size_t n = 5000;  // four full blocks and a tail
  m.indptr = {0, std::int64_t(n)};
  m.indices.assign(n, 7);
  m.data.assign(n, 1.5f);
  ASSERT_FALSE(m.validate().has_value());
  for (std::size_t pos : {std::size_t(0), std::size_t(1023), std::size_t(1024), std::size_t(3000),
                          std::size_t(4095), std::size_t(4096), n - 1}) {
    for (std::int32_t badIndex : {-1, 50, INT32_MIN}) {
      auto bad = m;
      bad.indices[pos] = badIndex;
      auto why = bad.validate();
      ASSERT_TRUE(why.has_value());
      EXPECT_NE(why->find("at position " + std::to_string(pos) + " "), std::string::npos) << *why;
    }
    for (float badValue : {std::nanf(""), INFINITY, -INFINITY}) {
      auto bad = m;
      bad.data[pos] = badValue;
      bad.data[n - 1 - (pos % 7)] = 3.0e38f;  // large but finite values are fine
      auto why = bad.validate();
      ASSERT_TRUE(why.has_value());
      EXPECT_EQ(*why, "non-finite value at position " + std::to_string(pos));
    }
  }
}

}  // namespace
}  // namespace stamp::test::st
