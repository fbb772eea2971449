#pragma once
// Helpers for the core/st tests: scratch folders, small samples, running h5py/anndata scripts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "st/spatial_sample.h"
#include "test_support.h"

namespace stamp::test::st {
namespace fs = std::filesystem;
using core::st::SpatialSample;

/// Whether an error's description names `what` (a file, a field, a reason).
inline bool mentions(const core::Error& e, const std::string& what) {
  return e.describe().find(what) != std::string::npos;
}

inline void writeText(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

/// A scratch folder removed at the end of the test.
class ScratchTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = scratchDir(::testing::UnitTest::GetInstance()->current_test_info()->name()); }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

/// Runs a Python script (given as text) with /usr/bin/python3; returns its exit status and output.
inline int runPython(const fs::path& dir, const std::string& script, std::string* out,
                     const std::string& args = "") {
  fs::path py = dir / "script.py";
  writeText(py, script);
  return runCommand("/usr/bin/python3 " + shellQuote(py.string()) + " " + args, out);
}

/// A deterministic sample: counts (i*7 + j*3) % 5 where non-zero, grid positions, two obs
/// columns, an obsm embedding and some uns.
inline SpatialSample makeSample(int nSpots, int nGenes) {
  SpatialSample s;
  s.name = "demo1";
  for (int i = 0; i < nSpots; ++i) {
    core::st::Spot sp;
    sp.barcode = "BC" + std::to_string(1000 + i) + "-1";
    sp.arrayRow = i / 4;
    sp.arrayCol = 2 * (i % 4) + (i / 4) % 2;
    sp.x = 100.5 + 10 * sp.arrayCol;
    sp.y = 200.25 + 17 * sp.arrayRow;
    sp.inTissue = i % 3 != 0;
    s.spots.push_back(sp);
  }
  for (int j = 0; j < nGenes; ++j)
    s.genes.push_back({"ENSG" + std::to_string(100000000 + j), "GENE" + std::to_string(j)});
  s.counts.rows = nSpots;
  s.counts.cols = nGenes;
  s.counts.indptr.push_back(0);
  for (int i = 0; i < nSpots; ++i) {
    for (int j = 0; j < nGenes; ++j) {
      int v = (i * 7 + j * 3) % 5;
      if (v == 0) continue;
      s.counts.indices.push_back(j);
      s.counts.data.push_back(float(v));
    }
    s.counts.indptr.push_back(std::int64_t(s.counts.data.size()));
  }
  s.scale.hiresScalef = 0.17;
  s.scale.lowresScalef = 0.05;
  s.scale.spotDiameterFullres = 89.5;
  s.scale.fiducialDiameterFullres = 144.25;
  core::st::ObsColumn cluster;
  cluster.kind = core::st::ObsColumn::Kind::Categorical;
  cluster.categories = {"tumour", "stroma", "immune"};
  for (int i = 0; i < nSpots; ++i) cluster.codes.push_back(i % 4 == 3 ? -1 : i % 3);
  s.obs["cluster"] = cluster;
  core::st::ObsColumn score;
  for (int i = 0; i < nSpots; ++i) score.numbers.push_back(0.5 * i);
  s.obs["score"] = score;
  core::st::ObsColumn note;
  note.kind = core::st::ObsColumn::Kind::String;
  for (int i = 0; i < nSpots; ++i) note.strings.push_back(i % 2 ? "odd" : "even");
  s.obs["note"] = note;
  core::st::DenseMatrix emb{nSpots, 3, {}};
  for (int i = 0; i < nSpots * 3; ++i) emb.data.push_back(0.25f * float(i) - 1.0f);
  s.obsm["X_stamp_gene"] = emb;
  s.metadata["organ"] = "Heart";
  s.metadata["pixel_size_um"] = "0.5";
  s.uns = {{"stamp", {{"model", "stamp-base"}, {"layer", 11}, {"temperature", 0.07},
                      {"flags", {1, 2, 3}}, {"names", {"a", "b"}}, {"fused", true}}}};
  return s;
}

}  // namespace stamp::test::st
