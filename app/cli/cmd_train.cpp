// stamp train: STAMP alignment fine-tuning, headless, on one process or many (torchrun/SLURM).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "common/threads.h"
#include "engine/trainer.h"

namespace stamp::app::cli {
using namespace stamp::core;

namespace {

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, std::fabs(v) < 1e-3 && v != 0 ? "%.2e" : "%.4f", v);
  return b;
}

/// One progress line per logged step: step, losses, lr, samples/s, ETA.
void printRow(const engine::MetricsRow& r, std::int64_t steps, double& etaBase, std::int64_t& stepBase) {
  std::string line = (r.phase == "val" ? "  validation @" : "step ") + std::to_string(r.step) + "/" + std::to_string(steps);
  for (const auto& [k, v] : r.values) {
    if (k == "samples_per_s" || k == "val_spots") continue;
    line += "  " + k + " " + fmt(v);
  }
  if (auto it = r.values.find("samples_per_s"); it != r.values.end()) {
    line += "  " + fmt(it->second) + " samples/s";
    const auto now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    if (stepBase >= 0 && r.step > stepBase) {
      const double perStep = (now - etaBase) / double(r.step - stepBase);
      line += "  ETA " + std::to_string(int(perStep * double(steps - r.step))) + " s";
    } else {
      stepBase = r.step;
      etaBase = now;
    }
  }
  std::cerr << line << "\n";
}

}  // namespace

/// Shared by `stamp train` (mode "align") and `stamp pretrain-genes` (mode "pretrain").
int runTrainingCommand(Args& a, const std::string& mode) {
  if (a.has("print-config")) {
    std::cout << engine::documentedDefaultConfig(mode) << "\n";
    return kOk;
  }
  auto env = engine::distEnvFromEnvironment();
  if (!env) return fail(env.error().describe());
  const bool resume = a.has("resume");
  std::string configPath = a.getOr("config", "");
  if (configPath.empty() && resume) configPath = (std::filesystem::path(*a.get("resume")) / "run.json").string();
  if (configPath.empty()) {
    std::cerr << "stamp: give --config RUN.json (see --print-config), or --resume DIR\n";
    return kUsage;
  }
  auto cfg = engine::readTrainConfig(configPath);
  if (!cfg) return fail(cfg.error().describe());
  if (cfg->mode != mode)
    return fail(configPath + ": field \"mode\" is \"" + cfg->mode + "\"; use `stamp " + (cfg->mode == "align" ? "train" : "pretrain-genes") + "`");
  if (resume) cfg->output = *a.get("resume");
  if (auto d = a.get("device")) cfg->device = *d;
  setupComputeThreads(cfg->threads);
  const bool root = env->rank == 0;
  double etaBase = 0;
  std::int64_t stepBase = -1;
  engine::TrainHooks hooks;
  const auto steps = cfg->steps;
  if (root) {
    hooks.onMetrics = [&](const engine::MetricsRow& r) { printRow(r, steps, etaBase, stepBase); };
    hooks.onMessage = [](const std::string& m) { std::cerr << "stamp: " << m << "\n"; };
    std::cerr << (mode == "align" ? "fine-tuning" : "pre-training") << " for " << steps << " steps into " << cfg->output
              << (env->worldSize > 1 ? " on " + std::to_string(env->worldSize) + " processes" : "") << "\n";
  }
  auto r = engine::runTraining(*cfg, *env, resume, hooks);
  if (!r) return fail(r.error().describe());
  if (root) {
    if (r->resumedFrom) std::cerr << "resumed from step " << r->resumeStep << "\n";
    std::cerr << (r->cancelled ? "cancelled at step " : "done: ") << r->step << " steps; "
              << (r->finalWeights.empty() ? "" : "weights " + r->finalWeights) << "\n";
  }
  return kOk;
}

static int runTrain(Args& a) { return runTrainingCommand(a, "align"); }

std::vector<OptionSpec> trainingOptions() {
  return {{"config", "RUN.json", "the run file (samples, model, hyper-parameters, output folder)"},
          {"resume", "DIR", "continue the run in DIR from its last checkpoint (its run.json unless --config)"},
          {"print-config", "", "print a documented default run file and exit"},
          {"device", "DEV", "cpu, cuda or cuda:N (overrides the run file)"}};
}

Command trainCommand() {
  return {"train", "fine-tune STAMP (alignment losses) from a run file; torchrun/SLURM multi-process aware",
          "--config RUN.json | --resume DIR | --print-config", trainingOptions(), 0, 0, runTrain};
}

}  // namespace stamp::app::cli
