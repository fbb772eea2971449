// Tokenizer: spots/s of ours against the reference tokenizer (stamp_ref.py, numpy) on the same
// input (default 5,000 spots x the 20,310 template genes, ~10% non-zero, NB counts).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench_util.h"
#include "st/open_spatial.h"
#include "st/tokenizer.h"

using namespace stamp;
using namespace stamp::core;
namespace fs = std::filesystem;

static const char* kPython = R"PY(
import sys, time, h5py, numpy as np
sys.path.insert(0, sys.argv[1])
import stamp_ref
vocab, out, n_spots = sys.argv[2], sys.argv[3], int(sys.argv[4])
with h5py.File(vocab + '/model.h5ad') as f:
    ids = f['var'][f['var'].attrs['_index']][:]
rng = np.random.default_rng(0)
dense = (rng.random((n_spots, len(ids))) < 0.1) * rng.negative_binomial(2, 0.4, (n_spots, len(ids)))
dense = dense.astype(np.float64)
with h5py.File(out, 'w') as o:
    m = o.create_group('matrix'); nz = [np.nonzero(r)[0] for r in dense]
    m['barcodes'] = np.array([b'S%06d-1' % i for i in range(n_spots)])
    m['data'] = np.concatenate([dense[i, z] for i, z in enumerate(nz)]).astype(np.int32)
    m['indices'] = np.concatenate(nz).astype(np.int64)
    m['indptr'] = np.concatenate([[0], np.cumsum([len(z) for z in nz])]).astype(np.int64)
    m['shape'] = np.array([len(ids), n_spots], dtype=np.int32)
    ft = m.create_group('features'); ft['id'] = ids; ft['name'] = ids
    ft['feature_type'] = np.array([b'Gene Expression'] * len(ids)); ft['genome'] = np.array([b'GRCh38'] * len(ids))
means = np.load(vocab + '/Visium_mean.npy')
best = 1e30
for _ in range(2):
    t0 = time.perf_counter(); stamp_ref.tokenize(dense, means, 4096); best = min(best, time.perf_counter() - t0)
print(best)
)PY";

int main(int argc, char** argv) {
  const int spots = argc > 1 ? std::atoi(argv[1]) : 5000;
  fs::path src = fs::path(STAMP_SOURCE_DIR), shared = src.parent_path() / "shared";
  fs::path vocabDir = shared / "data/stamp-vocab";
  if (!fs::exists(vocabDir / "model.h5ad")) {
    std::printf("skipped: %s not found\n", vocabDir.c_str());
    return 0;
  }
  fs::path dir = fs::temp_directory_path() / "stamp-bench-tok";
  fs::create_directories(dir);
  const auto ref = bench::runPython("stamp-bench-tok.py", kPython,
                                    {(shared / "reference").string(), vocabDir.string(), (dir / "m.h5").string(),
                                     std::to_string(spots)}, 1);
  if (ref.empty()) {
    std::printf("reference run failed\n");
    return 1;
  }
  const double tRef = ref[0];
  auto sample = st::openSpatial((dir / "m.h5").string());
  auto vocab = st::Vocabulary::load(vocabDir.string());
  if (!sample || !vocab) {
    std::printf("cannot read input: %s\n", (sample ? vocab.error() : sample.error()).describe().c_str());
    return 1;
  }
  double tOurs = bench::bestOf(3, [&] { (void)st::tokenize(*sample, *vocab); });
  st::TokenizeOptions one;
  one.threads = 1;
  double tOurs1 = bench::bestOf(3, [&] { (void)st::tokenize(*sample, *vocab, one); });
  std::printf("%d spots x %zu genes, %lld non-zero counts\n", spots, vocab->size(), (long long)sample->counts.nnz());
  bench::row("reference tokenize (numpy)", spots / tRef, "spots/s");
  bench::row("ours, 1 thread", spots / tOurs1, "spots/s");
  bench::row("ours, all cores", spots / tOurs, "spots/s");
  bench::row("speed-up, 1 thread / reference", tRef / tOurs1, "x");
  bench::row("speed-up, all cores / reference", tRef / tOurs, "x");
  fs::remove_all(dir);
  return 0;
}
