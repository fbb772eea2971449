#include "model/load_weights.h"

#include <sstream>
#include <unordered_map>

namespace stamp::core::model {
namespace {

bool startsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

const std::string kVisionPrefix = "visual_backbone.base_model.";

// Keys a checkpoint may lack without harm (STAMP-SPEC §2, §6).
bool optionalKey(const std::string& k) {
  return startsWith(k, "spot_backbone.spatial_classifier_head.") || startsWith(k, "spot_backbone.encoder_layer.");
}

// A timm ViT state dict (UNI's own file) has cls_token/pos_embed/blocks.* at the top level.
bool isBareVit(const StateDict& sd) {
  bool cls = false, pos = false;
  for (const auto& [k, t] : sd) {
    if (startsWith(k, "visual_backbone.") || startsWith(k, "spot_backbone.")) return false;
    cls |= k == "cls_token";
    pos |= k == "pos_embed";
  }
  return cls && pos;
}

StateDict normalizeKeys(const StateDict& sd, LoadReport& report) {
  StateDict out = sd;
  bool allModule = !out.empty();
  for (const auto& [k, t] : out) allModule &= startsWith(k, "module.");
  if (allModule) {
    for (auto& [k, t] : out) k = k.substr(7);
    report.strippedModulePrefix = true;
  }
  if (isBareVit(out)) {
    for (auto& [k, t] : out) k = kVisionPrefix + k;
    report.backboneOnly = true;
  }
  return out;
}

std::string shapeText(const std::vector<std::int64_t>& s) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  return os.str() + "]";
}

std::string listSome(const std::vector<std::string>& v, std::size_t n = 3) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < n; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > n) out += ", ...";
  return out;
}

std::unordered_map<std::string, torch::Tensor> modelTensors(Stamp& model) {
  std::unordered_map<std::string, torch::Tensor> m;
  for (const auto& p : model->named_parameters()) m[p.key()] = p.value();
  for (const auto& b : model->named_buffers()) m[b.key()] = b.value();
  return m;
}

}  // namespace

std::string LoadReport::summary() const {
  std::ostringstream os;
  os << loaded.size() << " tensors loaded";
  if (backboneOnly) os << " (bare ViT file: vision backbone only)";
  if (strippedModulePrefix) os << " ('module.' prefix removed)";
  if (!missing.empty()) os << "; " << missing.size() << " missing (" << listSome(missing) << ")";
  if (!unexpected.empty()) os << "; " << unexpected.size() << " unexpected (" << listSome(unexpected) << ")";
  if (!shapeMismatch.empty()) {
    const auto& m = shapeMismatch.front();
    os << "; " << shapeMismatch.size() << " with the wrong shape (" << m.key << ": model " << shapeText(m.expected)
       << ", file " << shapeText(m.found) << (shapeMismatch.size() > 1 ? ", ..." : "") << ")";
  }
  if (!dtypeMismatch.empty()) os << "; " << dtypeMismatch.size() << " not floating point (" << listSome(dtypeMismatch) << ")";
  if (!optionalMissing.empty()) os << "; " << optionalMissing.size() << " optional keys absent, left initialised";
  return os.str();
}

Result<LoadReport> loadStateDict(Stamp& model, const StateDict& tensors, const LoadOptions& options) {
  LoadReport report;
  StateDict sd = normalizeKeys(tensors, report);
  auto target = modelTensors(model);
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
  std::unordered_map<std::string, bool> seen;
  for (const auto& [k, t] : sd) {
    auto it = target.find(k);
    if (it == target.end()) {
      report.unexpected.push_back(k);
      continue;
    }
    seen[k] = true;
    if (it->second.sizes() != t.sizes()) {
      report.shapeMismatch.push_back({k, it->second.sizes().vec(), t.sizes().vec()});
      continue;
    }
    if (it->second.is_floating_point() && !t.is_floating_point()) {
      report.dtypeMismatch.push_back(k);
      continue;
    }
    copies.emplace_back(it->second, t);
    report.loaded.push_back(k);
  }
  for (const auto& p : model->named_parameters()) {
    const std::string& k = p.key();
    if (seen.count(k)) continue;
    bool expectedAbsent = optionalKey(k) || (report.backboneOnly && !startsWith(k, kVisionPrefix));
    (expectedAbsent ? report.optionalMissing : report.missing).push_back(k);
  }
  if (!report.clean() && !options.partial)
    return makeError(ErrorCode::Mismatch, "the weights do not fit this model configuration: " + report.summary() +
                     " (check the config, or load partially)");
  torch::NoGradGuard ng;
  for (auto& [dst, src] : copies) dst.copy_(src.to(dst.options()));
  return report;
}

StateDict modelStateDict(Stamp& model) {
  StateDict out;
  for (const auto& p : model->named_parameters()) out.emplace_back(p.key(), p.value().detach().to(torch::kCPU).contiguous());
  for (const auto& b : model->named_buffers()) out.emplace_back(b.key(), b.value().detach().to(torch::kCPU).contiguous());
  return out;
}

}  // namespace stamp::core::model
