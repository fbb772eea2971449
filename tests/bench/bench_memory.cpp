// Memory and scaling: peak RSS of opening and panning far across slides of 10,000 to 100,000 px
// against a plain openslide_read_region loop; peak RSS of loading h5ad files of 1,000 to 100,000
// spots x 20,000 genes against the CSR's own bytes and anndata.read_h5ad, then tokenizing and
// gene-embedding them; time and memory growth fitted as log-log slopes. Every case runs in a
// child process (this binary, --child), so each peak is its own. Fixtures are generated into a
// temp folder and removed at the end (--keep keeps and reuses them). --quick: smaller sizes.
#include <sys/wait.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "common/threads.h"
#include "memory_cases.h"

using namespace stamp;
using namespace stamp::bench;
using namespace stamp::core;
namespace fs = std::filesystem;

namespace {

struct Figures {
  bool ok = false;
  std::map<std::string, double> v;
  std::vector<std::array<double, 3>> pan;  // fraction of the pan, RSS MiB, cache MiB
  double operator[](const std::string& k) const { return v.count(k) ? v.at(k) : std::nan(""); }
};

std::string quote(const std::string& s) { return "'" + s + "'"; }

/// Runs `cmd` and collects its "key value" and "pan_point f rss cache" lines.
Figures collect(const std::string& cmd) {
  Figures f;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return f;
  char line[512];
  while (std::fgets(line, sizeof line, p)) {
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "pan_point") {
      std::array<double, 3> a{};
      in >> a[0] >> a[1] >> a[2];
      f.pan.push_back(a);
    } else if (double x; in >> x) {
      f.v[key] = x;
    }
  }
  const int status = pclose(p);
  f.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return f;
}

Figures child(const std::vector<std::string>& args) {
  std::string cmd = quote(fs::read_symlink("/proc/self/exe").string()) + " --child";
  for (const auto& a : args) cmd += " " + quote(a);
  Figures f = collect(cmd);
  if (!f.ok) std::printf("  (case %s failed)\n", args[0].c_str());
  return f;
}

// The scanpy user's baseline: anndata.read_h5ad, peak RSS from the same getrusage.
const char* kAnndata = R"PY(
import sys, time, resource
import anndata
print('idle_peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
t0 = time.perf_counter(); a = anndata.read_h5ad(sys.argv[1]); t = time.perf_counter() - t0
print('load_s', t)
print('peak_rss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
)PY";

/// Least-squares slope of log(y) against log(x): the growth exponent.
double slope(const std::vector<double>& x, const std::vector<double>& y) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] > 0) || !(y[i] > 0)) continue;
    const double a = std::log(x[i]), b = std::log(y[i]);
    n += 1, sx += a, sy += b, sxx += a * a, sxy += a * b;
  }
  return n < 2 ? std::nan("") : (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

std::string shell(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char b[256];
    while (std::fgets(b, sizeof b, p)) out += b;
    pclose(p);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

double fileMiB(const fs::path& p) {
  std::error_code ec;
  auto s = fs::file_size(p, ec);
  return ec ? 0 : double(s) / (1 << 20);
}

struct Options {
  bool quick = false, keep = false;
  std::string only;  // one section: slides, spots or csc
  int threads = 1;  // compute threads of the gene encoder (see spots())
  fs::path dir = fs::temp_directory_path() / "stamp-bench-memory";
  fs::path vocab = fs::path(STAMP_SOURCE_DIR).parent_path() / "shared/data/stamp-vocab";
};

void slides(const Options& o, double idle) {
  const std::vector<std::int64_t> sides = o.quick ? std::vector<std::int64_t>{10000, 30000}
                                                  : std::vector<std::int64_t>{10000, 30000, 100000};
  std::printf("\n== Slides: open + first 1920x1080 view, then a full-resolution pan corner to corner\n"
              "   ours = openSlide + TiledSlide + TileCache of 384 MiB (the app's); baseline = "
              "openslide_read_region, each newly visible tile once\n");
  std::printf("%8s %8s %7s %9s %9s %9s %9s %9s %9s %9s\n", "side px", "file MiB", "gen s", "tiles", "1st ms",
              "1st base", "peak MiB", "base MiB", "pan s", "base s");
  std::vector<double> px, first, peak;
  for (auto side : sides) {
    const fs::path path = o.dir / ("slide-" + std::to_string(side) + ".tif");
    double g0 = now(), gen = 0;
    if (!fs::exists(path)) {
      if (!child({"gen-slide", path.string(), std::to_string(side)}).ok) continue;
      gen = now() - g0;
    }
    Figures ours = child({"slide-ours", path.string(), "384"}), raw = child({"slide-raw", path.string()});
    std::printf("%8lld %8.0f %7.1f %9.0f %9.0f %9.0f %9.0f %9.0f %9.1f %9.1f\n", (long long)side, fileMiB(path), gen,
                ours["tiles_read"], ours["first_view_ms"], raw["first_view_ms"], ours["peak_rss"], raw["peak_rss"],
                ours["pan_s"], raw["pan_s"]);
    std::printf("         RSS along the pan, ours (baseline): ");
    for (std::size_t i = 0; i < ours.pan.size(); ++i)
      std::printf("%.0f%% %.0f (%.0f)  ", ours.pan[i][0] * 100, ours.pan[i][1], i < raw.pan.size() ? raw.pan[i][1] : 0.0);
    std::printf("\n         cache at the end %.0f MiB\n", ours.pan.empty() ? 0.0 : ours.pan.back()[2]);
    px.push_back(double(side) * double(side));
    first.push_back(ours["first_view_ms"]);
    peak.push_back(ours["peak_rss"] - idle);
  }
  std::printf("growth vs slide pixels (log-log slope): first view time %.2f, peak RSS above idle %.2f\n",
              slope(px, first), slope(px, peak));
}

void spots(const Options& o, double idle) {
  const std::vector<std::int64_t> sizes = o.quick ? std::vector<std::int64_t>{1000, 3000, 10000}
                                                  : std::vector<std::int64_t>{1000, 3000, 10000, 30000, 50000, 100000};
  const bool vocab = fs::exists(o.vocab / "model.h5ad");
  if (!vocab) std::printf("\nskipped tokenize + embed: %s not found (load only)\n", o.vocab.c_str());
  const bool py = std::system("/usr/bin/python3 -c 'import anndata' 2>/dev/null") == 0;
  std::ofstream(o.dir / "anndata_load.py") << kAnndata;
  // One compute thread by default: on a shared machine OpenMP's spin-waiting threads, not the
  // encoder, become what is measured when another process holds a core (4x slower here).
  std::printf("\n== h5ad of N spots x 20,000 genes (~1,700 expressed per spot), written by writeH5ad\n"
              "   tokenize: maxLen 1,500 (uni context), all cores; embed: tiny gene encoder (random weights),\n"
              "   batch 256, %d compute thread(s); peaks and RSS in MiB, 'ad' = anndata.read_h5ad\n", o.threads);
  std::printf("%7s %6s %7s %8s %6s %6s %6s %5s %6s %6s %6s %6s %6s %6s %6s %6s\n", "spots", "nnz M", "CSR MiB",
              "file MiB", "load s", "peak", "after", "p/CSR", "tok s", "peak", "emb s", "peak", "after", "ad s",
              "ad pk", "ad idl");
  std::vector<double> n, load, tok, emb, loadMem, tokMem, embMem, adMem;
  for (auto size : sizes) {
    const fs::path path = o.dir / ("spots-" + std::to_string(size) + ".h5ad");
    if (!fs::exists(path) && !child({"gen-h5ad", path.string(), std::to_string(size), vocab ? o.vocab.string() : ""}).ok)
      continue;
    Figures f = child({"h5ad", path.string(), vocab ? o.vocab.string() : "", "embed", std::to_string(o.threads)});
    Figures a = py ? collect("/usr/bin/python3 " + quote((o.dir / "anndata_load.py").string()) + " " + quote(path.string()))
                   : Figures{};
    std::printf("%7lld %6.1f %7.0f %8.0f %6.2f %6.0f %6.0f %5.2f %6.2f %6.0f %6.1f %6.0f %6.0f %6.2f %6.0f %6.0f\n",
                (long long)size, f["nnz"] / 1e6, f["csr_mib"], fileMiB(path), f["load_s"], f["load_peak"], f["load_rss"],
                (f["load_peak"] - idle) / f["csr_mib"], f["tok_s"], f["tok_peak"], f["embed_s"], f["embed_peak"],
                f["embed_rss"], a["load_s"], a["peak_rss"], a["idle_peak"]);
    n.push_back(double(size)), load.push_back(f["load_s"]), tok.push_back(f["tok_s"]), emb.push_back(f["embed_s"]);
    loadMem.push_back(f["load_peak"] - idle), tokMem.push_back(f["tok_peak"] - idle);
    embMem.push_back(f["embed_peak"] - idle), adMem.push_back(a["peak_rss"] - a["idle_peak"]);
  }
  std::printf("idle child (libraries loaded, nothing read): %.0f MiB; peaks below are minus that for the slopes\n", idle);
  std::printf("growth vs spots (log-log slope): time load %.2f, tokenize %.2f, embed %.2f; peak RSS above idle: "
              "load %.2f, tokenize %.2f, embed %.2f, anndata load %.2f\n",
              slope(n, load), slope(n, tok), slope(n, emb), slope(n, loadMem), slope(n, tokMem), slope(n, embMem),
              slope(n, adMem));
}

// The same counts stored as CSC (what some scanpy pipelines write): read straight into CSR.
const char* kToCsc = R"PY(
import os, sys, anndata
a = anndata.read_h5ad(sys.argv[1]); a.X = a.X.tocsc()
a.write_h5ad(sys.argv[2] + ".partial"); os.replace(sys.argv[2] + ".partial", sys.argv[2])
)PY";

void cscLoad(const Options& o, double idle) {
  const std::int64_t size = o.quick ? 10000 : 50000;
  const fs::path csr = o.dir / ("spots-" + std::to_string(size) + ".h5ad");
  const fs::path csc = o.dir / ("spots-" + std::to_string(size) + "-csc.h5ad");
  std::printf("\n== the h5ad of %lld spots with X stored as CSC (converted by anndata) against the CSR file;\n"
              "   load only, peaks in MiB\n", (long long)size);
  if (!fs::exists(csr) && !child({"gen-h5ad", csr.string(), std::to_string(size), ""}).ok) return;
  std::ofstream(o.dir / "to_csc.py") << kToCsc;
  if (!fs::exists(csc) && std::system(("/usr/bin/python3 " + quote((o.dir / "to_csc.py").string()) + " " +
                                       quote(csr.string()) + " " + quote(csc.string())).c_str()) != 0) {
    std::printf("  skipped: anndata could not write the CSC file\n");
    return;
  }
  std::printf("%8s %7s %7s %6s %6s %5s\n", "X", "nnz M", "CSR MiB", "load s", "peak", "p/CSR");
  for (const auto& [name, path] : {std::pair{"CSR", csr}, std::pair{"CSC", csc}}) {
    Figures f = child({"h5ad", path.string(), "", "load", "1"});
    std::printf("%8s %7.1f %7.0f %6.2f %6.0f %5.2f\n", name, f["nnz"] / 1e6, f["csr_mib"], f["load_s"],
                f["load_peak"], (f["load_peak"] - idle) / f["csr_mib"]);
  }
}

int runChild(int argc, char** argv) {
  const std::string c = argv[2];
  auto arg = [&](int i) { return i < argc ? std::string(argv[i]) : std::string(); };
  int rc = 2;
  if (c == "idle") rc = 0;
  else if (c == "gen-slide") {
    const std::string err = mem::writeFastSlide(arg(3) + ".partial", std::atoll(argv[4]), std::atoll(argv[4]));
    if (err.empty()) fs::rename(arg(3) + ".partial", arg(3));
    rc = err.empty() ? 0 : (std::fprintf(stderr, "%s\n", err.c_str()), 1);
  } else if (c == "slide-ours") rc = mem::caseSlideOurs(arg(3), std::size_t(std::atoll(argv[4])));
  else if (c == "slide-raw") rc = mem::caseSlideRaw(arg(3));
  else if (c == "gen-h5ad") rc = mem::caseGenH5ad(arg(3), std::atoll(argv[4]), arg(5));
  else if (c == "h5ad") {
    setupComputeThreads(std::atoi(arg(6).c_str()));
    rc = mem::caseH5ad(arg(3), arg(4), arg(5) == "embed");
  }
  mem::emit("peak_rss", peakRssMiB());
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--child") return runChild(argc, argv);
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") o.quick = true;
    else if (a == "--keep") o.keep = true;
    else if (a == "--dir" && i + 1 < argc) o.dir = argv[++i];
    else if (a == "--threads" && i + 1 < argc) o.threads = std::atoi(argv[++i]);
    else if (a == "--only" && i + 1 < argc) o.only = argv[++i];
    else return std::fprintf(stderr, "usage: bench_memory [--quick] [--keep] [--dir FOLDER] [--threads N (0 = all)]"
                                     " [--only slides|spots|csc]\n"), 2;
  }
  fs::create_directories(o.dir);
  const double freeGiB = double(fs::space(o.dir).available) / (1 << 30);
  std::printf("machine: %d cores, %s; commit %s; fixtures in %s (%.0f GiB free)\n", hardwareThreads(),
              shell("awk '/MemTotal/ {printf \"%.0f GiB RAM\", $2/1048576}' /proc/meminfo").c_str(),
              shell("git -C " + quote(STAMP_SOURCE_DIR) + " rev-parse --short HEAD 2>/dev/null").c_str(), o.dir.c_str(), freeGiB);
  if (freeGiB < (o.quick ? 2 : 8)) return std::printf("skipped: not enough free disk for the fixtures\n"), 0;
  const double idle = child({"idle"})["peak_rss"];
  const double t0 = now();
  if (o.only.empty() || o.only == "slides") slides(o, idle);
  if (o.only.empty() || o.only == "spots") spots(o, idle);
  if (o.only.empty() || o.only == "csc") cscLoad(o, idle);
  std::printf("\ntotal %.0f s; load average %s\n", now() - t0, shell("cut -d' ' -f1-3 /proc/loadavg").c_str());
  if (!o.keep) fs::remove_all(o.dir);
  return 0;
}
