#include "model/model_runner.h"

#include <nlohmann/json.hpp>
#include <set>

#include "model/autocast.h"

namespace stamp::core::model {
namespace {

Error badInput(const std::string& name, const std::string& what) {
  return makeError(ErrorCode::InvalidArgument, "input '" + name + "' " + what);
}

const torch::Tensor* find(const NamedTensors& in, const std::string& name) {
  auto it = in.find(name);
  return it == in.end() ? nullptr : &it->second;
}

Status checkTokens(const NamedTensors& in, const std::string& name, std::int64_t nTokens, bool allowIgnore) {
  const torch::Tensor* t = find(in, name);
  if (!t) return {};
  if (t->dim() != 2 || t->size(1) < 1) return badInput(name, "must be (spots, length)");
  if (t->is_floating_point()) return badInput(name, "must hold integer token ids");
  if (t->numel() == 0) return {};
  torch::Tensor v = allowIgnore ? t->masked_select(*t != -100) : *t;
  if (v.numel() && (v.min().item<std::int64_t>() < 0 || v.max().item<std::int64_t>() >= nTokens))
    return badInput(name, "has token ids outside [0, " + std::to_string(nTokens) + ")");
  return {};
}

Status checkImages(const NamedTensors& in, const std::string& name, std::int64_t side) {
  const torch::Tensor* t = find(in, name);
  if (!t) return {};
  if (t->dim() != 4 || t->size(1) != 3 || t->size(2) != side || t->size(3) != side)
    return badInput(name, "must be (B, 3, " + std::to_string(side) + ", " + std::to_string(side) + ")");
  if (!t->is_floating_point()) return badInput(name, "must be floating point");
  if (!torch::isfinite(*t).all().item<bool>()) return makeError(ErrorCode::Numerical, "input '" + name + "' contains NaN or Inf");
  return {};
}

Status checkBatch(const NamedTensors& in, const std::vector<std::string>& names) {
  std::int64_t b = -1;
  for (const auto& n : names) {
    const torch::Tensor* t = find(in, n);
    if (!t) continue;
    if (b >= 0 && t->size(0) != b) return badInput(n, "has batch size " + std::to_string(t->size(0)) + ", expected " + std::to_string(b));
    b = t->size(0);
  }
  return {};
}

Status validate(const NamedTensors& in, const StampConfig& c) {
  STAMP_CHECK(checkTokens(in, "tokens", c.nTokens(), false));
  STAMP_CHECK(checkTokens(in, "pretrain_groups", c.nTokens(), false));
  STAMP_CHECK(checkTokens(in, "pretrain_masked", c.nTokens(), false));
  STAMP_CHECK(checkTokens(in, "pretrain_mlm_targets", c.nTokens(), true));
  STAMP_CHECK(checkImages(in, "images", 224));
  STAMP_CHECK(checkImages(in, "regions", 224));
  STAMP_CHECK(checkImages(in, "refs", 16));
  STAMP_CHECK(checkBatch(in, {"tokens", "images", "regions", "refs", "pos_labels"}));
  if (const torch::Tensor* p = find(in, "pos_labels")) {
    if (p->dim() != 1 || p->is_floating_point()) return badInput("pos_labels", "must be a 1-D integer tensor");
    if (p->numel() && (p->min().item<std::int64_t>() < 0 || p->max().item<std::int64_t>() > 8))
      return badInput("pos_labels", "must lie in [0, 9)");
  }
  return {};
}

bool hasAll(const NamedTensors& in, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (!in.count(n)) return false;
  return true;
}

void compute(Stamp& model, const NamedTensors& in, NamedTensors& out) {
  if (hasAll(in, {"tokens"})) {
    GeneEmbedding g = model->encodeGenes(in.at("tokens"));
    out["gene_features"] = g.feature, out["gene_emb"] = g.embedding;
    if (g.invalid.any().item<bool>()) out["gene_invalid"] = g.invalid.to(torch::kFloat);
  }
  if (hasAll(in, {"images"})) {
    ImageEmbedding v = model->encodeImages(in.at("images").to(torch::kFloat));
    out["image_features"] = v.feature, out["image_emb"] = v.embedding;
  }
  if (hasAll(in, {"regions", "refs"}))
    out["loc_logits"] = model->localize(in.at("regions").to(torch::kFloat), in.at("refs").to(torch::kFloat));
  if (hasAll(in, {"tokens", "images", "regions", "refs", "pos_labels"})) {
    AlignmentLosses l = model->losses(in.at("tokens"), in.at("images").to(torch::kFloat), in.at("regions").to(torch::kFloat),
                                      in.at("refs").to(torch::kFloat), in.at("pos_labels"));
    out["loss_patch_spot"] = l.patchSpot.reshape({1}), out["loss_patch_region"] = l.patchRegion.reshape({1});
    out["loss_region_spot"] = l.regionSpot.reshape({1}), out["loss_positioning"] = l.positioning.reshape({1});
    out["loss_total"] = l.total.reshape({1});
  }
  if (hasAll(in, {"pretrain_groups", "pretrain_masked", "pretrain_mlm_targets"})) {
    PretrainLosses p = model->pretrainLosses(in.at("pretrain_groups"), in.at("pretrain_masked"), in.at("pretrain_mlm_targets"));
    out["pretrain_mlm_loss"] = p.mlm.reshape({1}), out["pretrain_spatial_loss"] = p.spatial.reshape({1});
  }
}

}  // namespace

Result<NamedTensors> runTensors(Stamp& model, const NamedTensors& inputs, Precision precision) {
  STAMP_CHECK(validate(inputs, model->config()));
  const torch::Device device = model->parameters().front().device();
  STAMP_CHECK(checkPrecision(device, precision));
  NamedTensors out;
  try {
    NamedTensors onDevice;
    for (const auto& [name, t] : inputs) onDevice[name] = t.to(device);
    model->eval();
    torch::NoGradGuard ng;
    AutocastScope ac(device, precision);
    compute(model, onDevice, out);
  } catch (const c10::Error& e) {
    return makeError(ErrorCode::InvalidArgument, std::string("model run failed: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Internal, std::string("model run failed: ") + e.what());
  }
  if (out.empty())
    return makeError(ErrorCode::InvalidArgument, "no known input tensor (expected tokens, images, regions + refs, "
                     "pos_labels, pretrain_groups/pretrain_masked/pretrain_mlm_targets)");
  for (auto& [name, t] : out) {
    t = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
    if (!torch::isfinite(t).all().item<bool>())
      return makeError(ErrorCode::Numerical, "output '" + name + "' is not finite (NaN or Inf)");
  }
  return out;
}

bool isInputName(const std::string& name) {
  static const std::set<std::string> inputs = {"tokens", "images", "regions", "refs", "pos_labels",
                                               "pretrain_groups", "pretrain_masked", "pretrain_mlm_targets"};
  return inputs.count(name) > 0;
}

std::vector<OutputCheck> compareOutputs(const NamedTensors& ours, const NamedTensors& expected) {
  std::vector<OutputCheck> out;
  for (const auto& [name, ref] : expected) {
    if (isInputName(name)) continue;
    auto it = ours.find(name);
    OutputCheck c{name};
    if (it == ours.end()) {
      c.missing = true;
    } else if (it->second.sizes() != ref.sizes()) {
      c.shapeMatches = false;
    } else {
      const torch::Tensor r = ref.to(torch::kDouble), err = (it->second.to(torch::kDouble) - r).abs();
      const torch::Tensor scale = (r.abs() + r.abs().mean()).clamp_min(1e-30);
      c.maxAbsDiff = err.numel() ? err.max().item<double>() : 0.0;
      c.worstRelative = err.numel() ? (err / scale).max().item<double>() : 0.0;
    }
    out.push_back(c);
  }
  return out;
}

Result<StampConfig> resolveConfig(const std::filesystem::path& weightsPath, const WeightsFile& weights,
                                  const std::optional<std::filesystem::path>& explicitConfig) {
  if (explicitConfig) return readConfigFile(*explicitConfig);
  if (auto it = weights.metadata.find("stamp_config"); it != weights.metadata.end())
    return parseConfigJson(it->second, weightsPath.string() + " (metadata stamp_config)");
  if (auto it = weights.metadata.find("preset"); it != weights.metadata.end()) {
    auto c = presetByName(it->second);
    if (!c.ok()) return c.error().within(weightsPath.string() + " (metadata preset)");
    return c;
  }
  std::filesystem::path beside = weightsPath.parent_path() / "config.json";
  std::error_code ec;
  if (std::filesystem::exists(beside, ec)) return readConfigFile(beside);
  return makeError(ErrorCode::NotFound, "no model configuration: pass --config, or keep a config.json beside the "
                   "weights (the file's metadata has no stamp_config)", weightsPath.string());
}

Result<LoadedModel> loadModel(const std::filesystem::path& weightsPath,
                              const std::optional<std::filesystem::path>& configPath, const LoadOptions& options) {
  STAMP_ASSIGN(WeightsFile w, readWeights(weightsPath));
  STAMP_ASSIGN(StampConfig config, resolveConfig(weightsPath, w, configPath));
  LoadedModel m;
  m.config = config;
  try {
    m.model = Stamp(config);
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Io, std::string("cannot build the model (out of memory?): ") + e.what());
  }
  auto report = loadStateDict(m.model, w.tensors, options);
  if (!report.ok()) return report.error().within(weightsPath.string());
  m.report = std::move(report).value();
  m.model->eval();
  return m;
}

Result<NamedTensors> readTensorFile(const std::filesystem::path& path) {
  STAMP_ASSIGN(WeightsFile w, readSafetensors(path));
  NamedTensors out;
  for (auto& [name, t] : w.tensors) out[name] = t.is_floating_point() ? t : t.to(torch::kLong);
  return out;
}

Status writeTensorFile(const std::filesystem::path& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  StateDict sd(tensors.begin(), tensors.end());
  return writeSafetensors(path, sd, metadata);
}

}  // namespace stamp::core::model
