#include "demo/demo.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include "common/parallel.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "demo/demo_internal.h"
#include "demo/gene_table.h"
#include "st/h5ad.h"
#include "st/space_ranger.h"

namespace stamp::core::demo {
namespace fs = std::filesystem;

Status validateDemoOptions(const DemoOptions& o) {
  if (o.width < 512 || o.width > 200000)
    return makeError(ErrorCode::InvalidArgument, "width must be 512..200000 px, got " + std::to_string(o.width));
  if (o.height < 512 || o.height > 200000)
    return makeError(ErrorCode::InvalidArgument, "height must be 512..200000 px, got " + std::to_string(o.height));
  if (!(o.mpp >= 0.1 && o.mpp <= 5.0))
    return makeError(ErrorCode::InvalidArgument, "pixel size (mpp) must be 0.1..5 um per pixel");
  if (o.threads < 0 || o.threads > 256)
    return makeError(ErrorCode::InvalidArgument, "threads must be 0 (all) .. 256");
  return {};
}

DemoPaths demoPathsFor(const std::string& rootPath) {
  fs::path root = fs::absolute(rootPath).lexically_normal();
  DemoPaths p;
  auto at = [&](const fs::path& rel) { return (root / rel).string(); };
  p.root = root.string();
  p.slide = at("demo.tif");
  p.outsDir = at("outs");
  p.filteredH5 = at("outs/filtered_feature_bc_matrix.h5");
  p.rawH5 = at("outs/raw_feature_bc_matrix.h5");
  p.positionsCsv = at("outs/spatial/tissue_positions.csv");
  p.scalefactorsJson = at("outs/spatial/scalefactors_json.json");
  p.hiresPng = at("outs/spatial/tissue_hires_image.png");
  p.lowresPng = at("outs/spatial/tissue_lowres_image.png");
  p.hestRoot = at("hest");
  p.h5ad = at("hest/st/demo.h5ad");
  p.hestSlide = at("hest/wsis/demo.tif");
  p.hestMetadataCsv = at("hest/HEST_v1_demo.csv");
  p.manifest = at("demo_manifest.json");
  return p;
}

namespace {

std::vector<std::string> manifestFiles(const DemoPaths& p) {
  return {p.slide, p.filteredH5, p.rawH5, p.positionsCsv, p.scalefactorsJson, p.hiresPng,
          p.lowresPng, p.h5ad, p.hestSlide, p.hestMetadataCsv};
}

nlohmann::json optionsJson(const DemoOptions& o) {
  return {{"seed", o.seed}, {"width", o.width}, {"height", o.height}, {"mpp", o.mpp}};
}

Status writeManifest(const DemoPaths& p, const DemoOptions& o, const st::SpatialSample& filtered,
                     std::size_t allSpots) {
  nlohmann::json files = nlohmann::json::object();
  for (const std::string& f : manifestFiles(p)) {
    std::error_code ec;
    auto size = fs::file_size(f, ec);
    if (ec) return makeError(ErrorCode::Io, "missing after writing: " + ec.message(), f);
    files[fs::relative(f, p.root).generic_string()] = size;
  }
  nlohmann::json m = {{"format", "stamp-studio-demo"}, {"version", 1}, {"options", optionsJson(o)},
                      {"spots", allSpots}, {"spots_in_tissue", filtered.spots.size()},
                      {"genes", filtered.genes.size()}, {"files", files}};
  return writeFileAtomic(p.manifest, m.dump(2) + "\n");
}

Status linkOrCopy(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (!ec) return {};
  return writeViaTemp(to, [&](const fs::path& tmp) -> Status {
    std::error_code ec2;
    fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec2);
    if (ec2) return makeError(ErrorCode::Io, "cannot copy the slide: " + ec2.message(), to);
    return {};
  });
}
}  // namespace

namespace {

Status writeContents(const DemoPaths& p, const DemoOptions& o, ProgressReporter* progress) {
  std::error_code ec;
  for (const char* d : {"outs/spatial", "hest/st", "hest/wsis"}) {
    fs::create_directories(fs::path(p.root) / d, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot create folder: " + ec.message(), p.root);
  }
  TissueModel model(o.seed, o.width, o.height, o.mpp);
  int threads = o.threads > 0 ? o.threads : hardwareThreads();
  STAMP_ASSIGN(PyramidInfo info, writeDemoSlide(p.slide, model, threads, progress));
  if (progress) STAMP_CHECK(progress->check());
  SimulatedSpots sim = simulateSpots(model, progress);
  if (progress) STAMP_CHECK(progress->check());
  if (progress) progress->begin("Writing files", 7);
  auto step = [&] { if (progress) progress->advance(); };
  std::vector<bool> all(sim.spots.size(), true), inTissue;
  for (const st::Spot& s : sim.spots) inTissue.push_back(s.inTissue);
  st::SpatialSample filtered = makeSample(model, sim, inTissue, p);
  st::SpatialSample raw = makeSample(model, sim, all, p);
  STAMP_CHECK(st::writeSpaceRangerOuts(p.outsDir, filtered));
  step();
  STAMP_CHECK(st::write10xH5(p.rawH5, raw));
  // Space Ranger lists every spot of the capture area, in tissue or not.
  STAMP_CHECK(writeFileAtomic(p.positionsCsv, st::formatTissuePositions(raw.spots)));
  step();
  STAMP_CHECK(writeSpatialImages(info, model, p));
  step();
  STAMP_CHECK(st::writeH5ad(p.h5ad, filtered));
  step();
  STAMP_CHECK(linkOrCopy(p.slide, p.hestSlide));
  STAMP_CHECK(writeFileAtomic(p.hestMetadataCsv, hestMetadataCsv(model, p.hestId)));
  step();
  return writeManifest(p, o, filtered, sim.spots.size());
}

bool isDemoFolder(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "demo_manifest.json", ec);
}

// Moves the finished `partial` folder to `target`, replacing an empty folder or an earlier demo.
Status publish(const fs::path& partial, const fs::path& target) {
  std::error_code ec;
  if (fs::exists(target, ec)) {
    bool empty = fs::is_directory(target, ec) && fs::is_empty(target, ec);
    if (!empty && !isDemoFolder(target))
      return makeError(ErrorCode::InvalidArgument,
                       "the output folder exists and is not a demo sample; not overwriting it", target.string());
    fs::path old = target.string() + ".old-" + std::to_string(::getpid());
    fs::rename(target, old, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot move the previous sample away: " + ec.message(), target.string());
    fs::rename(partial, target, ec);
    if (ec) {
      std::error_code ignore;
      fs::rename(old, target, ignore);
      return makeError(ErrorCode::Io, "cannot move the sample into place: " + ec.message(), target.string());
    }
    fs::remove_all(old, ec);
    return {};
  }
  fs::rename(partial, target, ec);
  if (ec) return makeError(ErrorCode::Io, "cannot move the sample into place: " + ec.message(), target.string());
  return {};
}

}  // namespace

Result<DemoPaths> writeDemoSample(const std::string& outDir, const DemoOptions& options,
                                  ProgressReporter* progress) {
  STAMP_CHECK(validateDemoOptions(options));
  if (outDir.empty()) return makeError(ErrorCode::InvalidArgument, "no output folder given");
  fs::path target = fs::absolute(outDir).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  std::error_code ec;
  if (fs::exists(target, ec) && !fs::is_directory(target, ec))
    return makeError(ErrorCode::InvalidArgument, "the output path exists and is not a folder", target.string());
  fs::create_directories(target.parent_path(), ec);
  if (ec) return makeError(ErrorCode::Io, "cannot create the parent folder: " + ec.message(), target.string());
  fs::path partial = target.string() + ".partial-" + std::to_string(::getpid());
  fs::remove_all(partial, ec);
  Status st = writeContents(demoPathsFor(partial.string()), options, progress);
  if (st.ok()) st = publish(partial, target);
  if (!st.ok()) {
    fs::remove_all(partial, ec);
    return st.error();
  }
  return demoPathsFor(target.string());
}

std::string defaultDemoCacheRoot() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return (fs::path(x) / "stamp-studio").string();
  if (const char* h = std::getenv("HOME"); h && *h) return (fs::path(h) / ".cache" / "stamp-studio").string();
  return (fs::temp_directory_path() / "stamp-studio-cache").string();
}

std::string demoFolderName(const DemoOptions& o) {
  std::ostringstream os;
  os << "demo-" << o.seed << "-" << o.width << "x" << o.height;
  if (o.mpp != 0.5) os << "-" << o.mpp << "um";
  return os.str();
}

namespace {

bool isCompleteFor(const DemoPaths& p, const DemoOptions& o) {
  auto text = readFile(p.manifest);
  if (!text.ok()) return false;
  auto m = nlohmann::json::parse(*text, nullptr, false);
  if (m.is_discarded() || !m.is_object() || m.value("format", "") != "stamp-studio-demo") return false;
  if (!m.contains("options") || m["options"] != optionsJson(o) || !m.contains("files")) return false;
  for (const std::string& f : manifestFiles(p)) {
    std::string rel = fs::relative(f, p.root).generic_string();
    std::error_code ec;
    auto size = fs::file_size(f, ec);
    if (ec || !m["files"].contains(rel) || m["files"][rel] != size) return false;
  }
  return true;
}

}  // namespace

Result<DemoPaths> ensureDemoSample(const std::string& cacheRoot, const DemoOptions& options,
                                   ProgressReporter* progress) {
  STAMP_CHECK(validateDemoOptions(options));
  fs::path dir = fs::path(cacheRoot.empty() ? defaultDemoCacheRoot() : cacheRoot) / demoFolderName(options);
  DemoPaths p = demoPathsFor(dir.string());
  if (isCompleteFor(p, options)) return p;
  return writeDemoSample(dir.string(), options, progress);
}

}  // namespace stamp::core::demo
