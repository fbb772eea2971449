// Putting state dicts into the model: key names, the load report, prefixes and bare ViT files.
#include <gtest/gtest.h>

#include <set>

#include "common/atomic_file.h"
#include "model/load_weights.h"
#include "model/model_runner.h"
#include "model_test_util.h"

using namespace stamp::core;
using namespace stamp::core::model;
namespace fs = std::filesystem;

namespace {

StateDict withoutKeys(const StateDict& sd, const std::string& prefix) {
  StateDict out;
  for (const auto& [k, t] : sd)
    if (k.rfind(prefix, 0) != 0) out.emplace_back(k, t);
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST(ModelKeys, NamesAreThePublishedCheckpointNames) {
  Stamp m(presetTiny());
  std::map<std::string, std::vector<std::int64_t>> shapes;
  for (const auto& p : m->named_parameters()) shapes[p.key()] = p.value().sizes().vec();
  const StampConfig c = presetTiny();
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(shapes.at("spot_backbone.embeddings.weight"), V({c.nTokens() + 5, 64}));
  EXPECT_EQ(shapes.at("spot_backbone.positional_embedding.weight"), V({48, 64}));
  EXPECT_EQ(shapes.at("spot_backbone.encoder.layers.2.self_attn.in_proj_weight"), V({192, 64}));
  EXPECT_EQ(shapes.at("spot_backbone.encoder.layers.0.self_attn.out_proj.bias"), V({64}));
  EXPECT_EQ(shapes.at("spot_backbone.encoder_layer.linear1.weight"), V({128, 64}));
  EXPECT_EQ(shapes.at("spot_backbone.classifier_head.weight"), V({c.nTokens(), 64}));
  EXPECT_EQ(shapes.at("spot_backbone.spatial_classifier_head.bias"), V({c.nTokens()}));
  EXPECT_EQ(shapes.at("visual_backbone.p_visual"), V({1, 1, 96}));
  EXPECT_EQ(shapes.at("visual_backbone.ref_pos_embed.weight"), V({96, 96}));
  EXPECT_EQ(shapes.at("visual_backbone.base_model.pos_embed"), V({1, 197, 96}));
  EXPECT_EQ(shapes.at("visual_backbone.base_model.patch_embed.proj.weight"), V({96, 3, 16, 16}));
  EXPECT_EQ(shapes.at("visual_backbone.base_model.blocks.1.ls2.gamma"), V({96}));
  EXPECT_EQ(shapes.at("visual_backbone.base_model.blocks.2.mlp.fc1.weight"), V({192, 96}));
  EXPECT_EQ(shapes.at("visual_backbone.base_model.norm.bias"), V({96}));
  EXPECT_EQ(shapes.at("positioning_projection.weight"), V({32, 96}));
  EXPECT_EQ(shapes.at("logit_scale"), V({}));
  // gene: 2 embeddings + (3 layers + template) x 12 + 2 heads x 2; vision: p_visual + ref_pos_embed
  // 2 + cls/pos 2 + patch_embed 2 + 3 blocks x 14 + norm 2; 4 projections x 2 + logit_scale.
  EXPECT_EQ(shapes.size(), std::size_t(2 + 4 * 12 + 4 + 3 + 2 + 2 + 3 * 14 + 2 + 8 + 1));
}

TEST(LoadWeights, OwnStateDictLoadsCleanly) {
  Stamp a(presetTiny()), b(presetTiny());
  auto r = loadStateDict(b, modelStateDict(a));
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->clean());
  EXPECT_TRUE(r->optionalMissing.empty());
  EXPECT_TRUE(torch::equal(a->visual_backbone->p_visual, b->visual_backbone->p_visual));
  EXPECT_TRUE(torch::equal(a->logit_scale, b->logit_scale));
}

TEST(LoadWeights, ReportsMissingUnexpectedAndShapeMismatch) {
  Stamp a(presetTiny()), b(presetTiny());
  StateDict sd = withoutKeys(modelStateDict(a), "patch_projection.");
  sd.emplace_back("extra.weight", torch::zeros({2}));
  for (auto& [k, t] : sd)
    if (k == "logit_scale") t = torch::zeros({1});
  for (auto& [k, t] : sd)
    if (k == "spot_projection.bias") t = torch::zeros({32}, torch::kLong);
  torch::Tensor before = b->spot_projection->weight.clone();
  auto r = loadStateDict(b, sd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Mismatch);
  EXPECT_NE(r.error().message.find("patch_projection"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("extra.weight"), std::string::npos);
  EXPECT_NE(r.error().message.find("logit_scale"), std::string::npos);
  EXPECT_TRUE(torch::equal(before, b->spot_projection->weight)) << "a failed load must not change the model";

  auto partial = loadStateDict(b, sd, LoadOptions{true});
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->missing, std::vector<std::string>({"patch_projection.weight", "patch_projection.bias"}));
  EXPECT_EQ(partial->unexpected, std::vector<std::string>({"extra.weight"}));
  ASSERT_EQ(partial->shapeMismatch.size(), 1u);
  EXPECT_EQ(partial->shapeMismatch[0].key, "logit_scale");
  EXPECT_EQ(partial->shapeMismatch[0].found, std::vector<std::int64_t>({1}));
  EXPECT_EQ(partial->dtypeMismatch, std::vector<std::string>({"spot_projection.bias"}));
  EXPECT_TRUE(torch::equal(a->spot_projection->weight, b->spot_projection->weight));
}

TEST(LoadWeights, OptionalHeadsMayBeAbsent) {
  Stamp a(presetTiny()), b(presetTiny());
  StateDict sd = withoutKeys(withoutKeys(modelStateDict(a), "spot_backbone.spatial_classifier_head."),
                             "spot_backbone.encoder_layer.");
  auto r = loadStateDict(b, sd);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->clean());
  EXPECT_TRUE(contains(r->optionalMissing, "spot_backbone.spatial_classifier_head.weight"));
  EXPECT_TRUE(contains(r->optionalMissing, "spot_backbone.encoder_layer.self_attn.in_proj_weight"));
}

TEST(LoadWeights, ModulePrefixIsRemoved) {
  Stamp a(presetTiny()), b(presetTiny());
  StateDict sd = modelStateDict(a);
  for (auto& [k, t] : sd) k = "module." + k;
  auto r = loadStateDict(b, sd);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->strippedModulePrefix);
  EXPECT_TRUE(torch::equal(a->region_projection->weight, b->region_projection->weight));
}

TEST(LoadWeights, BareVitFileInitialisesOnlyTheVisionBackbone) {
  Stamp a(presetTiny()), b(presetTiny());
  const std::string prefix = "visual_backbone.base_model.";
  StateDict bare;
  for (const auto& [k, t] : modelStateDict(a))
    if (k.rfind(prefix, 0) == 0) bare.emplace_back(k.substr(prefix.size()), t);
  torch::Tensor geneBefore = b->spot_backbone->embeddings->weight.clone();
  auto r = loadStateDict(b, bare);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->backboneOnly);
  EXPECT_TRUE(r->clean());
  EXPECT_TRUE(contains(r->optionalMissing, "visual_backbone.p_visual"));
  EXPECT_TRUE(contains(r->optionalMissing, "spot_backbone.embeddings.weight"));
  EXPECT_TRUE(torch::equal(a->visual_backbone->base_model->blocks[0]->named_parameters()["attn.qkv.weight"],
                           b->visual_backbone->base_model->blocks[0]->named_parameters()["attn.qkv.weight"]));
  EXPECT_TRUE(torch::equal(geneBefore, b->spot_backbone->embeddings->weight));
  bare.emplace_back("head.weight", torch::zeros({10, 96}));  // a classifier head the model lacks
  EXPECT_FALSE(loadStateDict(b, bare).ok());
}

TEST(LoadWeights, WrongConfigFailsWithShapes) {
  Stamp a(presetTiny());
  StampConfig other = presetTiny();
  other.outDim = 16;
  Stamp b(other);
  auto r = loadStateDict(b, modelStateDict(a));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("wrong shape"), std::string::npos) << r.error().message;
}

TEST(LoadModel, ConfigResolutionOrder) {
  fs::path dir = stamp::test::scratchDir("loadmodel");
  Stamp a(presetTiny());
  StateDict sd = modelStateDict(a);
  ASSERT_TRUE(writeTorchSave(dir / "m.pt", sd).ok());
  auto none = loadModel(dir / "m.pt");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::NotFound);
  EXPECT_NE(none.error().message.find("--config"), std::string::npos);
  ASSERT_TRUE(stamp::core::writeFileAtomic(dir / "config.json", configToJson(presetTiny())).ok());
  auto beside = loadModel(dir / "m.pt");
  ASSERT_TRUE(beside.ok()) << beside.error().describe();
  EXPECT_EQ(beside->config, presetTiny());
  StampConfig meta = presetTiny();
  meta.channelOrder = "bgr";
  ASSERT_TRUE(writeSafetensors(dir / "m.safetensors", sd, {{"stamp_config", configToJson(meta)}}).ok());
  auto fromMeta = loadModel(dir / "m.safetensors");
  ASSERT_TRUE(fromMeta.ok()) << fromMeta.error().describe();
  EXPECT_EQ(fromMeta->config.channelOrder, "bgr");  // metadata wins over config.json beside
  ASSERT_TRUE(stamp::core::writeFileAtomic(dir / "other.json", R"({"preset": "tiny", "out_dim": 16})").ok());
  auto explicitWrong = loadModel(dir / "m.safetensors", dir / "other.json");
  ASSERT_FALSE(explicitWrong.ok());  // --config wins, and these weights do not fit it
  EXPECT_EQ(explicitWrong.error().code, ErrorCode::Mismatch);
  fs::remove_all(dir);
}
