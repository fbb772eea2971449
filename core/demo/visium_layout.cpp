#include "demo/visium_layout.h"

#include <algorithm>
#include <cmath>

namespace stamp::core::demo {

std::string visiumBarcode(int arrayRow, int arrayCol) {
  // murmur3's finaliser is a bijection on 32 bits, so distinct positions give distinct barcodes.
  std::uint32_t h = std::uint32_t(arrayRow * kVisiumCols + arrayCol) ^ 0x5EED1234u;
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  static const char bases[] = "ACGT";
  std::string b(16, 'A');
  for (int i = 0; i < 16; ++i) b[std::size_t(i)] = bases[(h >> (30 - 2 * i)) & 3u];
  return b + "-1";
}

std::vector<st::Spot> visiumLayout(const TissueModel& model) {
  const double pitch = model.px(kSpotPitchUm);
  const double colStep = pitch / 2, rowStep = pitch * std::sqrt(3.0) / 2;
  const double margin = model.px(kSpotDiameterUm);  // keep whole spots inside the image
  auto fit = [](double extent, double step, int most) {
    return extent < 0 ? 0 : std::min(most, int(std::floor(extent / step)) + 1);
  };
  int rows = fit(double(model.height()) - 2 * margin, rowStep, kVisiumRows);
  int cols = fit(double(model.width()) - 2 * margin, colStep, kVisiumCols);
  double x0 = (double(model.width()) - double(std::max(cols - 1, 0)) * colStep) / 2;
  double y0 = (double(model.height()) - double(std::max(rows - 1, 0)) * rowStep) / 2;
  std::vector<st::Spot> spots;
  for (int r = 0; r < rows; ++r)
    for (int c = r % 2; c < cols; c += 2) {
      st::Spot s;
      s.barcode = visiumBarcode(r, c);
      s.arrayRow = r;
      s.arrayCol = c;
      // Space Ranger reports integer full-resolution pixel positions.
      s.x = std::round(x0 + c * colStep);
      s.y = std::round(y0 + r * rowStep);
      s.inTissue = TissueModel::inTissue(model.sampleAt(s.x, s.y));
      spots.push_back(std::move(s));
    }
  return spots;
}

std::vector<double> footprintFractions(const TissueModel& model, double x, double y) {
  std::vector<double> frac(kCompartmentCount, 0.0);
  const double radius = model.px(kSpotDiameterUm) / 2;
  const int n = 6;  // grid points per radius
  int count = 0;
  for (int j = -n; j <= n; ++j)
    for (int i = -n; i <= n; ++i) {
      if (i * i + j * j > n * n) continue;
      double px = x + radius * i / n, py = y + radius * j / n;
      frac[std::size_t(model.classAt(px, py))] += 1;
      ++count;
    }
  for (double& f : frac) f /= count;
  return frac;
}

}  // namespace stamp::core::demo
