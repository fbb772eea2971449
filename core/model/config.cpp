#include "model/config.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace stamp::core::model {
using nlohmann::json;

StampConfig presetUni() {
  StampConfig c{20310, 512, 16, 1024, 12, 1500, 1024, 24, 16, 4096, 512, "bgr", "uni"};
  return c;
}

StampConfig presetTiny() {
  StampConfig c{200, 64, 4, 128, 3, 48, 96, 3, 4, 192, 32, "rgb", "tiny"};
  return c;
}

Result<StampConfig> presetByName(const std::string& name) {
  if (name == "uni") return presetUni();
  if (name == "tiny") return presetTiny();
  return makeError(ErrorCode::InvalidArgument,
                   "unknown preset '" + name + "' (known: uni, tiny)", "preset");
}

namespace {

struct IntField {
  const char* key;
  int StampConfig::*member;
};

constexpr IntField kIntFields[] = {
    {"n_genes", &StampConfig::nGenes},       {"gene_dim", &StampConfig::geneDim},
    {"gene_heads", &StampConfig::geneHeads}, {"gene_ff", &StampConfig::geneFf},
    {"gene_layers", &StampConfig::geneLayers}, {"context", &StampConfig::context},
    {"vis_dim", &StampConfig::visDim},       {"vis_depth", &StampConfig::visDepth},
    {"vis_heads", &StampConfig::visHeads},   {"vis_mlp", &StampConfig::visMlp},
    {"out_dim", &StampConfig::outDim},
};

Error fieldError(const std::string& field, const std::string& what, const std::string& ctx) {
  return makeError(ErrorCode::InvalidArgument, "config field '" + field + "' " + what, ctx);
}

Status checkDivisible(int dim, int heads, const char* dimKey, const char* headsKey) {
  if (dim % heads != 0)
    return fieldError(dimKey, "(" + std::to_string(dim) + ") must be divisible by " + headsKey +
                                  " (" + std::to_string(heads) + ")", {});
  return {};
}

}  // namespace

Status validateConfig(const StampConfig& c) {
  for (const auto& f : kIntFields) {
    int v = c.*(f.member);
    // 10 million keeps products like n_tokens * gene_dim far from int overflow in shapes.
    if (v <= 0 || v > 10'000'000) return fieldError(f.key, "must be a positive integer, got " + std::to_string(v), {});
  }
  // Position 0..2 are dropped from the spot feature (STAMP-SPEC §2), so at least one must stay.
  if (c.context < 4) return fieldError("context", "must be at least 4", {});
  STAMP_CHECK(checkDivisible(c.geneDim, c.geneHeads, "gene_dim", "gene_heads"));
  STAMP_CHECK(checkDivisible(c.visDim, c.visHeads, "vis_dim", "vis_heads"));
  if (c.channelOrder != "rgb" && c.channelOrder != "bgr")
    return fieldError("channel_order", "must be \"rgb\" or \"bgr\", got \"" + c.channelOrder + "\"", {});
  return {};
}

static Status readIntField(const json& j, const IntField& f, StampConfig& c, bool required,
                           const std::string& ctx) {
  auto it = j.find(f.key);
  if (it == j.end()) {
    if (required) return fieldError(f.key, "is missing", ctx);
    return {};
  }
  if (!it->is_number_integer() && !it->is_number_unsigned())
    return fieldError(f.key, "must be an integer, got " + it->dump(), ctx);
  long long v = it->get<long long>();
  if (v <= 0 || v > 10'000'000) return fieldError(f.key, "must be a positive integer, got " + it->dump(), ctx);
  c.*(f.member) = int(v);
  return {};
}

Result<StampConfig> parseConfigJson(const std::string& text, const std::string& ctx) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return makeError(ErrorCode::Format, "config is not valid JSON", ctx);
  if (!j.is_object()) return makeError(ErrorCode::Format, "config JSON must be an object", ctx);
  StampConfig c;
  bool fromPreset = false;
  if (auto it = j.find("preset"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return fieldError("preset", "must be a string", ctx);
    auto p = presetByName(it->get<std::string>());
    if (!p.ok()) return p.error().within(ctx);
    c = *p;
    fromPreset = true;
  }
  for (const auto& f : kIntFields) STAMP_CHECK(readIntField(j, f, c, !fromPreset, ctx));
  if (auto it = j.find("channel_order"); it != j.end()) {
    if (!it->is_string()) return fieldError("channel_order", "must be a string", ctx);
    c.channelOrder = it->get<std::string>();
  } else if (!fromPreset) {
    return fieldError("channel_order", "is missing (\"rgb\" or \"bgr\")", ctx);
  }
  Status st = validateConfig(c);
  if (!st.ok()) return st.error().within(ctx);
  if (fromPreset) {  // overridden numbers no longer describe the named preset
    StampConfig p = *presetByName(c.preset);
    p.channelOrder = c.channelOrder;
    p.preset = c.preset;
    if (!(p == c)) c.preset.clear();
  }
  return c;
}

Result<StampConfig> readConfigFile(const std::filesystem::path& path) {
  STAMP_ASSIGN(std::string text, readFile(path));
  return parseConfigJson(text, path.string());
}

std::string configToJson(const StampConfig& c) {
  json j = json::object();
  for (const auto& f : kIntFields) j[f.key] = c.*(f.member);
  j["channel_order"] = c.channelOrder;
  if (!c.preset.empty()) j["preset"] = c.preset;
  return j.dump(1);
}

}  // namespace stamp::core::model
