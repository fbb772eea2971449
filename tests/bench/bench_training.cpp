// Training: samples/s of one alignment training step (the four STAMP-SPEC §4 losses, backward,
// gradient clipping, AdamW) against the PyTorch reference (stamp_ref.py on /usr/bin/python3, the
// same LibTorch build) doing model.losses(...)["loss_total"].backward(), clip_grad_norm_ and
// torch.optim.AdamW.step() on the same batch, with the same hyper-parameters and threads.
//
// Ours is the trainer's real code: selectTrainable (scope "all"), the AdamW it builds, and per
// step what trainStep + runLoop do on one process: zero_grad, train(), toTensors (the copy of the
// loader's PairBatch into tensors), alignmentLosses, backward, the .item() of every logged term,
// clip_grad_norm_, opt.step(), under the allocator policy runTraining sets (alloc_policy.h; the
// reference is run both as is and with the same glibc malloc settings). Not timed: the data
// loader (it prefetches on other threads), the single-process all-reduce (a no-op) and
// metrics/checkpoint writing. The same step is also timed under bf16 autocast (the trainer's
// mixed_precision, which runs on a CPU with bf16 instructions and on CUDA).
//
// For `tiny` the reference writes its randomised weights and batch and ours loads them, so the
// first two steps are checked to give the same losses on both sides before anything is timed.
#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "bench_util.h"
#include "common/threads.h"
#include "data/loader.h"
#include "engine/alloc_policy.h"
#include "engine/train_config.h"
#include "engine/train_steps.h"
#include "model/autocast.h"
#include "model/load_weights.h"
#include "model/stamp_model.h"
#include "model/weights.h"

using namespace stamp;
using namespace stamp::core;
namespace fs = std::filesystem;

static const char* kPython = R"PY(
import sys, time, resource, torch
sys.path.insert(0, sys.argv[1])
import stamp_ref as R
preset, batch, threads = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lr, wd, clip, reps, out = float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8]), sys.argv[9]
torch.set_num_threads(threads)
c = R.PRESETS[preset]
gen = torch.Generator().manual_seed(7)
m = R.Stamp(c).train()
if out != '-':
    R.randomize(m, gen)  # weights large enough that a wrong operation shows in the check
L = c['context']
lengths = torch.randint(L // 4, L + 1, (batch,), generator=gen)  # as make_fixture
tokens = torch.zeros(batch, L, dtype=torch.int64)
for i, n in enumerate(lengths.tolist()):
    tokens[i, :n] = torch.randperm(c['n_genes'], generator=gen)[:n] + R.AUX
x = (tokens, torch.randn(batch, 3, 224, 224, generator=gen), torch.randn(batch, 3, 224, 224, generator=gen),
     torch.randn(batch, 3, 16, 16, generator=gen), torch.randint(0, 9, (batch,), generator=gen))
if out != '-':
    R.save_safetensors(m.state_dict(), out + '/model.safetensors')
    R.save_safetensors(dict(zip(['tokens', 'images', 'regions', 'refs', 'pos_labels'], x)), out + '/batch.safetensors')
params = [p for p in m.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, lr=lr, weight_decay=wd)
names = ['loss_total', 'loss_patch_spot', 'loss_patch_region', 'loss_region_spot', 'loss_positioning']
def step():
    opt.zero_grad()
    l = m.losses(*x)
    l['loss_total'].backward()
    if clip > 0:
        torch.nn.utils.clip_grad_norm_(params, clip)
    opt.step()
    return [float(l[k]) for k in names]
first, second = step(), step()
print('check', *first, second[0], flush=True)
best, f0 = 1e30, resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(reps):
    t0 = time.perf_counter(); step(); best = min(best, time.perf_counter() - t0)
print('time', best, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / reps)
print('rss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
)PY";

namespace {

struct Batch {
  torch::Tensor tokens, images, regions, refs, labels;
};

/// What one run of the reference printed (losses of steps 1 and 2, best step time, peak RSS).
struct RefRun {
  std::array<double, 5> first{};
  double second = 0, seconds = 0, faults = 0, rssMiB = 0;
  bool ok = false;
};

/// Our TrainingAllocatorScope's settings for a child process (mallopt does not pass on).
const char* kSameMalloc = "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=2147483647 ";

RefRun runReference(const fs::path& ref, const std::string& preset, int batch, int threads, const engine::TrainConfig& c,
                    int reps, const std::string& outDir, const std::string& env = {}) {
  const fs::path script = fs::temp_directory_path() / "stamp-bench-train.py";
  std::ofstream(script) << kPython;
  char hp[128];
  std::snprintf(hp, sizeof hp, " %g %g %g %d ", c.lr, c.weightDecay, c.gradClip, reps);
  const std::string cmd = env + "/usr/bin/python3 " + script.string() + " " + ref.string() + " " + preset + " " +
                          std::to_string(batch) + " " + std::to_string(threads) + hp + outDir;
  RefRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  auto& f = r.first;
  int got = std::fscanf(p, " check %lf %lf %lf %lf %lf %lf", &f[0], &f[1], &f[2], &f[3], &f[4], &r.second);
  got += std::fscanf(p, " time %lf %lf rss %lf", &r.seconds, &r.faults, &r.rssMiB);
  r.ok = pclose(p) == 0 && got == 9;
  return r;
}

Result<Batch> readBatch(const fs::path& file) {
  STAMP_ASSIGN(model::WeightsFile w, model::readWeights(file));
  std::map<std::string, torch::Tensor> t(w.tensors.begin(), w.tensors.end());
  if (t.size() != 5) return makeError(ErrorCode::Format, "expected 5 tensors", file.string());
  return Batch{t["tokens"], t["images"], t["regions"], t["refs"], t["pos_labels"]};
}

/// The same recipe as the reference's (make_fixture's) batch, from our own RNG (uni: no check).
Batch randomBatch(const model::StampConfig& c, int batch) {
  const std::int64_t L = c.context;
  auto lengths = torch::randint(L / 4, L + 1, {batch}, torch::kInt64);
  auto tokens = torch::zeros({batch, L}, torch::kInt64);
  for (int i = 0; i < batch; ++i) {
    const auto n = lengths[i].item<std::int64_t>();
    tokens[i].slice(0, 0, n).copy_(torch::randperm(c.nGenes, torch::kInt64).slice(0, 0, n) + 30);
  }
  return {tokens, torch::randn({batch, 3, 224, 224}), torch::randn({batch, 3, 224, 224}), torch::randn({batch, 3, 16, 16}),
          torch::randint(0, 9, {batch}, torch::kInt64)};
}

/// The loader's form of a batch (what the trainer's micro-step receives).
data::PairBatch toPairBatch(const Batch& x) {
  auto floats = [](const torch::Tensor& t) {
    auto c = t.contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  };
  data::PairBatch b;
  b.rows = int(x.tokens.size(0));
  b.context = int(x.tokens.size(1));
  auto tok = x.tokens.contiguous();
  b.tokens.assign(tok.data_ptr<std::int64_t>(), tok.data_ptr<std::int64_t>() + tok.numel());
  b.patches = floats(x.images);
  b.regions = floats(x.regions);
  b.refs = floats(x.refs);
  auto lab = x.labels.contiguous();
  b.cells.assign(lab.data_ptr<std::int64_t>(), lab.data_ptr<std::int64_t>() + lab.numel());
  b.hasCell.assign(std::size_t(b.rows), 1);
  return b;
}

/// Our trainer's optimiser state and one optimiser step of it (see the file comment).
struct OurTrainer {
  model::Stamp m;
  engine::TrainConfig cfg;
  std::vector<torch::Tensor> params;
  std::unique_ptr<torch::optim::AdamW> opt;
  model::Precision precision;  // Bf16: what the trainer's mixed_precision does

  OurTrainer(model::Stamp model, const engine::TrainConfig& c, model::Precision p = model::Precision::Fp32)
      : m(std::move(model)), cfg(c), precision(p) {
    params = engine::selectTrainable(m, engine::TrainScope::All, c.lastBlocks).value();
    opt = std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(c.lr).weight_decay(c.weightDecay));
  }

  std::array<double, 5> step(const data::PairBatch& b) {
    for (auto& g : opt->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(cfg.lr);
    opt->zero_grad();
    m->train();
    model::AlignmentLosses l = [&] {
      model::AutocastScope ac(torch::kCPU, precision);
      return engine::alignmentLosses(m, engine::toTensors(b, torch::kCPU));
    }();
    l.total.backward();
    std::array<double, 5> v{l.total.item<double>(), l.patchSpot.item<double>(), l.patchRegion.item<double>(),
                            l.regionSpot.item<double>(), l.positioning.item<double>()};
    if (cfg.gradClip > 0) torch::nn::utils::clip_grad_norm_(params, cfg.gradClip);
    opt->step();
    return v;
  }
};

long minorFaults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

/// Multiply-adds of our forward (3 ViT passes: images, regions + refs shared by the region and
/// positioning terms; the gene encoder), x2 for FLOPs, x3 for forward + backward.
double trainFlopsPerSample(const model::StampConfig& c) {
  const double n = 198, d = c.visDim;
  const double vit = c.visDepth * (n * (4 * d * d + 2 * d * c.visMlp) + 2 * n * n * d) + 196 * 3 * 256 * d;
  const double L = c.context, g = c.geneDim;
  const double gene = c.geneLayers * (L * (4 * g * g + 2 * g * c.geneFf) + 2 * L * L * g);
  return 3 * 2 * (3 * vit + gene);
}

void printCheck(const std::array<double, 5>& ours, double ours2, const RefRun& r) {
  const char* names[] = {"loss_total", "loss_patch_spot", "loss_patch_region", "loss_region_spot", "loss_positioning"};
  double worst = 0;
  for (int i = 0; i < 5; ++i) {
    std::printf("  step 1 %-18s ours %.6f  reference %.6f\n", names[i], ours[std::size_t(i)], r.first[std::size_t(i)]);
    worst = std::max(worst, std::abs(ours[std::size_t(i)] - r.first[std::size_t(i)]) / std::max(1.0, std::abs(r.first[std::size_t(i)])));
  }
  std::printf("  step 2 %-18s ours %.6f  reference %.6f\n", names[0], ours2, r.second);
  std::printf("  change over the first update:  ours %.6f  reference %.6f\n", ours2 - ours[0], r.second - r.first[0]);
  worst = std::max(worst, std::abs(ours2 - r.second) / std::max(1.0, std::abs(r.second)));
  std::printf("  same computation: %s (largest relative difference %.2e)\n", worst < 1e-4 ? "yes" : "NO", worst);
}

/// Our model on the batch: the reference's weights and batch for tiny, our init otherwise.
bool prepareOurs(const std::string& preset, int batch, bool check, const fs::path& dir, model::Stamp& m, Batch& x) {
  m = model::Stamp(model::presetByName(preset).value());
  if (!check) {
    x = randomBatch(m->config(), batch);
    return true;
  }
  auto w = model::readWeights(dir / "model.safetensors");
  auto bx = readBatch(dir / "batch.safetensors");
  if (!w || !bx || !model::loadStateDict(m, w->tensors)) return false;
  x = *bx;
  return true;
}

/// Best step time of ours after two steps (the check and warm-up, as on the reference side),
/// and the page faults per timed step.
std::pair<double, double> timeOurs(OurTrainer& ours, const data::PairBatch& pb, int reps, const RefRun* check) {
  const auto first = ours.step(pb);
  const double second = ours.step(pb)[0];
  if (check) printCheck(first, second, *check);
  const long f0 = minorFaults();
  const double t = bench::bestOf(reps, [&] { ours.step(pb); });
  return {t, double(minorFaults() - f0) / reps};
}

void compare(const std::string& preset, int batch, int reps, int threads, const fs::path& ref) {
  const engine::TrainConfig tc;  // the trainer's defaults: lr 1e-4, weight decay 1e-3, clip 1.0
  const bool check = preset == "tiny";
  const fs::path dir = fs::temp_directory_path() / "stamp-bench-train";
  fs::create_directories(dir);
  std::printf("\npreset %s, batch %d (rows), %d threads, AdamW lr %g weight decay %g, clip %g\n", preset.c_str(), batch,
              threads, tc.lr, tc.weightDecay, tc.gradClip);
  std::fflush(stdout);
  const std::string out = check ? dir.string() : "-";
  const RefRun r = runReference(ref, preset, batch, threads, tc, reps, out);
  // uni: one reference run and ours as the trainer runs it only (each step takes a minute here)
  const bool variants = check;
  const RefRun rm = variants ? runReference(ref, preset, batch, threads, tc, reps, out, kSameMalloc) : RefRun{};
  if (!r.ok) std::printf("  reference failed (needs /usr/bin/python3 with torch and %s)\n", ref.c_str());
  model::Stamp m{nullptr};
  Batch x;
  if ((check && !r.ok) || !prepareOurs(preset, batch, check, dir, m, x)) return (void)std::printf("  no input for ours\n");
  const data::PairBatch pb = toPairBatch(x);
  std::pair<double, double> plainRun{0, 0}, mixedRun{0, 0};
  model::StateDict start = model::modelStateDict(m);
  for (auto& kv : start) kv.second = kv.second.clone();
  if (variants) {
    {
      OurTrainer plain(m, tc);  // glibc's default policy: what the trainer did before alloc_policy.h
      plainRun = timeOurs(plain, pb, reps, nullptr);
    }
    (void)model::loadStateDict(m, start);  // the same starting point for the trainer's own run
  }
  {
    engine::TrainingAllocatorScope scope;
    OurTrainer mixed(m, tc, model::Precision::Bf16);  // mixed_precision: true
    mixedRun = timeOurs(mixed, pb, reps, nullptr);
  }
  (void)model::loadStateDict(m, start);
  const auto [tPlain, fPlain] = plainRun;
  engine::TrainingAllocatorScope scope;
  OurTrainer ours(m, tc);
  const auto [t, faults] = timeOurs(ours, pb, reps, check ? &r : nullptr);
  const double tCopy = bench::bestOf(reps, [&] { engine::toTensors(pb, torch::kCPU); });
  bench::row("ours: training step (as runTraining)", batch / t, "samples/s");
  bench::row("ours: of which PairBatch -> tensors copy", tCopy * 1e3, "ms");
  bench::row("ours: minor page faults per step", faults, "");
  bench::row("ours, mixed precision (bf16 autocast): training step", batch / mixedRun.first, "samples/s");
  bench::row("ours, mixed precision / fp32", t / mixedRun.first, "x");
  if (r.ok) bench::row("ours, mixed precision / reference (fp32)", r.seconds / mixedRun.first, "x");
  if (variants) {
    bench::row("ours, default malloc: training step", batch / tPlain, "samples/s");
    bench::row("ours, default malloc: minor page faults per step", fPlain, "");
    bench::row("ours, default malloc / reference (both default malloc)", r.ok ? r.seconds / tPlain : 0, "x");
  }
  if (r.ok) {
    bench::row("reference (PyTorch): training step", batch / r.seconds, "samples/s");
    bench::row("reference: minor page faults per step", r.faults, "");
    bench::row("training step, ours / reference", r.seconds / t, "x");
    bench::row("reference peak RSS", r.rssMiB, "MiB");
  }
  if (rm.ok) {
    bench::row("reference, our malloc settings: training step", batch / rm.seconds, "samples/s");
    bench::row("reference, our malloc settings: page faults per step", rm.faults, "");
    bench::row("training step, ours / reference with our malloc settings", rm.seconds / t, "x");
  }
  bench::row("ours: FLOP rate (3 ViT passes + gene encoder, fwd+bwd)", trainFlopsPerSample(m->config()) * batch / t / 1e9, "GFLOP/s");
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = setupComputeThreads(0);
  const fs::path ref = fs::path(STAMP_SOURCE_DIR).parent_path() / "shared/reference";
  compare("tiny", 32, 5, threads, ref);
  if (argc > 1 && std::string(argv[1]) == "--uni") compare("uni", 2, 1, threads, ref);
  bench::row("ours: peak RSS", bench::peakRssMiB(), "MiB");
  return 0;
}
