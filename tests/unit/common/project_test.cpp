// Project files: round trip, relative paths, missing referenced files, corrupt JSON.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/atomic_file.h"
#include "common/project.h"
#include "test_support.h"

using namespace stamp::core;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "x";
}

Project sampleProject(const fs::path& dir) {
  Project p;
  p.slide = (dir / "data" / "slide.tif").string();
  p.st = (dir / "data" / "sample.h5ad").string();
  p.model = ProjectModel{"tiny", "", (dir / "weights.safetensors").string(), "abc123", false};
  p.embeddings = (dir / "p.embeddings" / "sample-abc123.h5ad").string();
  ProjectLayer gene{"EPCAM (log1p)", "gene", "EPCAM", "log1p", 0, -1, "magma", 0.5, 3.25, false, 0.4};
  ProjectLayer clusters{"Clusters", "clusters", "image", "", 5, -1, "tab20", {}, {}, true, 1.0};
  p.layers = {gene, clusters};
  p.view = ProjectView{1234.5, 987.25, 0.125};
  for (const auto& f : {p.slide, p.st, p.model->weights, p.embeddings}) touch(f);
  return p;
}

}  // namespace

TEST(Project, RoundTripKeepsEverything) {
  const auto dir = stamp::test::scratchDir("project-roundtrip");
  const Project p = sampleProject(dir);
  const auto path = (dir / "p.stamp.json").string();
  ASSERT_TRUE(writeProject(path, p).ok());
  auto r = readProject(path);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->slide, p.slide);
  EXPECT_EQ(r->st, p.st);
  EXPECT_EQ(r->embeddings, p.embeddings);
  ASSERT_TRUE(r->model);
  EXPECT_EQ(r->model->weights, p.model->weights);
  EXPECT_EQ(r->model->sha256, "abc123");
  EXPECT_EQ(r->model->preset, "tiny");
  ASSERT_EQ(r->layers.size(), 2u);
  EXPECT_EQ(r->layers[0].name, "EPCAM (log1p)");
  EXPECT_EQ(r->layers[0].scale, "log1p");
  EXPECT_EQ(r->layers[0].colorMap, "magma");
  EXPECT_DOUBLE_EQ(*r->layers[0].vmin, 0.5);
  EXPECT_DOUBLE_EQ(*r->layers[0].vmax, 3.25);
  EXPECT_FALSE(r->layers[0].visible);
  EXPECT_DOUBLE_EQ(r->layers[0].opacity, 0.4);
  EXPECT_EQ(r->layers[1].k, 5);
  EXPECT_FALSE(r->layers[1].vmin);
  ASSERT_TRUE(r->view);
  EXPECT_DOUBLE_EQ(r->view->centreX, 1234.5);
  EXPECT_DOUBLE_EQ(r->view->zoom, 0.125);
  EXPECT_TRUE(r->warnings.empty());
}

TEST(Project, PathsInsideTheFolderAreStoredRelativeAndMoveWithIt) {
  const auto dir = stamp::test::scratchDir("project-relative");
  const Project p = sampleProject(dir / "a");
  ASSERT_TRUE(writeProject((dir / "a" / "p.stamp.json").string(), p).ok());
  auto text = readFile((dir / "a" / "p.stamp.json").string());
  ASSERT_TRUE(text.ok());
  auto j = nlohmann::json::parse(*text);
  EXPECT_EQ(j["slide"], "data/slide.tif");
  EXPECT_EQ(j["embeddings"], "p.embeddings/sample-abc123.h5ad");
  EXPECT_EQ(j["version"], kProjectVersion);
  fs::rename(dir / "a", dir / "b");  // the whole folder moves
  auto r = readProject((dir / "b" / "p.stamp.json").string());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(fs::path(r->slide), (dir / "b" / "data" / "slide.tif").lexically_normal());
  EXPECT_EQ(fs::path(r->embeddings), (dir / "b" / "p.embeddings" / "sample-abc123.h5ad").lexically_normal());
}

TEST(Project, OutsidePathsStayAbsolute) {
  const auto dir = stamp::test::scratchDir("project-outside");
  Project p;
  p.slide = (dir / "elsewhere" / "slide.tif").string();
  touch(p.slide);
  fs::create_directories(dir / "proj");
  ASSERT_TRUE(writeProject((dir / "proj" / "x.stamp.json").string(), p).ok());
  auto j = nlohmann::json::parse(*readFile((dir / "proj" / "x.stamp.json").string()));
  EXPECT_TRUE(fs::path(j["slide"].get<std::string>()).is_absolute());
  EXPECT_EQ(projectEmbeddingsDir((dir / "proj" / "x.stamp.json").string()),
            (dir / "proj" / "x.embeddings").string());
}

TEST(Project, MissingFilesAreNamed) {
  const auto dir = stamp::test::scratchDir("project-missing");
  const auto path = (dir / "p.stamp.json").string();
  auto none = readProject(path);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::NotFound);
  EXPECT_NE(none.error().describe().find("p.stamp.json"), std::string::npos);

  Project p = sampleProject(dir);
  ASSERT_TRUE(writeProject(path, p).ok());
  fs::remove(p.slide);
  auto noSlide = readProject(path);
  ASSERT_FALSE(noSlide.ok());
  EXPECT_NE(noSlide.error().describe().find("slide.tif"), std::string::npos) << noSlide.error().describe();
  touch(p.slide);
  fs::remove(p.model->weights);
  auto noWeights = readProject(path);
  ASSERT_FALSE(noWeights.ok());
  EXPECT_NE(noWeights.error().describe().find("weights.safetensors"), std::string::npos);
  touch(p.model->weights);
  fs::remove(p.embeddings);  // recomputable: a warning, not an error
  auto noEmb = readProject(path);
  ASSERT_TRUE(noEmb.ok()) << noEmb.error().describe();
  EXPECT_TRUE(noEmb->embeddings.empty());
  ASSERT_EQ(noEmb->warnings.size(), 1u);
  EXPECT_NE(noEmb->warnings[0].find("sample-abc123.h5ad"), std::string::npos);
}

TEST(Project, CorruptOrWrongFilesAreRejected) {
  const auto dir = stamp::test::scratchDir("project-corrupt");
  const Project p = sampleProject(dir);
  const auto path = (dir / "p.stamp.json").string();
  ASSERT_TRUE(writeProject(path, p).ok());
  const std::string good = *readFile(path);
  auto expectError = [&](const std::string& text, ErrorCode code, const std::string& words) {
    ASSERT_TRUE(writeFileAtomic(path, text).ok());
    auto r = readProject(path);
    ASSERT_FALSE(r.ok()) << text.substr(0, 80);
    EXPECT_EQ(r.error().code, code) << r.error().describe();
    EXPECT_NE(r.error().describe().find(words), std::string::npos) << r.error().describe();
    EXPECT_NE(r.error().describe().find("p.stamp.json"), std::string::npos);
  };
  expectError(good.substr(0, good.size() / 2), ErrorCode::Format, "not valid JSON");  // truncated
  expectError("", ErrorCode::Format, "not valid JSON");
  expectError("[1, 2, 3]", ErrorCode::Format, "not a STAMP Studio project");
  auto j = nlohmann::json::parse(good);
  j["version"] = kProjectVersion + 1;
  expectError(j.dump(), ErrorCode::Unsupported, "version");
  j = nlohmann::json::parse(good);
  j["layers"][0]["opacity"] = "high";
  expectError(j.dump(), ErrorCode::Format, "malformed");
  j = nlohmann::json::parse(good);
  j["layers"][0]["kind"] = "hologram";
  expectError(j.dump(), ErrorCode::Format, "hologram");
  j = nlohmann::json::parse(good);
  j["view"]["zoom"] = -1;
  expectError(j.dump(), ErrorCode::Format, "zoom");
  j = nlohmann::json::parse(good);
  j["slide"] = "";
  j["st"] = "";
  expectError(j.dump(), ErrorCode::Format, "neither");
}
