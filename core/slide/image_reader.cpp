#include "slide/image_reader.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace stamp::core::slide {
namespace {

/// Converts whatever OpenCV decoded (gray, BGR, BGRA, 16-bit) to 8-bit RGBA on white.
cv::Mat toRgba8(const cv::Mat& in) {
  cv::Mat m = in;
  if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
  else if (m.depth() != CV_8U) m.convertTo(m, CV_8U);
  cv::Mat out;
  switch (m.channels()) {
    case 1: cv::cvtColor(m, out, cv::COLOR_GRAY2RGBA); break;
    case 3: cv::cvtColor(m, out, cv::COLOR_BGR2RGBA); break;
    case 4: {
      cv::cvtColor(m, out, cv::COLOR_BGRA2RGBA);
      for (int r = 0; r < out.rows; ++r) {  // composite transparent areas on white
        auto* p = out.ptr<std::uint8_t>(r);
        for (int c = 0; c < out.cols; ++c, p += 4) {
          unsigned a = p[3];
          for (int k = 0; k < 3; ++k) p[k] = std::uint8_t((p[k] * a + 255 * (255 - a)) / 255);
          p[3] = 255;
        }
      }
      break;
    }
    default: return {};
  }
  return out;
}

class PlainImageReader final : public SlideReader {
 public:
  PlainImageReader(std::string path, std::string format, cv::Mat rgba)
      : path_(std::move(path)), format_(std::move(format)) {
    levels_.push_back(std::move(rgba));
    // Halve until small: a viewer zoomed out reads a small level, not the full picture.
    while (std::max(levels_.back().cols, levels_.back().rows) > 512) {
      cv::Mat half;
      cv::resize(levels_.back(), half, cv::Size((levels_.back().cols + 1) / 2,
                                                (levels_.back().rows + 1) / 2), 0, 0,
                 cv::INTER_AREA);
      levels_.push_back(std::move(half));
    }
  }
  const std::string& path() const override { return path_; }
  std::string format() const override { return format_; }
  int levelCount() const override { return int(levels_.size()); }
  LevelInfo level(int i) const override {
    const cv::Mat& m = levels_.at(std::size_t(i));
    return {m.cols, m.rows, double(levels_[0].cols) / double(m.cols)};
  }
  std::optional<double> fileMpp() const override { return std::nullopt; }
  std::optional<double> objectivePower() const override { return std::nullopt; }
  std::vector<std::pair<std::string, std::string>> properties() const override {
    return {{"stamp.backend", "opencv"}, {"stamp.format", format_}};
  }
  std::vector<std::string> associatedImageNames() const override { return {}; }
  Result<Image> readAssociated(const std::string& name) const override {
    return makeError(ErrorCode::NotFound, "plain images have no associated image '" + name + "'",
                     path_);
  }
  Result<Image> readRegion(int level, std::int64_t x, std::int64_t y, int w, int h) const override;

 private:
  std::string path_, format_;
  std::vector<cv::Mat> levels_;  // immutable after construction: safe to read from any thread
};

Result<Image> PlainImageReader::readRegion(int lvl, std::int64_t x, std::int64_t y, int w,
                                           int h) const {
  if (lvl < 0 || lvl >= levelCount())
    return makeError(ErrorCode::OutOfRange, "level " + std::to_string(lvl) + " does not exist",
                     path_);
  if (w <= 0 || h <= 0 || std::int64_t(w) * h > (std::int64_t(1) << 28))
    return makeError(ErrorCode::InvalidArgument, "region size is invalid", path_);
  const cv::Mat& m = levels_[std::size_t(lvl)];
  const double ds = level(lvl).downsample;
  const std::int64_t lx = std::int64_t(std::floor(double(x) / ds));
  const std::int64_t ly = std::int64_t(std::floor(double(y) / ds));
  if (lx >= m.cols || ly >= m.rows || lx + w <= 0 || ly + h <= 0)
    return makeError(ErrorCode::OutOfRange, "region at (" + std::to_string(x) + ", " +
                                                std::to_string(y) + ") lies outside the image",
                     path_);
  Image img{w, h, std::vector<std::uint8_t>(std::size_t(w) * std::size_t(h) * 4, 255)};
  const std::int64_t x0 = std::max<std::int64_t>(lx, 0), x1 = std::min<std::int64_t>(lx + w, m.cols);
  const std::int64_t y0 = std::max<std::int64_t>(ly, 0), y1 = std::min<std::int64_t>(ly + h, m.rows);
  for (std::int64_t r = y0; r < y1; ++r) {
    const std::uint8_t* src = m.ptr<std::uint8_t>(int(r)) + x0 * 4;
    std::uint8_t* dst = img.rgba.data() + (std::size_t(r - ly) * std::size_t(w) + std::size_t(x0 - lx)) * 4;
    std::memcpy(dst, src, std::size_t(x1 - x0) * 4);
  }
  return img;
}

std::string magicFormat(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  unsigned char b[8] = {0};
  f.read(reinterpret_cast<char*>(b), 8);
  if (f.gcount() < 4) return {};
  if (b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') return "png";
  if (b[0] == 0xFF && b[1] == 0xD8) return "jpeg";
  if ((b[0] == 'I' && b[1] == 'I') || (b[0] == 'M' && b[1] == 'M')) return "tiff";
  if (b[0] == 'B' && b[1] == 'M') return "bmp";
  return {};
}

}  // namespace

bool looksLikePlainImage(const std::string& path) { return !magicFormat(path).empty(); }

Result<std::unique_ptr<SlideReader>> openPlainImage(const std::string& path) {
  std::string fmt = magicFormat(path);
  if (fmt.empty()) return makeError(ErrorCode::Format, "not a PNG, JPEG, TIFF or BMP image", path);
  cv::Mat raw;
  try {
    raw = cv::imread(path, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    return makeError(ErrorCode::Format, std::string("cannot decode image: ") + e.what(), path);
  }
  if (raw.empty()) return makeError(ErrorCode::Format, "cannot decode " + fmt + " image (truncated or corrupt?)", path);
  cv::Mat rgba = toRgba8(raw);
  if (rgba.empty()) return makeError(ErrorCode::Unsupported, "unsupported channel count", path);
  return std::unique_ptr<SlideReader>(new PlainImageReader(path, "image:" + fmt, std::move(rgba)));
}

std::unique_ptr<SlideReader> slideFromImage(Image image, std::string name) {
  cv::Mat m(image.height, image.width, CV_8UC4, image.rgba.data());
  return std::unique_ptr<SlideReader>(new PlainImageReader(std::move(name), "image:memory", m.clone()));
}

}  // namespace stamp::core::slide
