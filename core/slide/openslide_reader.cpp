#include "slide/openslide_reader.h"

#include <openslide/openslide.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace stamp::core::slide {
namespace {

std::optional<double> parseNumber(const char* s) {
  if (!s || !*s) return std::nullopt;
  try {
    size_t used = 0;
    double v = std::stod(s, &used);
    if (used > 0 && std::isfinite(v) && v > 0) return v;
  } catch (...) {
  }
  return std::nullopt;
}

/// Converts OpenSlide's premultiplied ARGB (native-endian uint32) to straight RGBA in place,
/// compositing transparent pixels (outside the scanned area) on white as slide viewers do:
/// colour + (255 - alpha), saturated, which is exact for premultiplied input. In place so that
/// a tile costs one buffer (OpenSlide writes straight into the Image), and four pixels at a time
/// with SSE2 (part of x86-64): the scalar loop plus a second buffer cost ~5-10% of a cold tile.
void argbToRgbaInPlace(std::uint8_t* px, std::size_t n) {
  std::size_t i = 0;
#ifdef __SSE2__
  const __m128i low = _mm_set1_epi32(0xff), green = _mm_set1_epi32(0xff00);
  const __m128i opaque = _mm_set1_epi32(int(0xff000000u));
  for (; i + 4 <= n; i += 4) {
    __m128i* at = reinterpret_cast<__m128i*>(px + 4 * i);
    const __m128i p = _mm_loadu_si128(at);
    const __m128i inv = _mm_andnot_si128(_mm_srli_epi32(p, 24), low);  // 255 - alpha
    const __m128i white = _mm_or_si128(inv, _mm_or_si128(_mm_slli_epi32(inv, 8), _mm_slli_epi32(inv, 16)));
    const __m128i s = _mm_adds_epu8(p, white);
    const __m128i r = _mm_and_si128(_mm_srli_epi32(s, 16), low);
    const __m128i b = _mm_slli_epi32(_mm_and_si128(s, low), 16);
    _mm_storeu_si128(at, _mm_or_si128(_mm_or_si128(r, b), _mm_or_si128(_mm_and_si128(s, green), opaque)));
  }
#endif
  for (; i < n; ++i) {
    std::uint32_t p;
    std::memcpy(&p, px + 4 * i, 4);
    const unsigned a = p >> 24, r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
    px[4 * i] = std::uint8_t(std::min(r + 255 - a, 255u));
    px[4 * i + 1] = std::uint8_t(std::min(g + 255 - a, 255u));
    px[4 * i + 2] = std::uint8_t(std::min(b + 255 - a, 255u));
    px[4 * i + 3] = 255;
  }
}

/// An image whose pixel buffer OpenSlide fills as uint32 ARGB (operator new aligns it for that).
Image argbImage(int w, int h) {
  return Image{w, h, std::vector<std::uint8_t>(std::size_t(w) * std::size_t(h) * 4)};
}

std::uint32_t* argbPixels(Image& img) { return reinterpret_cast<std::uint32_t*>(img.rgba.data()); }

class OpenSlideReader final : public SlideReader {
 public:
  OpenSlideReader(std::string path, openslide_t* osr) : path_(std::move(path)), osr_(osr) {
    const char* v = openslide_get_property_value(osr_, OPENSLIDE_PROPERTY_NAME_VENDOR);
    vendor_ = v ? v : "unknown";
    int n = openslide_get_level_count(osr_);
    for (int i = 0; i < n; ++i) {
      LevelInfo li;
      openslide_get_level_dimensions(osr_, i, &li.width, &li.height);
      li.downsample = openslide_get_level_downsample(osr_, i);
      levels_.push_back(li);
    }
  }
  ~OpenSlideReader() override { openslide_close(osr_); }

  const std::string& path() const override { return path_; }
  std::string format() const override { return "openslide:" + vendor_; }
  int levelCount() const override { return int(levels_.size()); }
  LevelInfo level(int i) const override { return levels_.at(std::size_t(i)); }
  std::optional<double> fileMpp() const override;
  std::optional<double> objectivePower() const override {
    return parseNumber(prop(OPENSLIDE_PROPERTY_NAME_OBJECTIVE_POWER));
  }
  std::vector<std::pair<std::string, std::string>> properties() const override;
  std::vector<std::string> associatedImageNames() const override;
  Result<Image> readAssociated(const std::string& name) const override;
  Result<Image> readRegion(int level, std::int64_t x, std::int64_t y, int w, int h) const override;

 private:
  const char* prop(const char* name) const { return openslide_get_property_value(osr_, name); }
  Status stickyError(const std::string& what) const {
    if (const char* e = openslide_get_error(osr_))
      return makeError(ErrorCode::Format, what + ": " + e, path_);
    return {};
  }
  std::string path_;
  openslide_t* osr_;  // OpenSlide handles are thread-safe for reads
  std::string vendor_;
  std::vector<LevelInfo> levels_;
};

std::optional<double> OpenSlideReader::fileMpp() const {
  if (auto m = parseNumber(prop(OPENSLIDE_PROPERTY_NAME_MPP_X))) return m;
  // Generic TIFF has only the resolution tags (HEST writes pixels per centimetre).
  auto res = parseNumber(prop("tiff.XResolution"));
  const char* unit = prop("tiff.ResolutionUnit");
  if (!res || !unit) return std::nullopt;
  std::string u = unit;
  if (u == "centimeter" || u == "centimetre") return 1e4 / *res;
  if (u == "inch") return 25400.0 / *res;
  return std::nullopt;  // "none": the numbers carry no physical meaning
}

std::vector<std::pair<std::string, std::string>> OpenSlideReader::properties() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* const* n = openslide_get_property_names(osr_); n && *n; ++n) {
    const char* v = prop(*n);
    out.emplace_back(*n, v ? v : "");
  }
  return out;
}

std::vector<std::string> OpenSlideReader::associatedImageNames() const {
  std::vector<std::string> out;
  for (const char* const* n = openslide_get_associated_image_names(osr_); n && *n; ++n)
    out.emplace_back(*n);
  return out;
}

Result<Image> OpenSlideReader::readAssociated(const std::string& name) const {
  std::int64_t w = -1, h = -1;
  openslide_get_associated_image_dimensions(osr_, name.c_str(), &w, &h);
  if (w <= 0 || h <= 0)
    return makeError(ErrorCode::NotFound, "no associated image named '" + name + "'", path_);
  if (w * h > (std::int64_t(1) << 28))
    return makeError(ErrorCode::Unsupported, "associated image '" + name + "' is too large", path_);
  Image img = argbImage(int(w), int(h));
  openslide_read_associated_image(osr_, name.c_str(), argbPixels(img));
  STAMP_CHECK(stickyError("cannot read associated image '" + name + "'"));
  argbToRgbaInPlace(img.rgba.data(), std::size_t(w * h));
  return img;
}

Result<Image> OpenSlideReader::readRegion(int level, std::int64_t x, std::int64_t y, int w,
                                          int h) const {
  if (level < 0 || level >= levelCount())
    return makeError(ErrorCode::OutOfRange, "level " + std::to_string(level) + " does not exist (" +
                                                std::to_string(levelCount()) + " levels)", path_);
  if (w <= 0 || h <= 0 || std::int64_t(w) * h > (std::int64_t(1) << 28))
    return makeError(ErrorCode::InvalidArgument, "region size " + std::to_string(w) + "x" +
                                                     std::to_string(h) + " is invalid", path_);
  const LevelInfo& l0 = levels_[0];
  const double ds = levels_[std::size_t(level)].downsample;
  if (x >= l0.width || y >= l0.height || x + std::int64_t(w * ds) <= 0 ||
      y + std::int64_t(h * ds) <= 0)
    return makeError(ErrorCode::OutOfRange, "region at (" + std::to_string(x) + ", " +
                                                std::to_string(y) + ") lies outside the slide",
                     path_);
  Image img = argbImage(w, h);
  openslide_read_region(osr_, argbPixels(img), x, y, level, w, h);
  STAMP_CHECK(stickyError("cannot read region"));
  argbToRgbaInPlace(img.rgba.data(), std::size_t(w) * std::size_t(h));
  return img;
}

}  // namespace

bool openslideCanOpen(const std::string& path) {
  const char* v = openslide_detect_vendor(path.c_str());
  return v != nullptr;
}

Result<std::unique_ptr<SlideReader>> openWithOpenSlide(const std::string& path) {
  openslide_t* osr = openslide_open(path.c_str());
  if (!osr) return makeError(ErrorCode::Format, "not a slide format OpenSlide can read", path);
  if (const char* e = openslide_get_error(osr)) {
    std::string msg = e;
    openslide_close(osr);
    return makeError(ErrorCode::Format, "OpenSlide cannot read this slide: " + msg, path);
  }
  if (openslide_get_level_count(osr) < 1) {
    openslide_close(osr);
    return makeError(ErrorCode::Format, "slide has no image levels", path);
  }
  return std::unique_ptr<SlideReader>(new OpenSlideReader(path, osr));
}

}  // namespace stamp::core::slide
