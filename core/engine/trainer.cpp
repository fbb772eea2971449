#include "engine/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/threads.h"
#include "engine/alloc_policy.h"
#include "engine/model_handle_impl.h"
#include "engine/train_session.h"
#include "model/autocast.h"
#include "model/load_weights.h"
#include "model/weights.h"
#include "st/vocabulary.h"

namespace stamp::core::engine {
namespace fs = std::filesystem;

double learningRate(const TrainConfig& c, std::int64_t step) {
  if (c.warmupSteps > 0 && step < c.warmupSteps) return c.lr * double(step + 1) / double(c.warmupSteps);
  const double span = double(std::max<std::int64_t>(1, c.steps - c.warmupSteps));
  const double t = std::clamp(double(step - c.warmupSteps) / span, 0.0, 1.0);
  return c.minLr + 0.5 * (c.lr - c.minLr) * (1 + std::cos(M_PI * t));
}

namespace {

Result<model::StampConfig> modelConfigOf(const TrainConfig& c) {
  const auto first = c.modelConfig.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && c.modelConfig[first] == '{') return model::parseConfigJson(c.modelConfig, "model.config");
  return model::readConfigFile(c.modelConfig);
}

Status buildModel(Session& s) {
  STAMP_ASSIGN(model::StampConfig mc, modelConfigOf(s.cfg));
  STAMP_ASSIGN(s.handle, ModelHandle::fromConfig(mc, s.cfg.seed, s.cfg.device));
  s.model = s.handle->impl().module;
  s.device = s.handle->impl().device;
  if (!s.cfg.initWeights.empty()) {
    STAMP_ASSIGN(model::WeightsFile w, model::readWeights(s.cfg.initWeights));
    model::LoadOptions lo;
    lo.partial = s.cfg.initPartial;
    auto r = model::loadStateDict(s.model, w.tensors, lo);
    if (!r) return r.error().within("model.init_weights " + s.cfg.initWeights);
  }
  STAMP_ASSIGN(s.params, selectTrainable(s.model, s.cfg.mode == "pretrain" && s.cfg.scope == TrainScope::All ? TrainScope::GeneOnly : s.cfg.scope, s.cfg.lastBlocks));
  s.opt = std::make_unique<torch::optim::AdamW>(s.params, torch::optim::AdamWOptions(s.cfg.lr).weight_decay(s.cfg.weightDecay));
  return {};
}

Status buildData(Session& s) {
  if (!s.cfg.corpus.empty()) return {};  // streamed: set up by setupCorpus*
  STAMP_ASSIGN(st::Vocabulary vocab, st::Vocabulary::load(s.cfg.vocab));
  if (int(vocab.size()) > s.model->config().nGenes)
    return makeError(ErrorCode::Mismatch, "the model has n_genes " + std::to_string(s.model->config().nGenes) + " but the vocabulary has " +
                                              std::to_string(vocab.size()) + " genes; set model.config n_genes to " + std::to_string(vocab.size()));
  for (std::size_t i = 0; i < s.cfg.samples.size(); ++i) {
    const auto& t = s.cfg.samples[i];
    data::SourceOptions so;
    so.context = s.model->config().context;
    so.mpp = t.mpp;
    so.slideId = t.slideId;
    auto src = data::openSource(t.st, t.slide, vocab, so);
    if (!src) return src.error().within("samples[" + std::to_string(i) + "]");
    s.sources.push_back(std::make_shared<const data::SampleSource>(std::move(src).value()));
  }
  data::SplitOptions so;
  so.mode = s.cfg.split == "slides" ? data::SplitOptions::Mode::Slides : data::SplitOptions::Mode::Blocks;
  so.valFraction = s.cfg.valFraction;
  so.blockSize = s.cfg.blockSize;
  so.seed = s.cfg.seed;
  s.split = data::splitSpots(s.sources, so);
  if (s.split.train.empty()) return makeError(ErrorCode::InvalidArgument, "no training spot is left after the validation split");
  s.hasValidation = !s.split.val.empty();
  s.trainRows = s.split.train.size();
  s.valRows = s.split.val.size();
  return {};
}

/// Averages gradients (and the loss values riding along) over ranks in one flat all-reduce.
Status reduceGradients(Session& s, std::vector<double>& values) {
  std::vector<torch::Tensor> parts;
  for (auto& p : s.params)
    if (p.grad().defined()) parts.push_back(p.grad().reshape(-1).to(torch::kFloat32));
  parts.push_back(torch::tensor(std::vector<float>(values.begin(), values.end())).to(s.device));
  if (s.env.worldSize > 1) {
    torch::Tensor flat = torch::cat(parts);
    STAMP_CHECK(s.comm->allReduceMean(flat));
    std::int64_t off = 0;
    for (auto& p : s.params)
      if (p.grad().defined()) {
        const auto n = p.grad().numel();
        p.mutable_grad().copy_(flat.slice(0, off, off + n).view_as(p.grad()));
        off += n;
      }
    auto v = flat.slice(0, off).to(torch::kCPU, torch::kDouble);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = v[std::int64_t(i)].item<double>();
  }
  return {};
}

Status checkpoint(Session& s) {
  if (!s.isRoot()) return {};
  if (s.saveDataState) s.saveDataState(s.state);
  STAMP_CHECK(s.log->flush());
  return saveCheckpoint(s.cfg.output, s.model, *s.opt, s.state, s.cfg.keepCheckpoints);
}

void emit(Session& s, const TrainHooks& h, const MetricsRow& row) {
  if (!s.isRoot()) return;
  s.log->add(row);
  if (h.onMetrics) h.onMetrics(row);
}

}  // namespace

Status runLoop(Session& s, const TrainHooks& h, TrainSummary& out);

Result<TrainSummary> runTraining(const TrainConfig& c, const DistEnv& env, bool resume, const TrainHooks& hooks) {
  STAMP_CHECK(validateTrainConfig(c));
  TrainingAllocatorScope allocScope;  // activations are reused step to step, not re-faulted
  Session s;
  s.cfg = c;
  s.env = env;
  if (c.threads > 0) setupComputeThreads(c.threads);
  STAMP_ASSIGN(s.comm, Communicator::connect(env, c.device));
  if (env.rank == 0) s.message = hooks.onMessage;
  try {
    STAMP_CHECK(buildModel(s));
    STAMP_CHECK(buildData(s));
    if (!c.corpus.empty()) STAMP_CHECK(c.mode == "pretrain" ? setupCorpusPretraining(s) : setupCorpusAlignment(s));
    else STAMP_CHECK(c.mode == "pretrain" ? setupPretraining(s) : setupAlignment(s));
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Internal, std::string("setting up training failed: ") + e.what());
  }
  std::error_code ec;
  fs::create_directories(c.output, ec);
  if (ec) return makeError(ErrorCode::Io, "cannot create the run folder: " + ec.message(), c.output);
  s.log = std::make_unique<MetricsLog>(fs::path(c.output) / "metrics.csv");
  s.state.seed = c.seed;
  TrainSummary out;
  out.worldSize = env.worldSize;
  out.trainSpots = s.trainRows;
  out.valSpots = s.valRows;
  if (resume) {
    STAMP_ASSIGN(fs::path dir, latestCheckpoint(c.output));
    STAMP_ASSIGN(s.state, loadCheckpoint(dir, s.model, *s.opt));
    if (s.restoreDataState) STAMP_CHECK(s.restoreDataState(s.state));
    STAMP_CHECK(s.log->resume(s.state.step));
    if (s.isRoot() && hooks.onHistory) hooks.onHistory(s.log->rows());
    out.resumedFrom = true;
    out.resumeStep = s.state.step;
  } else {
    if (s.isRoot()) STAMP_CHECK(writeFileAtomic(fs::path(c.output) / "run.json", trainConfigToJson(c)));
    for (auto& p : s.model->parameters()) {
      torch::NoGradGuard ng;
      auto t = p.detach();
      STAMP_CHECK(s.comm->broadcast(t));  // every rank starts from rank 0's weights
    }
  }
  // On a CPU, bf16 pays only with bf16 instructions (~2x a step here); emulated, it costs.
  const bool slowCpu = s.device.is_cpu() && !model::cpuComputesBf16();
  if (c.mixedPrecision && slowCpu && s.isRoot() && hooks.onMessage)
    hooks.onMessage("this processor has no bf16 instructions (AVX512_BF16 or AMX): mixed precision would be slower; training in fp32");
  s.autocast = c.mixedPrecision && !slowCpu;
  try {
    STAMP_CHECK(runLoop(s, hooks, out));
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Internal, std::string("training failed: ") + e.what());
  }
  return out;
}

namespace {

Result<std::vector<double>> trainStep(Session& s, std::int64_t step, std::vector<std::string>& names, std::int64_t& rows) {
  for (auto& g : s.opt->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(learningRate(s.cfg, step));
  s.opt->zero_grad();
  s.model->train();
  std::vector<double> values;
  for (int a = 0; a < s.cfg.gradAccum; ++a) {
    auto r = [&] {
      model::AutocastScope ac(s.device, s.precision());
      return s.micro(step * s.cfg.gradAccum + a, step);
    }();
    if (!r) return r.error();
    (r->total / double(s.cfg.gradAccum)).backward();
    rows += r->rows;
    if (names.empty()) {
      names.push_back("loss_total");
      for (auto& [k, v] : r->terms) names.push_back(k);
      values.assign(names.size(), 0.0);
    }
    values[0] += r->total.item<double>() / s.cfg.gradAccum;
    std::size_t i = 1;
    for (auto& [k, v] : r->terms) values[i++] += v.item<double>() / s.cfg.gradAccum;
  }
  STAMP_CHECK(reduceGradients(s, values));
  return values;
}

}  // namespace

Status runLoop(Session& s, const TrainHooks& h, TrainSummary& out) {
  const auto& c = s.cfg;
  if (h.progress) h.progress->begin("training", c.steps);
  if (h.progress) h.progress->advance(s.state.step);
  auto t0 = std::chrono::steady_clock::now();
  std::int64_t rowsSince = 0;
  while (s.state.step < c.steps) {
    const std::int64_t step = s.state.step;
    if (h.progress && h.progress->token().cancelled()) {
      STAMP_CHECK(checkpoint(s));
      out.cancelled = true;
      out.step = step;
      return {};
    }
    std::vector<std::string> names;
    STAMP_ASSIGN(std::vector<double> values, trainStep(s, step, names, rowsSince));
    const double total = values[0];
    const bool exploded = s.state.lossCount >= 10 && total > c.explodeFactor * std::max(s.state.lossEma, 1e-6);
    if (!std::isfinite(total) || exploded)
      return makeError(ErrorCode::Numerical, std::string(exploded ? "the loss exploded" : "the loss became NaN/Inf") + " at step " +
                                                 std::to_string(step + 1) + " (" + std::to_string(total) + "); stopped without " +
                                                 "updating the weights, the last checkpoint in " + c.output + " is intact", c.output);
    double norm = 0;
    if (c.gradClip > 0) norm = torch::nn::utils::clip_grad_norm_(s.params, c.gradClip);
    if (!std::isfinite(norm))
      return makeError(ErrorCode::Numerical, "the gradient norm became NaN/Inf at step " + std::to_string(step + 1) +
                                                 "; the last checkpoint in " + c.output + " is intact", c.output);
    s.opt->step();
    s.state.step = step + 1;
    s.state.lossEma = s.state.lossCount == 0 ? total : 0.95 * s.state.lossEma + 0.05 * total;
    ++s.state.lossCount;
    if (s.state.step % c.logEvery == 0 || s.state.step == c.steps) {
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      MetricsRow row{s.state.step, "train", {}};
      for (std::size_t i = 0; i < names.size(); ++i) row.values[names[i]] = values[i];
      row.values["lr"] = learningRate(c, step);
      if (c.gradClip > 0) row.values["grad_norm"] = norm;
      row.values["samples_per_s"] = secs > 0 ? double(rowsSince) * s.env.worldSize / secs : 0;
      emit(s, h, row);
      t0 = std::chrono::steady_clock::now();
      rowsSince = 0;
    }
    const bool last = s.state.step == c.steps;
    if (s.isRoot() && ((c.validateEvery > 0 && s.state.step % c.validateEvery == 0) || last) && s.hasValidation) {
      STAMP_ASSIGN(MetricsRow v, s.validate());
      v.step = s.state.step;
      out.lastValidation = v;
      emit(s, h, v);
    }
    if (s.state.step % c.checkpointEvery == 0 || last) STAMP_CHECK(checkpoint(s));
    if (h.progress) h.progress->advance(1);
    if (h.haltAfterStep >= 0 && s.state.step >= h.haltAfterStep) {
      out.step = s.state.step;
      return {};
    }
  }
  out.step = s.state.step;
  if (s.isRoot()) {
    const fs::path w = fs::path(c.output) / "model.safetensors";
    STAMP_CHECK(writeModelFiles(w, s.model));
    out.finalWeights = w.string();
  }
  return s.comm->barrier();
}

}  // namespace stamp::core::engine
