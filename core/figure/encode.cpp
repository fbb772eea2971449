// Raster encoders that record the print resolution: OpenCV's PNG writer has no pHYs option, so
// the chunk is spliced in after IHDR; TIFF goes through libtiff for its resolution tags.
#include <cmath>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <tiffio.h>
#include <zlib.h>

#include "figure/figure_internal.h"

namespace stamp::core::figure::detail {
namespace {

void putU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(std::uint8_t(v >> s));
}

std::vector<std::uint8_t> physChunk(int dpi) {
  const auto ppm = std::uint32_t(std::lround(dpi / 0.0254));
  std::vector<std::uint8_t> body{'p', 'H', 'Y', 's'};
  putU32(body, ppm);
  putU32(body, ppm);
  body.push_back(1);  // unit: metre
  std::vector<std::uint8_t> chunk;
  putU32(chunk, 9);
  chunk.insert(chunk.end(), body.begin(), body.end());
  putU32(chunk, std::uint32_t(crc32(0, body.data(), uInt(body.size()))));
  return chunk;
}

}  // namespace

Result<std::vector<std::uint8_t>> encodePng(const cv::Mat& bgr, int dpi) {
  std::vector<std::uint8_t> png;
  try {
    if (!cv::imencode(".png", bgr, png, {cv::IMWRITE_PNG_COMPRESSION, 6}))
      return makeError(ErrorCode::Internal, "PNG encoding failed");
  } catch (const cv::Exception& e) {
    return makeError(ErrorCode::Internal, std::string("PNG encoding failed: ") + e.what());
  }
  // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC) = 33 bytes.
  constexpr std::size_t kAfterIhdr = 33;
  if (png.size() < kAfterIhdr) return makeError(ErrorCode::Internal, "PNG encoder output too short");
  const auto phys = physChunk(dpi);
  png.insert(png.begin() + kAfterIhdr, phys.begin(), phys.end());
  return png;
}

Status writeTiff(const std::string& path, const cv::Mat& bgr, int dpi) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  if (!tif) return makeError(ErrorCode::Io, "cannot create TIFF file", path);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, std::uint32_t(rgb.cols));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, std::uint32_t(rgb.rows));
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(tif, 0));
  TIFFSetField(tif, TIFFTAG_XRESOLUTION, float(dpi));
  TIFFSetField(tif, TIFFTAG_YRESOLUTION, float(dpi));
  TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
  TIFFSetField(tif, TIFFTAG_SOFTWARE, "STAMP Studio");
  bool ok = true;
  for (int y = 0; y < rgb.rows && ok; ++y) ok = TIFFWriteScanline(tif, rgb.ptr(y), std::uint32_t(y), 0) >= 0;
  TIFFClose(tif);
  if (!ok) return makeError(ErrorCode::Io, "writing TIFF scanlines failed", path);
  return {};
}

}  // namespace stamp::core::figure::detail
