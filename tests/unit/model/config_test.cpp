#include <gtest/gtest.h>

#include "model/config.h"

using namespace stamp::core;
using namespace stamp::core::model;

TEST(ModelConfig, PresetsAreValidAndMatchTheReference) {
  EXPECT_TRUE(validateConfig(presetUni()).ok());
  EXPECT_TRUE(validateConfig(presetTiny()).ok());
  StampConfig u = presetUni();
  EXPECT_EQ(u.nGenes, 20310);
  EXPECT_EQ(u.nTokens(), 20340);
  EXPECT_EQ(u.context, 1500);
  EXPECT_EQ(u.visDim, 1024);
  EXPECT_EQ(u.visDepth, 24);
  EXPECT_EQ(u.visMlp, 4096);
  EXPECT_EQ(u.channelOrder, "bgr");
  StampConfig t = presetTiny();
  EXPECT_EQ(t.geneDim, 64);
  EXPECT_EQ(t.context, 48);
  EXPECT_EQ(t.outDim, 32);
  EXPECT_FALSE(presetByName("vit-h").ok());
}

TEST(ModelConfig, ParsesTheReferenceConfigJson) {
  const char* text = R"({"n_genes": 200, "gene_dim": 64, "gene_heads": 4, "gene_ff": 128, "gene_layers": 3,
    "context": 48, "vis_dim": 96, "vis_depth": 3, "vis_heads": 4, "vis_mlp": 192, "out_dim": 32,
    "preset": "tiny", "seed": 3, "channel_order": "rgb"})";
  auto c = parseConfigJson(text, "config.json");
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(*c, presetTiny());
  auto again = parseConfigJson(configToJson(*c));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *c);
}

TEST(ModelConfig, PresetWithOverridesIsNoLongerThePreset) {
  auto c = parseConfigJson(R"({"preset": "tiny", "gene_layers": 5})");
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(c->geneLayers, 5);
  EXPECT_EQ(c->visDim, 96);
  EXPECT_TRUE(c->preset.empty());
}

static std::string errorOf(const std::string& json) {
  auto c = parseConfigJson(json, "cfg.json");
  EXPECT_FALSE(c.ok()) << json;
  return c.ok() ? std::string() : c.error().describe();
}

TEST(ModelConfig, ErrorsNameTheField) {
  std::string full = R"("n_genes": 200, "gene_dim": 64, "gene_heads": 4, "gene_ff": 128, "gene_layers": 3,
    "context": 48, "vis_dim": 96, "vis_depth": 3, "vis_heads": 4, "vis_mlp": 192)";
  EXPECT_NE(errorOf("{" + full + R"(, "channel_order": "rgb"})").find("out_dim"), std::string::npos);
  EXPECT_NE(errorOf("{" + full + R"(, "out_dim": 32})").find("channel_order"), std::string::npos);
  EXPECT_NE(errorOf(R"({"preset": "tiny", "gene_heads": 5})").find("gene_dim"), std::string::npos);
  EXPECT_NE(errorOf(R"({"preset": "tiny", "vis_depth": -1})").find("vis_depth"), std::string::npos);
  EXPECT_NE(errorOf(R"({"preset": "tiny", "vis_mlp": "wide"})").find("vis_mlp"), std::string::npos);
  EXPECT_NE(errorOf(R"({"preset": "tiny", "context": 2})").find("context"), std::string::npos);
  EXPECT_NE(errorOf(R"({"preset": "tiny", "channel_order": "rbg"})").find("channel_order"), std::string::npos);
  EXPECT_NE(errorOf(R"({"preset": "huge"})").find("huge"), std::string::npos);
  EXPECT_NE(errorOf("{not json").find("cfg.json"), std::string::npos);
  EXPECT_NE(errorOf("[1, 2]").find("object"), std::string::npos);
}

TEST(ModelConfig, MissingFileIsNotFound) {
  auto c = readConfigFile("/nonexistent/config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::NotFound);
}
