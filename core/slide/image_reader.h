#pragma once
/// Plain-image backend (PNG, JPEG, striped TIFF, BMP... via OpenCV), e.g. Visium hires/lowres
/// PNGs. The picture is decoded once and kept with an in-memory pyramid so that it zooms out
/// smoothly like a slide.
#include <memory>
#include <string>

#include "slide/slide_reader.h"

namespace stamp::core::slide {

/// True when the file starts with the magic bytes of a format this backend reads.
bool looksLikePlainImage(const std::string& path);
Result<std::unique_ptr<SlideReader>> openPlainImage(const std::string& path);
/// Wraps decoded pixels (e.g. generated in memory) as a SlideReader named `name`.
std::unique_ptr<SlideReader> slideFromImage(Image image, std::string name);

}  // namespace stamp::core::slide
