#include "demo/pyramid_tiff.h"

#include <tiffio.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include "common/parallel.h"

namespace stamp::core::demo {
namespace {
namespace fs = std::filesystem;

struct TiffCloser {
  void operator()(TIFF* t) const {
    if (t) TIFFClose(t);
  }
};
struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

Error tiffError(const std::string& path, const std::string& what) {
  return makeError(ErrorCode::Io, "cannot write the pyramidal TIFF: " + what, path);
}

// A reduced level: averages pairs of rows (and columns) of the level above and spools its own
// rows to a temporary file, forwarding each one to the next level down.
class SpoolLevel {
 public:
  SpoolLevel(std::int64_t srcWidth, fs::path spool)
      : srcWidth_(srcWidth), width_((srcWidth + 1) / 2), spoolPath_(std::move(spool)),
        pending_(std::size_t(srcWidth) * 3), out_(std::size_t(width_) * 3) {}
  ~SpoolLevel() {
    file_.reset();
    std::error_code ec;
    fs::remove(spoolPath_, ec);
  }
  Status open() {
    file_.reset(std::fopen(spoolPath_.c_str(), "w+b"));
    if (!file_) return makeError(ErrorCode::Io, "cannot create a temporary file", spoolPath_.string());
    return {};
  }
  std::int64_t width() const { return width_; }
  std::int64_t height() const { return height_; }
  std::FILE* file() const { return file_.get(); }
  const fs::path& spoolPath() const { return spoolPath_; }
  std::unique_ptr<SpoolLevel> next;

  Status pushRow(const std::uint8_t* row) {
    if (!hasPending_) {
      std::copy(row, row + srcWidth_ * 3, pending_.begin());
      hasPending_ = true;
      return {};
    }
    hasPending_ = false;
    return emit(pending_.data(), row);
  }
  Status finish() {
    if (hasPending_) {
      hasPending_ = false;
      STAMP_CHECK(emit(pending_.data(), pending_.data()));
    }
    if (std::fflush(file_.get()) != 0) return makeError(ErrorCode::Io, "write failed", spoolPath_.string());
    return next ? next->finish() : Status{};
  }

 private:
  Status emit(const std::uint8_t* a, const std::uint8_t* b) {
    for (std::int64_t x = 0; x < width_; ++x) {
      std::int64_t x0 = 2 * x, x1 = std::min(2 * x + 1, srcWidth_ - 1);
      for (int c = 0; c < 3; ++c) {
        unsigned s = a[x0 * 3 + c] + a[x1 * 3 + c] + b[x0 * 3 + c] + b[x1 * 3 + c];
        out_[std::size_t(x * 3 + c)] = std::uint8_t((s + 2) / 4);
      }
    }
    if (std::fwrite(out_.data(), 1, out_.size(), file_.get()) != out_.size())
      return makeError(ErrorCode::Io, "cannot write a temporary file (disk full?)", spoolPath_.string());
    ++height_;
    return next ? next->pushRow(out_.data()) : Status{};
  }
  std::int64_t srcWidth_, width_, height_ = 0;
  fs::path spoolPath_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::vector<std::uint8_t> pending_, out_;
  bool hasPending_ = false;
};

Status setupDirectory(TIFF* tif, const std::string& path, std::int64_t w, std::int64_t h,
                      double downsample, const PyramidOptions& o, bool reduced) {
  // Resolution in pixels per centimetre (HEST writes px/cm): 1 cm = 10,000 um.
  double pxPerCm = 10000.0 / (o.mpp * downsample);
  bool ok = TIFFSetField(tif, TIFFTAG_SUBFILETYPE, reduced ? FILETYPE_REDUCEDIMAGE : 0) &&
            TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, std::uint32_t(w)) &&
            TIFFSetField(tif, TIFFTAG_IMAGELENGTH, std::uint32_t(h)) &&
            TIFFSetField(tif, TIFFTAG_TILEWIDTH, std::uint32_t(o.tileSize)) &&
            TIFFSetField(tif, TIFFTAG_TILELENGTH, std::uint32_t(o.tileSize)) &&
            TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8) && TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3) &&
            TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
            TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_JPEG) &&
            TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR) &&
            TIFFSetField(tif, TIFFTAG_JPEGQUALITY, o.jpegQuality) &&
            TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB) &&
            TIFFSetField(tif, TIFFTAG_XRESOLUTION, float(pxPerCm)) &&
            TIFFSetField(tif, TIFFTAG_YRESOLUTION, float(pxPerCm)) &&
            TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER) &&
            TIFFSetField(tif, TIFFTAG_SOFTWARE, "STAMP Studio demo-data");
  return ok ? Status{} : tiffError(path, "cannot set the directory tags");
}

// Writes one row of tiles from `strip` (width x rows RGB); partial edge tiles repeat the edge.
Status writeTileRow(TIFF* tif, const std::string& path, const std::uint8_t* strip, std::int64_t width,
                    int rows, std::int64_t y0, int tileSize, std::vector<std::uint8_t>& tile) {
  const std::size_t T = std::size_t(tileSize);
  tile.resize(T * T * 3);
  for (std::int64_t x0 = 0; x0 < width; x0 += tileSize) {
    for (std::size_t ty = 0; ty < T; ++ty) {
      std::size_t sy = std::min<std::size_t>(ty, std::size_t(rows - 1));
      for (std::size_t tx = 0; tx < T; ++tx) {
        std::int64_t sx = std::min<std::int64_t>(x0 + std::int64_t(tx), width - 1);
        const std::uint8_t* p = strip + (sy * std::size_t(width) + std::size_t(sx)) * 3;
        std::copy(p, p + 3, tile.data() + (ty * T + tx) * 3);
      }
    }
    ttile_t index = TIFFComputeTile(tif, std::uint32_t(x0), std::uint32_t(y0), 0, 0);
    if (TIFFWriteEncodedTile(tif, index, tile.data(), tmsize_t(tile.size())) < 0)
      return tiffError(path, "tile encoding failed (disk full?)");
  }
  return {};
}

void renderStrip(const RegionRenderer& render, const PyramidOptions& o, std::int64_t y0, int rows,
                 std::uint8_t* strip) {
  const std::int64_t tiles = (o.width + o.tileSize - 1) / o.tileSize;
  std::atomic<std::int64_t> nextTile{0};
  auto work = [&] {
    for (std::int64_t t; (t = nextTile.fetch_add(1)) < tiles;) {
      std::int64_t x0 = t * o.tileSize;
      int w = int(std::min<std::int64_t>(o.tileSize, o.width - x0));
      render(x0, y0, w, rows, strip + x0 * 3, std::size_t(o.width) * 3);
    }
  };
  runOnThreads(o.threads, [&](int) { work(); });
}

}  // namespace

namespace {

struct Pyramid {
  std::unique_ptr<SpoolLevel> first;  // level 1 (then ->next)
  std::vector<SpoolLevel*> levels;    // levels 1.. in order
};

Result<Pyramid> makeSpools(const std::string& path, const PyramidOptions& o) {
  Pyramid p;
  std::int64_t w = o.width, h = o.height;
  std::unique_ptr<SpoolLevel>* slot = &p.first;
  for (int k = 1; std::max(w, h) >= o.minLevelSide; ++k) {
    *slot = std::make_unique<SpoolLevel>(w, fs::path(path + ".level" + std::to_string(k) + ".spool"));
    STAMP_CHECK((*slot)->open());
    p.levels.push_back(slot->get());
    slot = &(*slot)->next;
    w = (w + 1) / 2;
    h = (h + 1) / 2;
  }
  return p;
}

bool wantsPreview(const PyramidInfo& info, std::int64_t w, std::int64_t h, const PyramidOptions& o) {
  return info.preview.rgb.empty() && std::max(w, h) <= o.previewMaxSide;
}

Status writeLevel0(TIFF* tif, const std::string& path, const PyramidOptions& o,
                   const RegionRenderer& render, Pyramid& pyr, PyramidInfo& info,
                   ProgressReporter* progress) {
  STAMP_CHECK(setupDirectory(tif, path, o.width, o.height, 1.0, o, false));
  bool keep = wantsPreview(info, o.width, o.height, o);
  if (keep) info.preview = {int(o.width), int(o.height), std::vector<std::uint8_t>(std::size_t(o.width * o.height * 3))};
  std::vector<std::uint8_t> strip(std::size_t(o.width) * std::size_t(o.tileSize) * 3), tile;
  const std::int64_t tilesX = (o.width + o.tileSize - 1) / o.tileSize;
  for (std::int64_t y0 = 0; y0 < o.height; y0 += o.tileSize) {
    if (progress) STAMP_CHECK(progress->check());
    int rows = int(std::min<std::int64_t>(o.tileSize, o.height - y0));
    renderStrip(render, o, y0, rows, strip.data());
    STAMP_CHECK(writeTileRow(tif, path, strip.data(), o.width, rows, y0, o.tileSize, tile));
    const std::size_t rowBytes = std::size_t(o.width) * 3;
    if (keep) std::copy(strip.begin(), strip.begin() + std::ptrdiff_t(rowBytes * std::size_t(rows)),
                        info.preview.rgb.begin() + std::ptrdiff_t(rowBytes * std::size_t(y0)));
    for (int r = 0; r < rows && pyr.first; ++r) STAMP_CHECK(pyr.first->pushRow(strip.data() + rowBytes * std::size_t(r)));
    if (progress) progress->advance(tilesX);
  }
  if (pyr.first) STAMP_CHECK(pyr.first->finish());
  return {};
}

Status writeSpooledLevel(TIFF* tif, const std::string& path, const PyramidOptions& o, SpoolLevel& lv,
                         PyramidInfo& info, ProgressReporter* progress) {
  const double downsample = double(o.width) / double(lv.width());
  STAMP_CHECK(setupDirectory(tif, path, lv.width(), lv.height(), downsample, o, true));
  const std::size_t rowBytes = std::size_t(lv.width()) * 3;
  bool keep = wantsPreview(info, lv.width(), lv.height(), o);
  if (keep) {
    info.preview = {int(lv.width()), int(lv.height()), std::vector<std::uint8_t>(rowBytes * std::size_t(lv.height()))};
    info.previewDownsample = downsample;
  }
  std::vector<std::uint8_t> strip(rowBytes * std::size_t(o.tileSize)), tile;
  std::rewind(lv.file());
  for (std::int64_t y0 = 0; y0 < lv.height(); y0 += o.tileSize) {
    if (progress) STAMP_CHECK(progress->check());
    int rows = int(std::min<std::int64_t>(o.tileSize, lv.height() - y0));
    std::size_t bytes = rowBytes * std::size_t(rows);
    if (std::fread(strip.data(), 1, bytes, lv.file()) != bytes)
      return makeError(ErrorCode::Io, "cannot read back a temporary file", lv.spoolPath().string());
    STAMP_CHECK(writeTileRow(tif, path, strip.data(), lv.width(), rows, y0, o.tileSize, tile));
    if (keep) std::copy(strip.begin(), strip.begin() + std::ptrdiff_t(bytes),
                        info.preview.rgb.begin() + std::ptrdiff_t(rowBytes * std::size_t(y0)));
    if (progress) progress->advance((lv.width() + o.tileSize - 1) / o.tileSize);
  }
  return {};
}

long long totalTiles(const PyramidOptions& o, const Pyramid& p) {
  auto tiles = [&](std::int64_t w, std::int64_t h) {
    return ((w + o.tileSize - 1) / o.tileSize) * ((h + o.tileSize - 1) / o.tileSize);
  };
  long long n = tiles(o.width, o.height);
  std::int64_t w = o.width, h = o.height;
  for (std::size_t k = 0; k < p.levels.size(); ++k) {
    w = (w + 1) / 2;
    h = (h + 1) / 2;
    n += tiles(w, h);
  }
  return n;
}

}  // namespace

Result<PyramidInfo> writePyramidTiff(const std::string& path, const PyramidOptions& o,
                                     const RegionRenderer& render, ProgressReporter* progress) {
  if (o.width <= 0 || o.height <= 0 || o.width > 1000000 || o.height > 1000000 || o.tileSize < 16 ||
      o.tileSize % 16 != 0 || !(o.mpp > 0))
    return makeError(ErrorCode::InvalidArgument, "invalid pyramid size, tile size or pixel size", path);
  STAMP_ASSIGN(Pyramid pyr, makeSpools(path, o));
  // Classic TIFF holds 4 GiB; JPEG at ~1.5 bit/px stays far below for anything but huge slides.
  bool big = double(o.width) * double(o.height) * 3.0 > 8e9;
  std::unique_ptr<TIFF, TiffCloser> tif(TIFFOpen(path.c_str(), big ? "w8" : "w"));
  if (!tif) return tiffError(path, "cannot create the file");
  PyramidInfo info;
  if (progress) progress->begin("Rendering slide", totalTiles(o, pyr));
  STAMP_CHECK(writeLevel0(tif.get(), path, o, render, pyr, info, progress));
  info.levels.emplace_back(o.width, o.height);
  for (SpoolLevel* lv : pyr.levels) {
    if (!TIFFWriteDirectory(tif.get())) return tiffError(path, "cannot finish a directory");
    STAMP_CHECK(writeSpooledLevel(tif.get(), path, o, *lv, info, progress));
    info.levels.emplace_back(lv->width(), lv->height());
  }
  if (!TIFFFlush(tif.get())) return tiffError(path, "cannot flush (disk full?)");
  tif.reset();
  return info;
}

}  // namespace stamp::core::demo
