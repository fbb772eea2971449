#pragma once
/// OpenSlide backend: every vendor format OpenSlide 3.4 knows (SVS, NDPI, MIRAX, generic TIFF...).
#include <memory>
#include <string>

#include "slide/slide_reader.h"

namespace stamp::core::slide {

/// True when OpenSlide recognises the file's vendor (cheap: no full open).
bool openslideCanOpen(const std::string& path);
/// Opens with OpenSlide; a sticky error after open becomes an Error naming the file.
Result<std::unique_ptr<SlideReader>> openWithOpenSlide(const std::string& path);

}  // namespace stamp::core::slide
