#include "engine/metrics.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/atomic_file.h"

namespace stamp::core::engine {

const std::vector<std::string>& metricsColumns() {
  static const std::vector<std::string> cols = {
      "loss_total", "loss_patch_spot", "loss_patch_region", "loss_region_spot", "loss_positioning", "loss_mlm",
      "loss_spatial", "lr", "grad_norm", "samples_per_s", "recall1_patch_to_spot", "recall5_patch_to_spot",
      "recall10_patch_to_spot", "recall1_spot_to_patch", "recall5_spot_to_patch", "recall10_spot_to_patch",
      "localization_accuracy", "val_spots"};
  return cols;
}

std::string MetricsLog::toCsv(const std::vector<MetricsRow>& rows) {
  std::ostringstream o;
  o << "step,phase";
  for (const auto& c : metricsColumns()) o << ',' << c;
  o << '\n';
  for (const auto& r : rows) {
    o << r.step << ',' << r.phase;
    for (const auto& c : metricsColumns()) {
      o << ',';
      auto it = r.values.find(c);
      if (it == r.values.end()) continue;
      char b[64];
      std::snprintf(b, sizeof b, "%.9g", it->second);
      o << b;
    }
    o << '\n';
  }
  return o.str();
}

Status MetricsLog::flush() const { return writeFileAtomic(path_, toCsv(rows_)); }

Status MetricsLog::resume(std::int64_t keepUpTo) {
  rows_.clear();
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return {};
  STAMP_ASSIGN(std::string text, readFile(path_));
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  const auto& cols = metricsColumns();
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    if (!line.empty() && line.back() == ',') f.emplace_back();
    if (f.size() < 2) continue;
    MetricsRow r;
    try {
      r.step = std::stoll(f[0]);
    } catch (...) {
      return makeError(ErrorCode::Format, "a metrics row does not start with a step number", path_.string());
    }
    if (r.step > keepUpTo) continue;
    r.phase = f[1];
    for (std::size_t i = 2; i < f.size() && i - 2 < cols.size(); ++i)
      if (!f[i].empty()) r.values[cols[i - 2]] = std::strtod(f[i].c_str(), nullptr);
    rows_.push_back(std::move(r));
  }
  return {};
}

}  // namespace stamp::core::engine
