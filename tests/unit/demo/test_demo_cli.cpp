// `stamp demo-data` end to end (skipped when the CLI has not been built in this build folder).
#include <gtest/gtest.h>

#include <fstream>

#include "test_support.h"

namespace fs = std::filesystem;
using stamp::test::runCommand;
using stamp::test::shellQuote;

namespace {
std::string cli() { return (stamp::test::binaryDir() / "app" / "cli" / "stamp").string(); }
}  // namespace

TEST(DemoCli, WritesTheSampleAndReportsUsageErrors) {
  if (!fs::exists(cli())) GTEST_SKIP() << "the stamp CLI is not built: " << cli();
  std::string out;
  EXPECT_EQ(runCommand(shellQuote(cli()) + " demo-data --help", &out), 0);
  EXPECT_NE(out.find("--seed"), std::string::npos);
  EXPECT_EQ(runCommand(shellQuote(cli()) + " demo-data", &out), 2) << out;  // --out is required
  auto dir = stamp::test::scratchDir("demo-cli");
  std::string base = shellQuote(cli()) + " demo-data --out " + shellQuote((dir / "s").string());
  EXPECT_EQ(runCommand(base + " --width 20", &out), 2) << out;
  EXPECT_EQ(runCommand(base + " --mpp abc", &out), 2) << out;
  ASSERT_EQ(runCommand(base + " --seed 3 --width 1024 --height 768 --mpp 2", &out), 0) << out;
  EXPECT_NE(out.find("demo.tif"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "s" / "outs" / "filtered_feature_bc_matrix.h5"));
  EXPECT_TRUE(fs::exists(dir / "s" / "hest" / "st" / "demo.h5ad"));
  // Refusing to overwrite unrelated data is a failure (exit 1) with a one-line reason.
  fs::create_directories(dir / "other");
  std::ofstream(dir / "other" / "x.txt") << "x";
  EXPECT_EQ(runCommand(shellQuote(cli()) + " demo-data --out " + shellQuote((dir / "other").string()) +
                           " --width 1024 --height 768",
                       &out),
            1);
  EXPECT_NE(out.find("not overwriting"), std::string::npos);
  fs::remove_all(dir);
}
