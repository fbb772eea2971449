// HEST-1k samples: st/<id>.h5ad + wsis/<id>.tif + a row of the metadata table.
#include <algorithm>
#include <filesystem>

#include "common/atomic_file.h"
#include "st/csv.h"
#include "st/h5ad.h"

namespace stamp::core::st {
namespace fs = std::filesystem;

namespace {
/// HEST_v1_*.csv first (the published table), then any other *.csv at the root, in name order.
std::vector<fs::path> metadataTables(const fs::path& root) {
  std::vector<fs::path> hest, other;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (it->path().extension() != ".csv" || !it->is_regular_file(ec)) continue;
    (n.rfind("HEST_v1", 0) == 0 ? hest : other).push_back(it->path());
  }
  std::sort(hest.begin(), hest.end());
  std::sort(other.begin(), other.end());
  hest.insert(hest.end(), other.begin(), other.end());
  return hest;
}

/// The metadata row of `id`: found = true when a table with an `id` column lists it.
Result<bool> readMetadataRow(const fs::path& table, const std::string& id,
                             std::map<std::string, std::string>& out) {
  STAMP_ASSIGN(std::string text, readFile(table));
  STAMP_ASSIGN(auto rows, parseCsv(text, table.string()));
  if (rows.empty()) return false;
  const auto& header = rows.front().fields;
  auto idCol = std::find(header.begin(), header.end(), "id");
  if (idCol == header.end()) return false;
  size_t k = size_t(idCol - header.begin());
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& f = rows[r].fields;
    if (f.size() <= k || f[k] != id) continue;
    for (size_t c = 0; c < header.size() && c < f.size(); ++c)
      if (!header[c].empty() && c != k) out[header[c]] = f[c];
    return true;
  }
  return false;
}

std::string findSlide(const fs::path& root, const std::string& id) {
  for (const char* ext : {".tif", ".tiff", ".btf", ".svs", ".ndpi"}) {
    fs::path p = root / "wsis" / (id + ext);
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return {};
}
}  // namespace

std::vector<std::string> listHestSamples(const std::string& root) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (fs::directory_iterator it(fs::path(root) / "st", ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".h5ad") ids.push_back(it->path().stem().string());
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<SpatialSample> readHestSample(const std::string& rootPath, const std::string& id) {
  fs::path root(rootPath);
  fs::path h5ad = root / "st" / (id + ".h5ad");
  std::error_code ec;
  if (!fs::is_regular_file(h5ad, ec))
    return makeError(ErrorCode::NotFound, "HEST sample '" + id + "' not found (no st/" + id + ".h5ad)",
                     rootPath);
  STAMP_ASSIGN(SpatialSample s, readH5ad(h5ad.string()));
  s.name = id;
  if (std::string slide = findSlide(root, id); !slide.empty()) s.fullresImage = slide;
  for (const auto& table : metadataTables(root)) {
    STAMP_ASSIGN(bool found, readMetadataRow(table, id, s.metadata));
    if (found) break;
  }
  s.metadata["source_format"] = "hest";
  s.metadata["hest_id"] = id;
  return s;
}

}  // namespace stamp::core::st
