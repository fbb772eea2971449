// The demo folder as a whole: HEST layout, anndata, determinism, atomic publication, caching.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/atomic_file.h"
#include "demo_fixture.h"
#include "st/h5ad.h"

using namespace stamp::core;
using namespace stamp::core::demo;
using stamp::test::fixtureSample;
namespace fs = std::filesystem;

namespace {

DemoOptions tiny(std::uint64_t seed = 11) {
  DemoOptions o;
  o.seed = seed;
  o.width = 1024;
  o.height = 768;
  o.mpp = 2.0;
  o.threads = 2;
  return o;
}

std::string slurp(const std::string& path) {
  auto r = readFile(path);
  return r.ok() ? *r : std::string("<missing>");
}

}  // namespace

TEST(DemoFiles, HestLayoutReadsBackWithMetadataAndCompartments) {
  const auto& p = fixtureSample();
  EXPECT_TRUE(fs::exists(p.hestSlide));
  EXPECT_EQ(fs::file_size(p.hestSlide), fs::file_size(p.slide));
  auto s = st::readHestSample(p.hestRoot, "demo");
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->metadata.at("st_technology"), "Visium");
  EXPECT_EQ(std::stod(s->metadata.at("pixel_size_um_estimated")), 1.0);
  EXPECT_EQ(s->metadata.at("magnification"), "20x");
  ASSERT_TRUE(s->obs.count("compartment"));
  const auto& c = s->obs.at("compartment");
  EXPECT_EQ(c.kind, st::ObsColumn::Kind::Categorical);
  EXPECT_EQ(c.codes.size(), s->spotCount());
  for (auto code : c.codes) {
    ASSERT_GE(code, 1);  // every in-tissue spot has a tissue compartment
    ASSERT_LT(std::size_t(code), c.categories.size());
  }
  EXPECT_NEAR(s->spotDiameterPx(), 55.0, 1e-6);
  auto csv = slurp(p.hestMetadataCsv);
  EXPECT_NE(csv.find("id,"), std::string::npos);
  EXPECT_NE(csv.find("\ndemo,"), std::string::npos);
}

TEST(DemoFiles, AnndataReadsTheH5ad) {
  if (!stamp::test::pythonHas("anndata,h5py"))
    GTEST_SKIP() << "/usr/bin/python3 with anndata is not available";
  const auto& p = fixtureSample();
  std::string out;
  std::string script =
      "import anndata, sys; a = anndata.read_h5ad(sys.argv[1]); "
      "assert str(a.obs['compartment'].dtype) == 'category'; "
      "assert a.obsm['spatial'].shape == (a.n_obs, 2); "
      "assert 'EPCAM' in a.var_names; print(a.n_obs, a.n_vars, int(a.X.sum()))";
  int rc = stamp::test::runCommand("/usr/bin/python3 -c " + stamp::test::shellQuote(script) + " " +
                                       stamp::test::shellQuote(p.h5ad),
                                   &out);
  ASSERT_EQ(rc, 0) << out;
  auto s = st::readH5ad(p.h5ad);
  ASSERT_TRUE(s.ok());
  std::istringstream is(out);
  std::size_t nObs = 0, nVars = 0;
  is >> nObs >> nVars;
  EXPECT_EQ(nObs, s->spotCount());
  EXPECT_EQ(nVars, s->geneCount());
}

TEST(DemoFiles, SameSeedGivesByteIdenticalFiles) {
  auto dir = stamp::test::scratchDir("demo-determinism");
  DemoOptions o;  // the size the brief names: 3000 x 2400 px at 0.5 um/px
  o.seed = 99;
  o.width = 3000;
  o.height = 2400;
  o.threads = 2;
  auto a = writeDemoSample((dir / "a").string(), o);
  ASSERT_TRUE(a.ok()) << a.error().describe();
  o.threads = 1;  // the thread count must not matter either
  auto b = writeDemoSample((dir / "b").string(), o);
  ASSERT_TRUE(b.ok()) << b.error().describe();
  auto manifest = nlohmann::json::parse(slurp(a->manifest));
  ASSERT_GE(manifest["files"].size(), 10u);
  for (const auto& [rel, size] : manifest["files"].items()) {
    std::string fa = slurp((fs::path(a->root) / rel).string()), fb = slurp((fs::path(b->root) / rel).string());
    EXPECT_EQ(fa.size(), size.get<std::size_t>()) << rel;
    EXPECT_TRUE(fa == fb) << rel << " differs between two runs with the same seed";
  }
  EXPECT_EQ(slurp(a->manifest), slurp(b->manifest));
  o.seed = 100;
  auto c = writeDemoSample((dir / "c").string(), o);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(slurp(a->slide), slurp(c->slide));
  fs::remove_all(dir);
}

TEST(DemoFiles, FolderAppearsCompleteAndRefusesToOverwriteOtherData) {
  auto dir = stamp::test::scratchDir("demo-folder");
  auto r = writeDemoSample((dir / "out").string(), tiny());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  for (const auto& e : fs::directory_iterator(dir))  // no .partial-* left behind
    EXPECT_EQ(e.path().filename(), "out");
  EXPECT_TRUE(fs::exists(r->manifest));
  // An earlier demo sample is replaced; a folder with other files is left alone.
  auto again = writeDemoSample((dir / "out").string(), tiny(12));
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_NE(slurp(r->manifest).find("\"seed\": 12"), std::string::npos);
  fs::create_directories(dir / "precious");
  std::ofstream(dir / "precious" / "notes.txt") << "keep me";
  auto refused = writeDemoSample((dir / "precious").string(), tiny());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(slurp((dir / "precious" / "notes.txt").string()), "keep me");
  EXPECT_FALSE(fs::exists(dir / "precious" / "demo.tif"));
  // An empty folder is fine.
  fs::create_directories(dir / "empty");
  EXPECT_TRUE(writeDemoSample((dir / "empty").string(), tiny()).ok());
  // A file in the way is an error naming it.
  std::ofstream(dir / "file") << "x";
  auto onFile = writeDemoSample((dir / "file").string(), tiny());
  ASSERT_FALSE(onFile.ok());
  EXPECT_NE(onFile.error().describe().find("file"), std::string::npos);
  fs::remove_all(dir);
}

TEST(DemoFiles, CancellationLeavesNothingBehind) {
  auto dir = stamp::test::scratchDir("demo-cancel");
  CancelToken token;
  int updates = 0;
  ProgressReporter progress([&](const ProgressUpdate& u) {
    ++updates;
    if (u.phase == "Rendering slide" && u.done > 0) token.cancel();
  }, token, 0.0);
  auto r = writeDemoSample((dir / "out").string(), tiny(), &progress);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  EXPECT_GT(updates, 0);
  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST(DemoFiles, EnsureReusesACompleteSampleAndRepairsABrokenOne) {
  auto cache = stamp::test::scratchDir("demo-cache");
  auto first = ensureDemoSample(cache.string(), tiny());
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(fs::path(first->root).filename(), "demo-11-1024x768-2um");
  auto stamp1 = fs::last_write_time(first->slide);
  std::string slide1 = slurp(first->slide);
  auto second = ensureDemoSample(cache.string(), tiny());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->root, first->root);
  EXPECT_EQ(fs::last_write_time(second->slide), stamp1);  // reused, not rewritten
  fs::remove(first->h5ad);  // a damaged cache is rewritten
  auto third = ensureDemoSample(cache.string(), tiny());
  ASSERT_TRUE(third.ok()) << third.error().describe();
  EXPECT_TRUE(fs::exists(third->h5ad));
  EXPECT_EQ(slurp(third->slide), slide1);
  fs::remove_all(cache);
}

TEST(DemoFiles, BadOptionsAreRefusedWithTheirName) {
  auto bad = [](auto change) {
    DemoOptions o = tiny();
    change(o);
    return validateDemoOptions(o);
  };
  EXPECT_FALSE(bad([](DemoOptions& o) { o.width = 10; }).ok());
  EXPECT_NE(bad([](DemoOptions& o) { o.height = -5; }).error().message.find("height"), std::string::npos);
  EXPECT_FALSE(bad([](DemoOptions& o) { o.mpp = 0; }).ok());
  EXPECT_FALSE(bad([](DemoOptions& o) { o.mpp = std::nan(""); }).ok());
  EXPECT_FALSE(bad([](DemoOptions& o) { o.threads = -1; }).ok());
  EXPECT_TRUE(bad([](DemoOptions&) {}).ok());
  auto r = writeDemoSample("", tiny());
  EXPECT_FALSE(r.ok());
}
