#include "slide/slide_reader.h"

#include <filesystem>

#include "slide/image_reader.h"
#include "slide/openslide_reader.h"

namespace stamp::core::slide {

int SlideReader::bestLevelForDownsample(double downsample) const {
  int best = 0;
  for (int i = 0; i < levelCount(); ++i)
    if (level(i).downsample <= downsample * 1.0001) best = i;
  return best;
}

Result<std::unique_ptr<SlideReader>> openSlide(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return makeError(ErrorCode::NotFound, "file not found", path);
  if (std::filesystem::is_directory(path, ec))
    return makeError(ErrorCode::InvalidArgument, "is a folder, not a slide file", path);
  // The open table: OpenSlide first (it knows every vendor), then plain images. A TIFF that
  // OpenSlide detects but cannot open (striped, SubIFD pyramid) still opens as a plain image.
  Error openslideError = makeError(ErrorCode::Format, "", path);
  if (openslideCanOpen(path)) {
    auto r = openWithOpenSlide(path);
    if (r.ok()) return r;
    openslideError = r.error();
  }
  if (looksLikePlainImage(path)) {
    auto r = openPlainImage(path);
    if (r.ok() || openslideError.message.empty()) return r;
  }
  if (!openslideError.message.empty()) return openslideError;
  return makeError(ErrorCode::Format,
                   "not a slide or image format STAMP Studio reads (OpenSlide formats: SVS, NDPI, "
                   "MIRAX, SCN, generic tiled TIFF...; images: PNG, JPEG, TIFF)", path);
}

}  // namespace stamp::core::slide
