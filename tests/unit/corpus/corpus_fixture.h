#pragma once
// Shared fixtures of the corpus tests: one small demo sample (generated once per process with
// the core/demo API), the STAMP vocabulary from ../shared/data, and shard reading helpers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "corpus/corpus.h"
#include "corpus/shard_io.h"
#include "demo/demo.h"
#include "st/vocabulary.h"
#include "test_support.h"

namespace stamp::test::corpustest {
namespace fs = std::filesystem;

/// The demo sample (1536 x 1152 px at 2 um/px: a few hundred spots, crops at 5x).
inline const core::demo::DemoPaths& demoSample() {
  static const core::demo::DemoPaths paths = [] {
    core::demo::DemoOptions o;
    o.seed = 5;
    o.width = 1536;
    o.height = 1152;
    o.mpp = 2.0;
    o.threads = 2;
    auto p = core::demo::writeDemoSample((scratchDir("corpus-demo") / "demo").string(), o);
    EXPECT_TRUE(p.ok()) << p.error().describe();
    return p.ok() ? *p : core::demo::DemoPaths{};
  }();
  return paths;
}

inline std::optional<fs::path> vocabDir() {
  auto d = sharedDataDir();
  if (!d || !fs::exists(*d / "stamp-vocab" / "model.h5ad")) return std::nullopt;
  return *d / "stamp-vocab";
}

inline const core::st::Vocabulary& vocab() {
  static const core::st::Vocabulary v = [] {
    auto r = core::st::Vocabulary::load(vocabDir()->string());
    EXPECT_TRUE(r.ok()) << r.error().describe();
    return r.ok() ? *r : core::st::Vocabulary{};
  }();
  return v;
}

#define STAMP_REQUIRE_VOCAB()                                                               \
  if (!::stamp::test::corpustest::vocabDir())                                                   \
  GTEST_SKIP() << "real test data not found: ../shared/data/stamp-vocab (set STAMP_TEST_DATA)"

/// Every row of every shard, in shard order.
inline core::corpus::RowBlock readAllShards(const fs::path& dir, bool images) {
  core::corpus::RowBlock all;
  all.reset(core::corpus::kTokenLen, images ? core::corpus::kImagePx : 0);
  for (int k = 0;; ++k) {
    const fs::path p = dir / ("tokens-" + std::to_string(k) + ".h5");
    if (!fs::exists(p)) break;
    auto r = core::corpus::RowReader::open(p.string());
    EXPECT_TRUE(r.ok()) << r.error().describe();
    if (!r.ok()) break;
    auto b = r->read(0, r->rows(), images);
    EXPECT_TRUE(b.ok()) << b.error().describe();
    if (!b.ok()) break;
    for (long long i = 0; i < b->rows; ++i) all.appendRow(*b, i);
  }
  return all;
}

inline nlohmann::json readJson(const fs::path& p) {
  auto t = core::readFile(p);
  EXPECT_TRUE(t.ok()) << p;
  return t.ok() ? nlohmann::json::parse(*t, nullptr, false) : nlohmann::json();
}

inline std::string slurp(const fs::path& p) {
  auto t = core::readFile(p);
  return t.ok() ? *t : std::string("<missing " + p.string() + ">");
}

}  // namespace stamp::test::corpustest
