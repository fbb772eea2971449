#include "engine/localizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "engine/model_handle_impl.h"

namespace stamp::core::engine {
namespace {

torch::Tensor imageTensor(const data::RgbImage& img, data::ChannelOrder order) {
  auto t = torch::empty({1, 3, img.height, img.width}, torch::kFloat32);
  data::normalizeToChw(img, order, t.data_ptr<float>());
  return t;
}

/// Logits (B, 9) for regions/refs already normalised, on the model's device; never NaN (a
/// NaN would make the best cell arbitrary and the heatmap's ranking undefined).
Result<torch::Tensor> logitsFor(const ModelHandle& model, const std::vector<torch::Tensor>& regions,
                                const std::vector<torch::Tensor>& refs) {
  return inferOnCpu(model.impl(), "the localization logits", [&](ModelHandle::Impl& impl) {
    return impl.module->localize(torch::cat(regions).to(impl.device), torch::cat(refs).to(impl.device));
  });
}

}  // namespace

Result<data::RgbImage> spotPatch(const slide::SlideReader& slide, double x, double y, double ps) {
  return data::cropSquare(slide, data::spotSquare(x, y, ps), data::kPatchPx);
}

Result<CellProbabilities> localizeInRegion(const ModelHandle& model, const slide::SlideReader& slide,
                                           const data::Square& region, const data::RgbImage& ref) {
  if (ref.width < 1 || ref.height < 1) return makeError(ErrorCode::InvalidArgument, "the reference patch is empty");
  STAMP_ASSIGN(data::ChannelOrder order, data::parseChannelOrder(model.config().channelOrder));
  STAMP_ASSIGN(data::RgbImage regionImg, data::cropSquare(slide, region, data::kPatchPx));
  data::RgbImage ref16 = data::resizeRgb(ref, data::kRefPx, data::kRefPx);
  STAMP_ASSIGN(torch::Tensor logits, logitsFor(model, {imageTensor(regionImg, order)}, {imageTensor(ref16, order)}));
  auto probs = logits.softmax(1).contiguous();
  CellProbabilities out;
  for (int k = 0; k < 9; ++k) {
    out.logits[std::size_t(k)] = logits[0][k].item<float>();
    out.probs[std::size_t(k)] = probs[0][k].item<float>();
  }
  out.best = int(std::max_element(out.probs.begin(), out.probs.end()) - out.probs.begin());
  return out;
}

std::vector<std::array<double, 3>> Heatmap::best(int n) const {
  std::vector<std::array<double, 3>> all;
  for (int j = 0; j < height; ++j)
    for (int i = 0; i < width; ++i)
      if (coverage[std::size_t(j * width + i)] > 0)
        all.push_back({x0 + i * pitch, y0 + j * pitch, score[std::size_t(j * width + i)]});
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a[2] > b[2]; });
  if (int(all.size()) > n) all.resize(std::size_t(std::max(0, n)));
  return all;
}

Result<Heatmap> searchPatch(const ModelHandle& model, const slide::SlideReader& slide,
                            const data::RgbImage& ref, const SearchOptions& o, ProgressReporter* progress) {
  const double cell = 2 * o.ps, side = 6 * o.ps, stride = o.stride > 0 ? o.stride : cell;
  if (!(o.ps > 0) || o.area.side < side)
    return makeError(ErrorCode::InvalidArgument, "the search area must be at least one region (6 patch sizes) wide", slide.path());
  STAMP_ASSIGN(data::ChannelOrder order, data::parseChannelOrder(model.config().channelOrder));
  Heatmap h;
  h.pitch = stride;
  h.cellSide = cell;
  h.x0 = o.area.x0 + o.ps;  // centre of the first window's first cell
  h.y0 = o.area.y0 + o.ps;
  const int nx = int(std::floor((o.area.side - side) / stride)) + 1;
  h.width = int(std::lround((o.area.side - cell) / stride)) + 1;
  h.height = h.width;
  h.score.assign(std::size_t(h.width * h.height), 0.f);
  h.coverage.assign(h.score.size(), 0);
  auto refT = imageTensor(data::resizeRgb(ref, data::kRefPx, data::kRefPx), order);
  std::vector<std::pair<double, double>> windows;
  for (int j = 0; j < nx; ++j)
    for (int i = 0; i < nx; ++i) windows.emplace_back(o.area.x0 + i * stride, o.area.y0 + j * stride);
  if (progress) progress->begin("searching", std::int64_t(windows.size()));
  const std::size_t bs = std::size_t(std::max(1, o.batchSize));
  for (std::size_t b = 0; b < windows.size(); b += bs) {
    if (progress) STAMP_CHECK(progress->check());
    std::vector<torch::Tensor> regions, refs;
    const std::size_t e = std::min(windows.size(), b + bs);
    for (std::size_t w = b; w < e; ++w) {
      STAMP_ASSIGN(data::RgbImage img, data::cropSquare(slide, {windows[w].first, windows[w].second, side}, data::kPatchPx));
      regions.push_back(imageTensor(img, order));
      refs.push_back(refT);
    }
    STAMP_ASSIGN(torch::Tensor logits, logitsFor(model, regions, refs));
    auto probs = logits.softmax(1).contiguous();
    for (std::size_t w = b; w < e; ++w)
      for (int k = 0; k < 9; ++k) {
        const double cx = windows[w].first + (2 * (k % 3) + 1) * o.ps, cy = windows[w].second + (2 * (k / 3) + 1) * o.ps;
        const int i = int(std::lround((cx - h.x0) / stride)), j = int(std::lround((cy - h.y0) / stride));
        if (i < 0 || j < 0 || i >= h.width || j >= h.height) continue;
        h.score[std::size_t(j * h.width + i)] += probs[std::int64_t(w - b)][k].item<float>();
        h.coverage[std::size_t(j * h.width + i)] += 1;
      }
    if (progress) progress->advance(std::int64_t(e - b));
  }
  for (std::size_t i = 0; i < h.score.size(); ++i)
    if (h.coverage[i] > 0) h.score[i] /= float(h.coverage[i]);
  return h;
}

Result<LocalizationScore> evaluateLocalization(const ModelHandle& model, const slide::SlideReader& slide,
                                               const st::SpatialSample& sample, double psFullres,
                                               double coordScale, std::int64_t maxSpots, std::uint64_t seed,
                                               ProgressReporter* progress) {
  std::mt19937_64 rng(seed);
  const auto l0 = slide.level(0);
  const double ps = psFullres * coordScale;
  std::vector<std::size_t> order(sample.spots.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  LocalizationScore score;
  if (progress) progress->begin("evaluating localization", std::min<std::int64_t>(maxSpots, std::int64_t(order.size())));
  for (std::size_t i : order) {
    if (score.evaluated >= maxSpots) break;
    if (progress) STAMP_CHECK(progress->check());
    const auto& s = sample.spots[i];
    if (!s.inTissue || !std::isfinite(s.x)) continue;
    const double x = s.x * coordScale, y = s.y * coordScale;
    auto cells = data::validCells(x, y, ps, l0.width, l0.height);
    if (cells.empty()) continue;
    const int cell = cells[std::size_t(rng() % cells.size())];
    STAMP_ASSIGN(data::RgbImage patch, spotPatch(slide, x, y, ps));
    STAMP_ASSIGN(CellProbabilities p, localizeInRegion(model, slide, data::regionSquare(x, y, ps, cell), patch));
    ++score.evaluated;
    score.correct += p.best == cell;
    if (progress) progress->advance();
  }
  if (score.evaluated == 0)
    return makeError(ErrorCode::InvalidArgument, "no in-tissue spot has a region inside the slide to evaluate", sample.sourcePath);
  return score;
}

}  // namespace stamp::core::engine
