// `stamp figure --project`: a project's layers (with their look) and embedding layers (PCA
// colours, k-means clusters) from the project's saved embeddings, drawn headless.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/project.h"
#include "demo_fixture.h"
#include "engine/embedding_io.h"
#include "st/h5ad.h"
#include "st/open_spatial.h"

namespace fs = std::filesystem;
using namespace stamp::core;

namespace {

std::string stampBin() { return (stamp::test::binaryDir() / "app/cli/stamp").string(); }

// Embeddings whose first components follow the spots' position, so clusters are regions.
engine::EmbeddingTable spatialEmbeddings(const st::SpatialSample& s) {
  engine::EmbeddingTable t;
  t.image.rows = std::int64_t(s.spotCount());
  t.image.cols = 8;
  for (const auto& spot : s.spots) {
    t.ids.push_back(spot.barcode);
    t.x.push_back(spot.x);
    t.y.push_back(spot.y);
    for (int c = 0; c < 8; ++c)
      t.image.data.push_back(float(c == 0 ? spot.x / 1000 : c == 1 ? spot.y / 1000 : std::sin(spot.x * (c + 1) * 0.001)));
    t.imageValid.push_back(1);
  }
  return t;
}

struct Fixture {
  fs::path dir, project;
  std::string gene;
};

Fixture writeProjectFixture() {
  const auto& demo = stamp::test::figureDemo();
  auto sample = st::openSpatial(demo.h5ad);
  EXPECT_TRUE(sample.ok());
  Fixture f{stamp::test::scratchDir("figure-project"), {}, sample->genes.at(2).symbol};
  f.project = f.dir / "study.stamp.json";
  Project p;
  p.st = demo.h5ad;
  p.slide = demo.slide;
  p.model = ProjectModel{"tiny", "", "", "untrained:0", true};
  p.embeddings = (fs::path(projectEmbeddingsDir(f.project.string())) / "e.h5ad").string();
  fs::create_directories(fs::path(p.embeddings).parent_path());
  EXPECT_TRUE(st::writeH5ad(p.embeddings, engine::embeddingToSample(spatialEmbeddings(*sample), nullptr, {})).ok());
  p.layers = {{f.gene + " (log1p CP10k)", "gene", f.gene, "log1p", 0, -1, "magma", 0.0, 2.0, true, 0.7},
              {"Clusters (k-means, k = 3, on image embedding)", "clusters", "image", "", 3, -1, "tab20", {}, {}, true, 1.0},
              {"Similarity to clicked spot", "similarity", "", "", 0, 4, "viridis", 0.0, 1.0, true, 1.0}};
  EXPECT_TRUE(writeProject(f.project.string(), p).ok());
  return f;
}

int figure(const std::string& args, std::string* out) {
  return stamp::test::runCommand(stampBin() + " figure " + args, out);
}

nlohmann::json sidecar(const fs::path& p) { return nlohmann::json::parse(*readFile(p.string() + ".json")); }

}  // namespace

TEST(FigureProject, DrawsProjectLayersWithTheirLook) {
  const Fixture f = writeProjectFixture();
  std::string out;
  const auto png = f.dir / "gene.png";
  const std::string project = " --project " + stamp::test::shellQuote(f.project.string());
  ASSERT_EQ(figure(project + " --layer " + stamp::test::shellQuote(f.gene + " (log1p CP10k)") + " --width 500 --out " + png.string(), &out), 0) << out;
  auto j = sidecar(png);
  EXPECT_EQ(j["colormap"], "magma");
  EXPECT_DOUBLE_EQ(j["vmin"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["vmax"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(j["opacity"].get<double>(), 0.7);
  EXPECT_EQ(j["layer"]["name"], "gene:" + f.gene + ":log1p");
  EXPECT_EQ(j["checkpoint_sha256"], "untrained:0");
  EXPECT_EQ(j["project"], f.project.string());

  const auto svg = f.dir / "clusters.svg";
  ASSERT_EQ(figure(project + " --layer 'Clusters (k-means, k = 3, on image embedding)' --width 500 --out " + svg.string(), &out), 0) << out;
  auto c = sidecar(svg);
  EXPECT_EQ(c["layer"]["kind"], "categorical");
  EXPECT_EQ(c["layer"]["categories"].size(), 3u);

  const auto pdf = f.dir / "pca.pdf";
  ASSERT_EQ(figure(project + " --layer embedding:pca:image --width 500 --out " + pdf.string(), &out), 0) << out;
  EXPECT_EQ(sidecar(pdf)["layer"]["kind"], "rgb");
  EXPECT_EQ(readFile(pdf.string())->rfind("%PDF-1.4", 0), 0u);
}

TEST(FigureProject, BadProjectsAndLayersAreReported) {
  const Fixture f = writeProjectFixture();
  std::string out;
  const auto png = (f.dir / "x.png").string();
  const std::string project = " --project " + stamp::test::shellQuote(f.project.string());
  EXPECT_EQ(figure(project + " --layer 'Similarity to clicked spot' --out " + png, &out), 1);
  EXPECT_NE(out.find("cannot be drawn headless"), std::string::npos) << out;
  EXPECT_EQ(figure(project + " --layer embedding:clusters:image:1 --out " + png, &out), 2);
  EXPECT_NE(out.find("2..64"), std::string::npos) << out;
  EXPECT_EQ(figure(project + " --layer embedding:pca:gene --out " + png, &out), 1);  // image-only embeddings
  EXPECT_NE(out.find("no gene embedding"), std::string::npos) << out;
  EXPECT_EQ(figure("--project " + (f.dir / "none.stamp.json").string() + " --layer total_counts --out " + png, &out), 1);
  EXPECT_NE(out.find("none.stamp.json"), std::string::npos) << out;
  EXPECT_EQ(figure("--layer total_counts --out " + png, &out), 2);
  EXPECT_NE(out.find("--project"), std::string::npos) << out;
  // Embeddings of another sample (fewer rows) are refused, naming the file.
  const auto& demo = stamp::test::figureDemo();
  auto sample = st::openSpatial(demo.h5ad);
  auto table = spatialEmbeddings(*sample);
  table.ids.pop_back();
  table.x.pop_back();
  table.y.pop_back();
  table.imageValid.pop_back();
  table.image.rows -= 1;
  table.image.data.resize(table.image.data.size() - 8);
  const auto other = (f.dir / "other.h5ad").string();
  ASSERT_TRUE(st::writeH5ad(other, engine::embeddingToSample(table, nullptr, {})).ok());
  EXPECT_EQ(figure("--slide " + demo.slide + " --st " + demo.h5ad + " --embeddings " + other +
                       " --layer embedding:pca:image --out " + png, &out), 1);
  EXPECT_NE(out.find("other.h5ad"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(png));
}
