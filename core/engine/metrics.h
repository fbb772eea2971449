#pragma once
/// Training metrics: one row per logged step ("train") and per validation pass ("val"), kept in
/// metrics.csv beside the checkpoints and handed to a Qt-free callback (the GUI charts them live).
/// Torch-free.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace stamp::core::engine {

struct MetricsRow {
  std::int64_t step = 0;
  std::string phase;                       // "train" or "val"
  std::map<std::string, double> values;    // e.g. loss_total, lr, samples_per_s, recall5_patch_to_spot
};
using MetricsCallback = std::function<void(const MetricsRow&)>;

/// The columns of metrics.csv, in order (a row leaves the ones it lacks empty).
const std::vector<std::string>& metricsColumns();

/// metrics.csv of a run: rewritten atomically whenever rows are added (a reader never sees a
/// torn line); on resume the rows after the checkpoint's step are dropped, so a resumed run's
/// file equals an uninterrupted one's.
class MetricsLog {
 public:
  explicit MetricsLog(std::filesystem::path path) : path_(std::move(path)) {}
  /// Reads the existing file, keeping rows with step <= keepUpTo.
  Status resume(std::int64_t keepUpTo);
  void add(const MetricsRow& row) { rows_.push_back(row); }
  Status flush() const;
  const std::vector<MetricsRow>& rows() const { return rows_; }
  /// The CSV text of rows.
  static std::string toCsv(const std::vector<MetricsRow>& rows);

 private:
  std::filesystem::path path_;
  std::vector<MetricsRow> rows_;
};

}  // namespace stamp::core::engine
