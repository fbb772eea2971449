// `stamp figure` end to end: outputs, sidecar, and bad inputs with exit codes and reasons.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "demo_fixture.h"

namespace {

std::string stampBin() { return (stamp::test::binaryDir() / "app/cli/stamp").string(); }

int runFigure(const std::string& args, std::string* out) {
  const auto& p = stamp::test::figureDemo();
  return stamp::test::runCommand(stampBin() + " figure --slide " + stamp::test::shellQuote(p.slide) +
                                     " --st " + stamp::test::shellQuote(p.h5ad) + " " + args,
                                 out);
}

}  // namespace

TEST(FigureCli, WritesPngSvgAndSidecar) {
  const auto dir = stamp::test::scratchDir("figure-cli");
  std::string out;
  const auto png = (dir / "epcam.png").string();
  ASSERT_EQ(runFigure("--layer total_counts --width 700 --title 'Total counts' --out " + png, &out), 0) << out;
  ASSERT_TRUE(std::filesystem::exists(png));
  auto side = stamp::core::readFile(png + ".json");
  ASSERT_TRUE(side.ok());
  auto j = nlohmann::json::parse(*side);
  EXPECT_EQ(j["layer"]["name"], "total_counts");
  EXPECT_EQ(j["tool"], "stamp figure");
  EXPECT_TRUE(j.contains("tool_version"));
  EXPECT_EQ(j["slide"], stamp::test::figureDemo().slide);
  EXPECT_GT(j["spots_drawn"].get<int>(), 50);
  const auto svg = (dir / "compartment.svg").string();
  ASSERT_EQ(runFigure("--layer obs:compartment --out " + svg, &out), 0) << out;
  auto text = stamp::core::readFile(svg);
  ASSERT_TRUE(text.ok());
  std::size_t circles = 0;
  for (auto at = text->find("<circle"); at != std::string::npos; at = text->find("<circle", at + 1)) ++circles;
  auto sj = nlohmann::json::parse(*stamp::core::readFile(svg + ".json"));
  EXPECT_EQ(circles, sj["spots_drawn"].get<std::size_t>());
  EXPECT_EQ(sj["layer"]["kind"], "categorical");
}

TEST(FigureCli, BadInputsExitWithReasons) {
  const auto dir = stamp::test::scratchDir("figure-cli-bad");
  const auto png = (dir / "x.png").string();
  std::string out;
  EXPECT_EQ(runFigure("--layer gene:NOT_A_GENE --out " + png, &out), 1);
  EXPECT_NE(out.find("NOT_A_GENE"), std::string::npos) << out;
  EXPECT_EQ(runFigure("--layer obs:no_such_column --out " + png, &out), 1);
  EXPECT_NE(out.find("no_such_column"), std::string::npos) << out;
  EXPECT_NE(out.find("compartment"), std::string::npos) << out;  // lists what is there
  EXPECT_EQ(runFigure("--layer total_counts --region 5000,5000,100,100 --out " + png, &out), 1);
  EXPECT_NE(out.find("--region"), std::string::npos) << out;
  EXPECT_EQ(runFigure("--layer total_counts --dpi abc --out " + png, &out), 2);
  EXPECT_NE(out.find("--dpi"), std::string::npos) << out;
  EXPECT_EQ(runFigure("--layer total_counts --dpi 0 --out " + png, &out), 2);
  EXPECT_NE(out.find("--dpi"), std::string::npos) << out;
  EXPECT_EQ(runFigure("--layer nonsense --out " + png, &out), 2);
  EXPECT_NE(out.find("nonsense"), std::string::npos) << out;
  EXPECT_EQ(runFigure("--layer total_counts --cmap jet --out " + png, &out), 2);
  EXPECT_NE(out.find("jet"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(png));
}
