// summary.png: bar charts of spots per organ and genes per spot, drawn with OpenCV.
#include <algorithm>
#include <filesystem>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/atomic_file.h"
#include "corpus/corpus_internal.h"

namespace stamp::core::corpus {

namespace {

const cv::Scalar kInk(40, 40, 40), kBar(180, 119, 31), kGrid(220, 220, 220);  // BGR

void text(cv::Mat& m, const std::string& s, cv::Point at, double scale = 0.45, int thick = 1) {
  cv::putText(m, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, kInk, thick, cv::LINE_AA);
}

/// Vertical bars with value labels above and category labels below, in `area`.
void barPanel(cv::Mat& m, cv::Rect area, const std::string& title,
              const std::vector<std::pair<std::string, long long>>& bars) {
  text(m, title, {area.x, area.y - 12}, 0.6, 1);
  cv::rectangle(m, area, kGrid, 1);
  if (bars.empty()) {
    text(m, "no data", {area.x + 10, area.y + area.height / 2});
    return;
  }
  long long top = 1;
  for (auto& b : bars) top = std::max(top, b.second);
  const int slot = area.width / int(bars.size());
  const int barW = std::max(4, slot * 2 / 3);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const int h = int(double(area.height - 30) * double(bars[i].second) / double(top));
    const int x = area.x + int(i) * slot + (slot - barW) / 2;
    const int y = area.y + area.height - h;
    if (h > 0) cv::rectangle(m, cv::Rect(x, y, barW, h), kBar, cv::FILLED);
    text(m, std::to_string(bars[i].second), {x, y - 5}, 0.38);
    std::string label = bars[i].first.substr(0, std::size_t(std::max(3, slot / 8)));
    text(m, label, {x, area.y + area.height + 16}, 0.38);
  }
}

}  // namespace

Status writeSummaryChart(const CorpusSummary& s, const std::string& path) {
  std::map<std::string, long long> perOrgan;
  std::vector<long long> hist(geneBins().size(), 0);
  for (const auto& r : s.samples) {
    if (!r.skipped.empty()) continue;
    perOrgan[r.organ.empty() ? "unknown" : r.organ] += r.spotsKept;
    for (std::size_t b = 0; b < hist.size(); ++b) hist[b] += r.genesPerSpot[b];
  }
  std::vector<std::pair<std::string, long long>> organs(perOrgan.begin(), perOrgan.end()), genes;
  for (std::size_t b = 0; b < hist.size(); ++b)
    genes.emplace_back("<=" + std::to_string(geneBins()[b]), hist[b]);
  cv::Mat m(520, 1100, CV_8UC3, cv::Scalar(255, 255, 255));
  text(m, "STAMP corpus: " + std::to_string(s.spots) + " spots, " + std::to_string(s.shards.size()) +
              " shard(s); vocabulary coverage " + std::to_string(s.vocabularyGenesSeen) + " / " +
              std::to_string(s.vocabularySize) + " genes",
       {20, 30}, 0.6, 1);
  barPanel(m, cv::Rect(40, 100, 460, 360), "Spots per organ", organs);
  barPanel(m, cv::Rect(580, 100, 480, 360), "Expressed vocabulary genes per spot", genes);
  std::vector<unsigned char> png;
  try {
    if (!cv::imencode(".png", m, png)) return makeError(ErrorCode::Io, "cannot encode the summary chart", path);
  } catch (const cv::Exception& e) {
    return makeError(ErrorCode::Io, std::string("cannot encode the summary chart: ") + e.what(), path);
  }
  return writeFileAtomic(path, std::span<const std::uint8_t>(png.data(), png.size()));
}

}  // namespace stamp::core::corpus
