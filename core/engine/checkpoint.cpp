#include "engine/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "model/config.h"
#include "model/load_weights.h"
#include "model/weights.h"

namespace stamp::core::engine {
namespace fs = std::filesystem;

namespace {

std::string stepName(std::int64_t step) {
  char b[32];
  std::snprintf(b, sizeof b, "step-%08lld", static_cast<long long>(step));
  return b;
}

Status writeState(const fs::path& dir, const TrainState& s) {
  nlohmann::json j = {{"step", s.step}, {"seed", s.seed}, {"loss_ema", s.lossEma}, {"loss_count", s.lossCount}};
  if (s.dataEpoch >= 0) j["data"] = {{"epoch", s.dataEpoch}, {"batch", s.dataBatch}, {"rows", s.dataRows}};
  return writeFileAtomic(dir / "state.json", j.dump(1));
}

/// Removes all but the newest `keep` step folders (and leftovers of interrupted writes).
void prune(const fs::path& root, int keep) {
  std::error_code ec;
  std::vector<fs::path> steps;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const auto name = e.path().filename().string();
    if (name.rfind("step-", 0) != 0) continue;
    if (name.find(".tmp") != std::string::npos) fs::remove_all(e.path(), ec);
    else steps.push_back(e.path());
  }
  std::sort(steps.begin(), steps.end());
  for (std::size_t i = 0; i + std::size_t(keep) < steps.size(); ++i) fs::remove_all(steps[i], ec);
}

}  // namespace

Status writeModelFiles(const fs::path& weightsPath, model::Stamp& m) {
  const std::string cfg = model::configToJson(m->config());
  STAMP_CHECK(model::writeSafetensors(weightsPath, model::modelStateDict(m), {{"stamp_config", cfg}}));
  return writeFileAtomic(weightsPath.parent_path() / "config.json", cfg);
}

Status saveCheckpoint(const fs::path& runDir, model::Stamp& m, torch::optim::Optimizer& opt, const TrainState& state,
                      int keep) {
  const fs::path root = runDir / "checkpoints";
  const fs::path final = root / stepName(state.step);
  const fs::path tmp = root / (stepName(state.step) + ".tmp" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(tmp, ec);
  if (ec) return makeError(ErrorCode::Io, "cannot create the checkpoint folder: " + ec.message(), tmp.string());
  STAMP_CHECK(writeModelFiles(tmp / "model.safetensors", m));
  try {
    torch::serialize::OutputArchive ar;
    opt.save(ar);
    ar.save_to((tmp / "optimizer.pt").string());
    torch::Tensor rng = at::detail::getDefaultCPUGenerator().get_state();
    torch::save(rng, (tmp / "rng.pt").string());
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Io, std::string("cannot write the optimiser state: ") + e.what(), tmp.string());
  }
  STAMP_CHECK(writeState(tmp, state));
  fs::remove_all(final, ec);
  fs::rename(tmp, final, ec);
  if (ec) return makeError(ErrorCode::Io, "cannot rename the checkpoint into place: " + ec.message(), final.string());
  nlohmann::json latest = {{"step", state.step}, {"dir", "checkpoints/" + stepName(state.step)}};
  STAMP_CHECK(writeFileAtomic(runDir / "latest.json", latest.dump()));
  prune(root, keep);
  return {};
}

Result<fs::path> latestCheckpoint(const fs::path& runDir) {
  const fs::path p = runDir / "latest.json";
  if (!fs::exists(p)) return makeError(ErrorCode::NotFound, "no checkpoint to resume from (latest.json is missing)", runDir.string());
  STAMP_ASSIGN(std::string text, readFile(p));
  try {
    auto j = nlohmann::json::parse(text);
    fs::path dir = runDir / j.at("dir").get<std::string>();
    if (!fs::exists(dir / "state.json")) return makeError(ErrorCode::NotFound, "the checkpoint latest.json names is incomplete", dir.string());
    return dir;
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Format, std::string("latest.json is corrupt: ") + e.what(), p.string());
  }
}

Result<TrainState> loadCheckpoint(const fs::path& dir, model::Stamp& m, torch::optim::Optimizer& opt) {
  STAMP_ASSIGN(model::WeightsFile w, model::readWeights(dir / "model.safetensors"));
  STAMP_CHECK(model::loadStateDict(m, w.tensors));
  STAMP_ASSIGN(std::string text, readFile(dir / "state.json"));
  TrainState s;
  try {
    auto j = nlohmann::json::parse(text);
    s.step = j.at("step").get<std::int64_t>();
    s.seed = j.at("seed").get<std::uint64_t>();
    s.lossEma = j.at("loss_ema").get<double>();
    s.lossCount = j.at("loss_count").get<std::int64_t>();
    if (j.contains("data")) {
      s.dataEpoch = j["data"].at("epoch").get<std::int64_t>();
      s.dataBatch = j["data"].at("batch").get<std::int64_t>();
      s.dataRows = j["data"].at("rows").get<std::int64_t>();
    }
    torch::serialize::InputArchive ar;
    ar.load_from((dir / "optimizer.pt").string());
    opt.load(ar);
    torch::Tensor rng;
    torch::load(rng, (dir / "rng.pt").string());
    {
      auto gen = at::detail::getDefaultCPUGenerator();
      gen.set_state(rng);
    }
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Format, std::string("the checkpoint is unreadable: ") + e.what(), dir.string());
  }
  return s;
}

}  // namespace stamp::core::engine
