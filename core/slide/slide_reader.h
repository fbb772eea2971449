#pragma once
/// SlideReader: a multi-resolution image (whole-slide image or plain picture). Thread-safe.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace stamp::core::slide {

/// 8-bit RGBA pixels, row-major, straight alpha (transparent slide areas come back as white).
struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgba;  // width * height * 4
  std::size_t bytes() const { return rgba.size(); }
};

struct LevelInfo {
  std::int64_t width = 0;
  std::int64_t height = 0;
  double downsample = 1.0;  // level-0 pixels per level pixel
};

class SlideReader {
 public:
  virtual ~SlideReader() = default;
  virtual const std::string& path() const = 0;
  /// "openslide:aperio", "openslide:generic-tiff", "image:png", ...
  virtual std::string format() const = 0;
  virtual int levelCount() const = 0;
  virtual LevelInfo level(int i) const = 0;
  /// Micrometres per level-0 pixel from the file, unless overridden.
  std::optional<double> mpp() const { return mppOverride_ ? mppOverride_ : fileMpp(); }
  void setMppOverride(std::optional<double> umPerPixel) { mppOverride_ = umPerPixel; }
  virtual std::optional<double> fileMpp() const = 0;
  virtual std::optional<double> objectivePower() const = 0;
  /// All vendor properties (name -> value) for `stamp info`.
  virtual std::vector<std::pair<std::string, std::string>> properties() const = 0;
  virtual std::vector<std::string> associatedImageNames() const = 0;
  virtual Result<Image> readAssociated(const std::string& name) const = 0;
  /// Reads w x h pixels of `level`, top-left at level-0 coordinates (x, y), as OpenSlide does.
  /// A region partly outside the slide is padded with white; one wholly outside is an error.
  virtual Result<Image> readRegion(int level, std::int64_t x, std::int64_t y, int w, int h) const = 0;
  /// The level whose downsample is the largest not above `downsample`.
  int bestLevelForDownsample(double downsample) const;

 private:
  std::optional<double> mppOverride_;
};

/// Opens any supported slide: OpenSlide first (every vendor it knows), then plain images
/// (PNG/JPEG/TIFF via OpenCV). Errors name the file and say what was wrong.
Result<std::unique_ptr<SlideReader>> openSlide(const std::string& path);

}  // namespace stamp::core::slide
