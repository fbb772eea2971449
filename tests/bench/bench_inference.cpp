// Inference: images/s of our forward pass against the PyTorch reference (stamp_ref.py on
// /usr/bin/python3, the same LibTorch build, same threads, same batch), the forward's FLOP rate
// as a fraction of this CPU's measured matmul peak, and our end-to-end embedding of the demo
// sample (decode + crop + forward).
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "bench_util.h"
#include "common/threads.h"
#include "demo/demo.h"
#include "engine/embedder.h"
#include "model/stamp_model.h"
#include "slide/slide_reader.h"
#include "st/open_spatial.h"

using namespace stamp;
using namespace stamp::core;
namespace fs = std::filesystem;

static const char* kPython = R"PY(
import sys, time, torch
sys.path.insert(0, sys.argv[1])
import stamp_ref
preset, batch, threads = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
c = stamp_ref.PRESETS[preset]
m = stamp_ref.Stamp(c).eval()
tokens = torch.randint(30, c['n_genes'] + 30, (batch, c['context']))
images = torch.randn(batch, 3, 224, 224)
best_i, best_g = 1e30, 1e30
with torch.inference_mode():
    m.visual_backbone(images)
    for _ in range(3):
        t0 = time.perf_counter(); m.visual_backbone(images); best_i = min(best_i, time.perf_counter() - t0)
        t0 = time.perf_counter(); m.spot_backbone.feature(tokens); best_g = min(best_g, time.perf_counter() - t0)
print(best_i, best_g)
)PY";

/// Multiply-adds of one ViT forward (dense layers + attention), x2 for FLOPs.
static double vitFlops(const model::StampConfig& c) {
  const double n = 198, d = c.visDim;
  const double perBlock = n * (4 * d * d + 2 * d * c.visMlp) + 2 * n * n * d;
  return 2 * (c.visDepth * perBlock + 196 * 3 * 256 * d);
}

static double matmulPeak() {
  auto a = torch::randn({2048, 2048}), b = torch::randn({2048, 2048});
  torch::mm(a, b);
  double t = bench::bestOf(5, [&] { torch::mm(a, b); });
  return 2.0 * 2048 * 2048 * 2048 / t;
}

static void compare(const std::string& preset, int batch, int threads, const fs::path& ref) {
  auto cfg = model::presetByName(preset).value();
  model::Stamp m(cfg);
  m->eval();
  c10::InferenceMode guard;
  auto images = torch::randn({batch, 3, 224, 224});
  auto tokens = torch::randint(30, cfg.nGenes + 30, {batch, cfg.context}, torch::kInt64);
  m->encodeImages(images);
  double ti = bench::bestOf(3, [&] { m->visual_backbone(images); });
  double tg = bench::bestOf(3, [&] { m->spot_backbone->feature(tokens); });
  const std::string cmd = "/usr/bin/python3 " + (fs::temp_directory_path() / "stamp-bench-inf.py").string() + " " +
                          ref.string() + " " + preset + " " + std::to_string(batch) + " " + std::to_string(threads);
  FILE* p = popen(cmd.c_str(), "r");
  double ri = 0, rg = 0;
  bool okRef = p && std::fscanf(p, "%lf %lf", &ri, &rg) == 2;
  if (p) pclose(p);
  std::printf("\npreset %s, batch %d, %d threads\n", preset.c_str(), batch, threads);
  bench::row("ours: image encoder", batch / ti, "images/s");
  bench::row("ours: gene encoder", batch / tg, "spots/s");
  if (okRef) {
    bench::row("reference (PyTorch): image encoder", batch / ri, "images/s");
    bench::row("reference (PyTorch): gene encoder", batch / rg, "spots/s");
    bench::row("image encoder, ours / reference", ri / ti, "x");
    bench::row("gene encoder, ours / reference", rg / tg, "x");
  }
  const double peak = matmulPeak();
  bench::row("matmul peak (2048^3 sgemm)", peak / 1e9, "GFLOP/s");
  bench::row("image encoder FLOP rate", vitFlops(cfg) * batch / ti / 1e9, "GFLOP/s");
  bench::row("fraction of matmul peak", vitFlops(cfg) * batch / ti / peak, "");
}

static void endToEnd(int threads) {
  demo::DemoOptions o;
  o.width = 8000;
  o.height = 6000;
  auto paths = demo::ensureDemoSample(demo::defaultDemoCacheRoot(), o);
  if (!paths) return;
  auto sample = st::openSpatial(paths->outsDir);
  auto slide = slide::openSlide(paths->slide);
  auto model = engine::ModelHandle::fromConfig(model::presetTiny(), 0);
  if (!sample || !slide || !model) return;
  engine::EmbedOptions eo;
  double t = bench::bestOf(2, [&] { (void)engine::embedSpots(**model, *sample, **slide, nullptr, eo); });
  std::printf("\nend to end, tiny, demo sample %zu spots (%d threads)\n", sample->spotCount(), threads);
  bench::row("ours: decode + crop + image forward", double(sample->spotCount()) / t, "spots/s");
}

int main(int argc, char** argv) {
  const int threads = setupComputeThreads(0);
  fs::path ref = fs::path(STAMP_SOURCE_DIR).parent_path() / "shared/reference";
  std::ofstream(fs::temp_directory_path() / "stamp-bench-inf.py") << kPython;
  compare("tiny", 32, threads, ref);
  if (argc > 1 && std::string(argv[1]) == "--uni") compare("uni", 4, threads, ref);
  endToEnd(threads);
  bench::row("peak RSS", bench::peakRssMiB(), "MiB");
  return 0;
}
