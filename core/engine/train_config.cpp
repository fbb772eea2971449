#include "engine/train_config.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace stamp::core::engine {
namespace fs = std::filesystem;
using nlohmann::json;

const char* toString(TrainScope s) {
  switch (s) {
    case TrainScope::All: return "all";
    case TrainScope::Heads: return "heads";
    case TrainScope::LastBlocks: return "last_blocks";
    case TrainScope::GeneOnly: return "gene";
  }
  return "all";
}

namespace {

Error bad(const std::string& field, const std::string& what, const std::string& ctx) {
  return makeError(ErrorCode::InvalidArgument, "field \"" + field + "\": " + what, ctx);
}

/// Reads j[key] into `out` when present, refusing a wrong JSON type.
template <class T>
Status take(const json& j, const std::string& key, T& out, const std::string& ctx) {
  if (!j.contains(key)) return {};
  const json& v = j.at(key);
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) return bad(key, "expected true or false", ctx);
  } else if constexpr (std::is_integral_v<T>) {
    if (!v.is_number_integer()) return bad(key, "expected an integer", ctx);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) return bad(key, "expected a number", ctx);
  } else {
    if (!v.is_string()) return bad(key, "expected a string", ctx);
  }
  out = v.get<T>();
  return {};
}

std::string resolvePath(const std::string& p, const std::string& base) {
  if (p.empty() || base.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(base) / p).lexically_normal().string();
}

const std::set<std::string> kKeys = {
    "mode", "samples", "corpus", "corpus_shuffle_buffer", "corpus_block_rows", "vocab", "model", "output", "device", "seed", "steps", "batch_size", "grad_accum", "lr",
    "weight_decay", "min_lr", "warmup_steps", "grad_clip", "mixed_precision", "train", "last_blocks",
    "checkpoint_every", "keep_checkpoints", "validate_every", "log_every", "max_val_spots", "split",
    "val_fraction", "block_size", "workers", "prefetch", "threads", "augment", "explode_factor", "pretrain"};

Status parseSamples(const json& j, TrainConfig& c, const std::string& base, const std::string& ctx) {
  if (!j.contains("samples")) return {};
  if (!j["samples"].is_array()) return bad("samples", "expected a list of {\"st\": PATH, ...}", ctx);
  c.samples.clear();
  for (std::size_t i = 0; i < j["samples"].size(); ++i) {
    const json& s = j["samples"][i];
    const std::string f = "samples[" + std::to_string(i) + "]";
    if (s.is_string()) s.get_to(c.samples.emplace_back().st);
    else if (!s.is_object()) return bad(f, "expected a path or an object", ctx);
    else {
      TrainSample t;
      for (auto& [k, v] : s.items())
        if (k != "st" && k != "slide" && k != "mpp" && k != "slide_id" && k[0] != '_') return bad(f + "." + k, "unknown key", ctx);
      STAMP_CHECK(take(s, "st", t.st, ctx).ok() ? Status{} : bad(f + ".st", "expected a string", ctx));
      STAMP_CHECK(take(s, "slide", t.slide, ctx).ok() ? Status{} : bad(f + ".slide", "expected a string", ctx));
      STAMP_CHECK(take(s, "slide_id", t.slideId, ctx).ok() ? Status{} : bad(f + ".slide_id", "expected a string", ctx));
      if (s.contains("mpp")) {
        if (!s["mpp"].is_number()) return bad(f + ".mpp", "expected a number", ctx);
        t.mpp = s["mpp"].get<double>();
      }
      if (t.st.empty()) return bad(f + ".st", "missing (the spatial transcriptomics input)", ctx);
      c.samples.push_back(t);
    }
    c.samples.back().st = resolvePath(c.samples.back().st, base);
    c.samples.back().slide = resolvePath(c.samples.back().slide, base);
  }
  return {};
}

Status parseModel(const json& j, TrainConfig& c, const std::string& base, const std::string& ctx) {
  if (!j.contains("model")) return {};
  const json& m = j["model"];
  if (!m.is_object()) return bad("model", "expected {\"config\": ..., \"init_weights\": ...}", ctx);
  for (auto& [k, v] : m.items())
    if (k != "config" && k != "init_weights" && k != "partial" && k[0] != '_') return bad("model." + k, "unknown key", ctx);
  if (m.contains("config")) {
    if (m["config"].is_object()) c.modelConfig = m["config"].dump();
    else if (m["config"].is_string()) c.modelConfig = resolvePath(m["config"].get<std::string>(), base);
    else return bad("model.config", "expected a config object or a config.json path", ctx);
  }
  if (m.contains("init_weights") && !m["init_weights"].is_string()) return bad("model.init_weights", "expected a string", ctx);
  if (m.contains("partial") && !m["partial"].is_boolean()) return bad("model.partial", "expected true or false", ctx);
  c.initWeights = resolvePath(m.value("init_weights", c.initWeights), base);
  c.initPartial = m.value("partial", c.initPartial);
  return {};
}

Status parseNested(const json& j, TrainConfig& c, const std::string& ctx) {
  if (j.contains("augment")) {
    const json& a = j["augment"];
    if (!a.is_object()) return bad("augment", "expected an object", ctx);
    for (auto& [k, v] : a.items())
      if (k != "flips" && k != "rot90" && k != "colour_jitter" && k[0] != '_') return bad("augment." + k, "unknown key", ctx);
    if (auto s = take(a, "flips", c.augment.flips, ctx); !s) return bad("augment.flips", "expected true or false", ctx);
    if (auto s = take(a, "rot90", c.augment.rot90, ctx); !s) return bad("augment.rot90", "expected true or false", ctx);
    if (auto s = take(a, "colour_jitter", c.augment.colourJitter, ctx); !s) return bad("augment.colour_jitter", "expected a number", ctx);
  }
  if (j.contains("pretrain")) {
    const json& p = j["pretrain"];
    if (!p.is_object()) return bad("pretrain", "expected an object", ctx);
    for (auto& [k, v] : p.items())
      if (k != "mask_probability" && k != "mlm_only_steps" && k != "max_group_distance" && k[0] != '_')
        return bad("pretrain." + k, "unknown key", ctx);
    if (auto s = take(p, "mask_probability", c.maskProbability, ctx); !s) return bad("pretrain.mask_probability", "expected a number", ctx);
    if (auto s = take(p, "mlm_only_steps", c.mlmOnlySteps, ctx); !s) return bad("pretrain.mlm_only_steps", "expected an integer", ctx);
    if (auto s = take(p, "max_group_distance", c.maxGroupDistance, ctx); !s) return bad("pretrain.max_group_distance", "expected a number", ctx);
  }
  return {};
}

Status parseScalars(const json& j, TrainConfig& c, const std::string& ctx) {
  STAMP_CHECK(take(j, "mode", c.mode, ctx));
  STAMP_CHECK(take(j, "device", c.device, ctx));
  STAMP_CHECK(take(j, "seed", c.seed, ctx));
  STAMP_CHECK(take(j, "steps", c.steps, ctx));
  STAMP_CHECK(take(j, "batch_size", c.batchSize, ctx));
  STAMP_CHECK(take(j, "grad_accum", c.gradAccum, ctx));
  STAMP_CHECK(take(j, "lr", c.lr, ctx));
  STAMP_CHECK(take(j, "weight_decay", c.weightDecay, ctx));
  STAMP_CHECK(take(j, "min_lr", c.minLr, ctx));
  STAMP_CHECK(take(j, "warmup_steps", c.warmupSteps, ctx));
  STAMP_CHECK(take(j, "grad_clip", c.gradClip, ctx));
  STAMP_CHECK(take(j, "mixed_precision", c.mixedPrecision, ctx));
  STAMP_CHECK(take(j, "last_blocks", c.lastBlocks, ctx));
  STAMP_CHECK(take(j, "checkpoint_every", c.checkpointEvery, ctx));
  STAMP_CHECK(take(j, "keep_checkpoints", c.keepCheckpoints, ctx));
  STAMP_CHECK(take(j, "validate_every", c.validateEvery, ctx));
  STAMP_CHECK(take(j, "log_every", c.logEvery, ctx));
  STAMP_CHECK(take(j, "max_val_spots", c.maxValSpots, ctx));
  STAMP_CHECK(take(j, "split", c.split, ctx));
  STAMP_CHECK(take(j, "val_fraction", c.valFraction, ctx));
  STAMP_CHECK(take(j, "block_size", c.blockSize, ctx));
  STAMP_CHECK(take(j, "workers", c.workers, ctx));
  STAMP_CHECK(take(j, "prefetch", c.prefetch, ctx));
  STAMP_CHECK(take(j, "threads", c.threads, ctx));
  STAMP_CHECK(take(j, "explode_factor", c.explodeFactor, ctx));
  STAMP_CHECK(take(j, "corpus_shuffle_buffer", c.shuffleBuffer, ctx));
  STAMP_CHECK(take(j, "corpus_block_rows", c.blockRows, ctx));
  std::string scope = toString(c.scope);
  STAMP_CHECK(take(j, "train", scope, ctx));
  if (scope == "all") c.scope = TrainScope::All;
  else if (scope == "heads") c.scope = TrainScope::Heads;
  else if (scope == "last_blocks") c.scope = TrainScope::LastBlocks;
  else if (scope == "gene") c.scope = TrainScope::GeneOnly;
  else return bad("train", "expected \"all\", \"heads\", \"last_blocks\" or \"gene\", got \"" + scope + "\"", ctx);
  return {};
}

}  // namespace

Result<TrainConfig> parseTrainConfig(const std::string& text, const std::string& baseDir, const std::string& ctx) {
  json j;
  try {
    j = json::parse(text);
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Format, std::string("not valid JSON: ") + e.what(), ctx);
  }
  if (!j.is_object()) return makeError(ErrorCode::Format, "a run file must be a JSON object", ctx);
  for (auto& [k, v] : j.items())
    if (!kKeys.count(k) && k[0] != '_') return bad(k, "unknown key", ctx);
  TrainConfig c;
  STAMP_CHECK(parseScalars(j, c, ctx));
  STAMP_CHECK(parseSamples(j, c, baseDir, ctx));
  STAMP_CHECK(parseModel(j, c, baseDir, ctx));
  STAMP_CHECK(parseNested(j, c, ctx));
  std::string vocab, output, corpus;
  STAMP_CHECK(take(j, "vocab", vocab, ctx));
  STAMP_CHECK(take(j, "output", output, ctx));
  STAMP_CHECK(take(j, "corpus", corpus, ctx));
  if (!corpus.empty()) c.corpus = resolvePath(corpus, baseDir);
  // A corpus has no array coordinates for spot blocks: its default held-out part is slides.
  if (!c.corpus.empty() && !j.contains("split")) c.split = "slides";
  if (!vocab.empty()) c.vocab = resolvePath(vocab, baseDir);
  if (!output.empty()) c.output = resolvePath(output, baseDir);
  STAMP_CHECK(validateTrainConfig(c).ok() ? Status{} : validateTrainConfig(c).error().within(ctx));
  return c;
}

Result<TrainConfig> readTrainConfig(const std::string& path) {
  STAMP_ASSIGN(std::string text, readFile(path));
  return parseTrainConfig(text, fs::absolute(path).parent_path().string(), path);
}

Status validateTrainConfig(const TrainConfig& c) {
  auto need = [](bool ok, const std::string& f, const std::string& w) -> Status {
    if (ok) return {};
    return makeError(ErrorCode::InvalidArgument, "field \"" + f + "\": " + w);
  };
  STAMP_CHECK(need(c.mode == "align" || c.mode == "pretrain", "mode", "expected \"align\" or \"pretrain\""));
  const bool corpus = !c.corpus.empty();
  STAMP_CHECK(need(!c.samples.empty() || corpus, "samples", "at least one sample (or a \"corpus\" folder) is needed"));
  STAMP_CHECK(need(c.samples.empty() || !corpus, "corpus", "give either samples or a corpus, not both (build one corpus from all samples with `stamp build-corpus`)"));
  STAMP_CHECK(need(!c.vocab.empty() || corpus, "vocab", "the STAMP vocabulary folder is needed"));
  STAMP_CHECK(need(c.shuffleBuffer > 0, "corpus_shuffle_buffer", "must be positive"));
  STAMP_CHECK(need(c.blockRows > 0, "corpus_block_rows", "must be positive"));
  STAMP_CHECK(need(!c.output.empty(), "output", "the run folder is needed"));
  STAMP_CHECK(need(c.steps > 0, "steps", "must be positive"));
  STAMP_CHECK(need(c.batchSize > 0, "batch_size", "must be positive"));
  STAMP_CHECK(need(c.gradAccum > 0, "grad_accum", "must be positive"));
  STAMP_CHECK(need(c.lr > 0 && c.lr < 1, "lr", "must be in (0, 1)"));
  STAMP_CHECK(need(c.minLr >= 0 && c.minLr <= c.lr, "min_lr", "must be in [0, lr]"));
  STAMP_CHECK(need(c.weightDecay >= 0, "weight_decay", "must not be negative"));
  STAMP_CHECK(need(c.warmupSteps >= 0, "warmup_steps", "must not be negative"));
  STAMP_CHECK(need(c.gradClip >= 0, "grad_clip", "must not be negative (0 = off)"));
  STAMP_CHECK(need(c.lastBlocks > 0, "last_blocks", "must be positive"));
  STAMP_CHECK(need(c.checkpointEvery > 0, "checkpoint_every", "must be positive"));
  STAMP_CHECK(need(c.keepCheckpoints > 0, "keep_checkpoints", "must be positive"));
  STAMP_CHECK(need(c.validateEvery >= 0, "validate_every", "must not be negative"));
  STAMP_CHECK(need(c.logEvery > 0, "log_every", "must be positive"));
  STAMP_CHECK(need(c.maxValSpots > 0, "max_val_spots", "must be positive"));
  if (corpus)
    STAMP_CHECK(need(c.split == "slides" || c.split == "shards", "split",
                     "a corpus has no array coordinates for spot blocks: expected \"slides\" or \"shards\""));
  else
    STAMP_CHECK(need(c.split == "blocks" || c.split == "slides", "split", "expected \"blocks\" or \"slides\""));
  STAMP_CHECK(need(c.valFraction >= 0 && c.valFraction < 1, "val_fraction", "must be in [0, 1)"));
  STAMP_CHECK(need(c.blockSize > 0, "block_size", "must be positive"));
  STAMP_CHECK(need(c.workers > 0 && c.workers <= 64, "workers", "must be in 1..64"));
  STAMP_CHECK(need(c.prefetch > 0, "prefetch", "must be positive"));
  STAMP_CHECK(need(c.augment.colourJitter >= 0 && c.augment.colourJitter <= 0.5, "augment.colour_jitter", "must be in [0, 0.5]"));
  STAMP_CHECK(need(c.explodeFactor > 1, "explode_factor", "must be above 1"));
  STAMP_CHECK(need(c.maskProbability > 0 && c.maskProbability < 1, "pretrain.mask_probability", "must be in (0, 1)"));
  STAMP_CHECK(need(c.mlmOnlySteps >= 0, "pretrain.mlm_only_steps", "must not be negative"));
  STAMP_CHECK(need(c.maxGroupDistance > 0, "pretrain.max_group_distance", "must be positive"));
  return {};
}

std::string trainConfigToJson(const TrainConfig& c) {
  json s = json::array();
  for (const auto& t : c.samples) {
    json o = {{"st", t.st}};
    if (!t.slide.empty()) o["slide"] = t.slide;
    if (t.mpp) o["mpp"] = *t.mpp;
    if (!t.slideId.empty()) o["slide_id"] = t.slideId;
    s.push_back(o);
  }
  json model = {{"init_weights", c.initWeights}, {"partial", c.initPartial}};
  model["config"] = json::accept(c.modelConfig) ? json::parse(c.modelConfig) : json(c.modelConfig);
  json j = {{"mode", c.mode}, {"samples", s}, {"corpus", c.corpus}, {"corpus_shuffle_buffer", c.shuffleBuffer},
            {"corpus_block_rows", c.blockRows}, {"vocab", c.vocab}, {"model", model}, {"output", c.output},
            {"device", c.device}, {"seed", c.seed}, {"steps", c.steps}, {"batch_size", c.batchSize},
            {"grad_accum", c.gradAccum}, {"lr", c.lr}, {"weight_decay", c.weightDecay}, {"min_lr", c.minLr},
            {"warmup_steps", c.warmupSteps}, {"grad_clip", c.gradClip}, {"mixed_precision", c.mixedPrecision},
            {"train", toString(c.scope)}, {"last_blocks", c.lastBlocks}, {"checkpoint_every", c.checkpointEvery},
            {"keep_checkpoints", c.keepCheckpoints}, {"validate_every", c.validateEvery}, {"log_every", c.logEvery},
            {"max_val_spots", c.maxValSpots}, {"split", c.split}, {"val_fraction", c.valFraction},
            {"block_size", c.blockSize}, {"workers", c.workers}, {"prefetch", c.prefetch}, {"threads", c.threads},
            {"explode_factor", c.explodeFactor},
            {"augment", {{"flips", c.augment.flips}, {"rot90", c.augment.rot90}, {"colour_jitter", c.augment.colourJitter}}},
            {"pretrain", {{"mask_probability", c.maskProbability}, {"mlm_only_steps", c.mlmOnlySteps},
                          {"max_group_distance", c.maxGroupDistance}}}};
  return j.dump(1);
}

}  // namespace stamp::core::engine
