// openSpatial: detection of every input form, HEST-1k roots, and clear refusals.
#include <cmath>

#include "st/h5ad.h"
#include "st/open_spatial.h"
#include "st/space_ranger.h"
#include "st_test_helpers.h"

namespace stamp::test::st {
namespace {
using namespace stamp::core;
using namespace stamp::core::st;

TEST(OpenSpatialReal, HeartFolderAndItsH5File) {
  STAMP_REQUIRE_DATA("visium/human-heart-v1-subset");
  auto folder = openSpatial(dataPath.string());
  ASSERT_TRUE(folder.ok()) << folder.error().describe();
  EXPECT_EQ(folder->spotCount(), 100u);
  auto file = openSpatial((dataPath / "filtered_feature_bc_matrix.h5").string());
  ASSERT_TRUE(file.ok()) << file.error().describe();
  EXPECT_EQ(file->spotCount(), 100u);
  EXPECT_EQ(file->name, "human-heart-v1-subset");
  EXPECT_EQ(file->spots[0].x, folder->spots[0].x);
  EXPECT_EQ(file->counts.data, folder->counts.data);
  EXPECT_FALSE(file->lowresImage.empty());
}

TEST(OpenSpatialReal, MouseBrainFolderMatrixFolderAndMtxFile) {
  STAMP_REQUIRE_DATA("visium/mouse-brain-mtx-subset");
  for (fs::path p : {dataPath, dataPath / "raw_feature_bc_matrix",
                     dataPath / "raw_feature_bc_matrix" / "matrix.mtx"}) {
    auto s = openSpatial(p.string());
    ASSERT_TRUE(s.ok()) << p << ": " << s.error().describe();
    EXPECT_EQ(s->spotCount(), 50u) << p;
    EXPECT_EQ(s->counts.nnz(), 338) << p;
    EXPECT_EQ(s->name, "mouse-brain-mtx-subset") << p;
    EXPECT_NEAR(s->scale.spotDiameterFullres, 89.44476048022638, 1e-12);
  }
}

class OpenSpatialFiles : public ScratchTest {
 protected:
  void writeHest(const fs::path& root, const std::vector<std::string>& ids) {
    fs::create_directories(root / "st");
    fs::create_directories(root / "wsis");
    for (size_t i = 0; i < ids.size(); ++i) {
      auto s = makeSample(5 + int(i), 4);
      s.metadata.clear();
      s.name = ids[i];
      ASSERT_TRUE(writeH5ad((root / "st" / (ids[i] + ".h5ad")).string(), s).ok());
      writeText(root / "wsis" / (ids[i] + ".tif"), "tiff bytes");
    }
    std::string csv = "dataset_title,id,organ,magnification,pixel_size_um_estimated,st_technology\n";
    for (size_t i = 0; i < ids.size(); ++i)
      csv += "\"Heart, adult (" + std::to_string(i) + ")\"," + ids[i] + ",Heart,20x,0.5" +
             std::to_string(i) + ",Visium\n";
    writeText(root / "HEST_v1_1_0.csv", csv);
  }
};

TEST_F(OpenSpatialFiles, HestRootWithManySamplesAsksWhichOne) {
  fs::path root = dir_ / "hest";
  writeHest(root, {"TENX95", "NCBI785", "MEND139"});
  auto r = openSpatial(root.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
  for (const char* id : {"TENX95", "NCBI785", "MEND139", "#<id>", "st/<id>.h5ad"})
    EXPECT_TRUE(mentions(r.error(), id)) << r.error().describe();

  auto s = openSpatial(root.string() + "#NCBI785");
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->name, "NCBI785");
  EXPECT_EQ(s->spotCount(), 6u);  // the second sample written
  EXPECT_EQ(s->metadata.at("organ"), "Heart");
  EXPECT_EQ(s->metadata.at("magnification"), "20x");
  EXPECT_EQ(s->metadata.at("st_technology"), "Visium");
  EXPECT_EQ(s->metadata.at("dataset_title"), "Heart, adult (1)");
  ASSERT_TRUE(s->pixelSizeUm().has_value());
  EXPECT_DOUBLE_EQ(*s->pixelSizeUm(), 0.51);
  EXPECT_EQ(s->fullresImage, (root / "wsis" / "NCBI785.tif").string());

  auto viaFile = openSpatial((root / "st" / "MEND139.h5ad").string());
  ASSERT_TRUE(viaFile.ok()) << viaFile.error().describe();
  EXPECT_EQ(viaFile->metadata.at("pixel_size_um_estimated"), "0.52");
  EXPECT_EQ(viaFile->metadata.at("source_format"), "hest");

  auto missing = openSpatial(root.string() + "#NOPE");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
  EXPECT_TRUE(mentions(missing.error(), "NOPE"));
}

TEST_F(OpenSpatialFiles, HestRootWithOneSampleOpensIt) {
  fs::path root = dir_ / "hest1";
  writeHest(root, {"TENX1"});
  auto s = openSpatial(root.string());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->name, "TENX1");
  EXPECT_EQ(listHestSamples(root.string()), std::vector<std::string>{"TENX1"});
}

TEST_F(OpenSpatialFiles, OutsFolderBelowARunFolderAndPlainH5ad) {
  auto sample = makeSample(8, 5);
  ASSERT_TRUE(writeSpaceRangerOuts((dir_ / "run7" / "outs").string(), sample).ok());
  auto s = openSpatial((dir_ / "run7").string());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->name, "run7");
  EXPECT_EQ(s->spotCount(), 8u);
  ASSERT_TRUE(writeH5ad((dir_ / "plain.h5ad").string(), sample).ok());
  auto h = openSpatial((dir_ / "plain.h5ad").string());
  ASSERT_TRUE(h.ok()) << h.error().describe();
  EXPECT_EQ(h->metadata.at("source_format"), "h5ad");
  EXPECT_EQ(h->counts.data, sample.counts.data);
}

TEST_F(OpenSpatialFiles, RefusalsSayWhatWasExpected) {
  writeText(dir_ / "notes.txt", "hello");
  auto r = openSpatial((dir_ / "notes.txt").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Unsupported);
  EXPECT_TRUE(mentions(r.error(), "not a spatial transcriptomics input"));
  EXPECT_TRUE(mentions(r.error(), "notes.txt"));

  fs::create_directories(dir_ / "random");
  writeText(dir_ / "random" / "a.csv", "x,y\n");
  r = openSpatial((dir_ / "random").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Unsupported);

  r = openSpatial((dir_ / "nothing-here").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::NotFound);

  // A spatial folder that is there but broken is an error naming the file.
  fs::create_directories(dir_ / "broken");
  ASSERT_TRUE(write10xH5((dir_ / "broken" / "m.h5").string(), makeSample(3, 2)).ok());
  writeText(dir_ / "broken" / "spatial" / "tissue_positions.csv", "barcode,in_tissue\n");
  r = openSpatial((dir_ / "broken" / "m.h5").string());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.error(), "tissue_positions.csv")) << r.error().describe();
}

TEST_F(OpenSpatialFiles, BareMatrixOpensWithoutPositions) {
  auto sample = makeSample(3, 2);
  fs::create_directories(dir_ / "lonely");
  ASSERT_TRUE(write10xH5((dir_ / "lonely" / "m.h5").string(), sample).ok());
  auto s = openSpatial((dir_ / "lonely" / "m.h5").string());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  ASSERT_EQ(s->spotCount(), 3u);
  EXPECT_EQ(s->spots[1].barcode, sample.spots[1].barcode);
  EXPECT_TRUE(std::isnan(s->spots[1].x));
  EXPECT_EQ(s->spots[1].arrayRow, -1);
  EXPECT_EQ(s->counts.data, sample.counts.data);
  EXPECT_NE(s->metadata.at("positions").find("missing"), std::string::npos);
}

}  // namespace
}  // namespace stamp::test::st
