#pragma once
// Fixtures of bench_memory, generated fast: a pyramidal JPEG TIFF of any size built from a few
// distinct tiles encoded once (their compressed bytes are repeated with TIFFWriteRawTile, so a
// 100,000 px slide takes seconds and a few hundred MB), and an h5ad of Visium-like counts
// (~1,700 expressed genes per spot) written with our own writer.
#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "st/h5ad.h"
#include "st/vocabulary.h"

namespace stamp::bench::mem {

namespace fs = std::filesystem;
namespace st = stamp::core::st;

/// splitmix64: a fast deterministic generator (std::mt19937 would dominate generation time).
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
};

constexpr int kBackgroundTiles = 3, kTissueTiles = 9, kTile = 256;

/// RGB pixels of distinct tile `k`: near-white glass, or pink tissue with purple nuclei.
inline std::vector<std::uint8_t> syntheticTile(int k) {
  std::vector<std::uint8_t> rgb(std::size_t(kTile) * kTile * 3);
  Rng r{std::uint64_t(k) * 7919 + 1};
  const bool tissue = k >= kBackgroundTiles;
  struct Nucleus { double x, y, rx, ry; };
  std::vector<Nucleus> nuclei;
  for (int i = 0; tissue && i < 30; ++i)
    nuclei.push_back({r.uniform() * kTile, r.uniform() * kTile, 3 + 5 * r.uniform(), 3 + 5 * r.uniform()});
  for (int y = 0; y < kTile; ++y)
    for (int x = 0; x < kTile; ++x) {
      double R = 243, G = 241, B = 244;
      if (tissue) {  // eosin stroma, a slow wave so tiles differ, then haematoxylin nuclei
        double w = 0.5 + 0.5 * std::sin((x + 0.4 * k * y) * 0.015 + k);
        R = 232 - 12 * w, G = 168 - 25 * w, B = 200 - 10 * w;
        for (const auto& n : nuclei) {
          double d = ((x - n.x) * (x - n.x)) / (n.rx * n.rx) + ((y - n.y) * (y - n.y)) / (n.ry * n.ry);
          if (d < 1) R = 95 + 30 * d, G = 55 + 40 * d, B = 150 + 20 * d;
        }
      }
      std::uint8_t* p = rgb.data() + (std::size_t(y) * kTile + x) * 3;
      p[0] = std::uint8_t(R), p[1] = std::uint8_t(G), p[2] = std::uint8_t(B);
    }
  return rgb;
}

inline bool setTileTags(TIFF* t, std::int64_t w, std::int64_t h, bool reduced, double downsample) {
  const float pxPerCm = float(10000.0 / (0.5 * downsample));  // 0.5 um/px at level 0
  return TIFFSetField(t, TIFFTAG_SUBFILETYPE, reduced ? FILETYPE_REDUCEDIMAGE : 0) &&
         TIFFSetField(t, TIFFTAG_IMAGEWIDTH, std::uint32_t(w)) && TIFFSetField(t, TIFFTAG_IMAGELENGTH, std::uint32_t(h)) &&
         TIFFSetField(t, TIFFTAG_TILEWIDTH, kTile) && TIFFSetField(t, TIFFTAG_TILELENGTH, kTile) &&
         TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8) && TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 3) &&
         TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
         TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_JPEG) &&
         TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR) && TIFFSetField(t, TIFFTAG_YCBCRSUBSAMPLING, 2, 2) &&
         TIFFSetField(t, TIFFTAG_JPEGTABLESMODE, 0) &&  // tables inside every tile: raw copies stand alone
         TIFFSetField(t, TIFFTAG_XRESOLUTION, pxPerCm) && TIFFSetField(t, TIFFTAG_YRESOLUTION, pxPerCm) &&
         TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER);
}

/// The distinct tiles as complete JPEG streams: encoded by libtiff's codec into a scratch TIFF
/// (the same codec settings a real pyramid gets), then read back raw.
inline std::vector<std::vector<std::uint8_t>> encodeTiles(const fs::path& scratch) {
  const int n = kBackgroundTiles + kTissueTiles;
  TIFF* t = TIFFOpen(scratch.c_str(), "w");
  if (!t || !setTileTags(t, std::int64_t(n) * kTile, kTile, false, 1) || !TIFFSetField(t, TIFFTAG_JPEGQUALITY, 70) ||
      !TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB))
    return {};
  for (int k = 0; k < n; ++k) {
    auto rgb = syntheticTile(k);
    if (TIFFWriteEncodedTile(t, std::uint32_t(k), rgb.data(), tmsize_t(rgb.size())) < 0) return {};
  }
  TIFFClose(t);
  std::vector<std::vector<std::uint8_t>> out;
  t = TIFFOpen(scratch.c_str(), "r");
  std::uint64_t* counts = nullptr;
  if (!t || !TIFFGetField(t, TIFFTAG_TILEBYTECOUNTS, &counts)) return {};
  for (int k = 0; k < n; ++k) {
    std::vector<std::uint8_t> b(counts[k]);
    if (TIFFReadRawTile(t, std::uint32_t(k), b.data(), tmsize_t(b.size())) != tmsize_t(b.size())) return {};
    out.push_back(std::move(b));
  }
  TIFFClose(t);
  fs::remove(scratch);
  return out;
}

/// Which distinct tile goes at (tx, ty) of a level: tissue inside a central ellipse (about half
/// the slide, like a section on glass), glass elsewhere; the pick within a kind is hashed.
inline int tileChoice(std::int64_t tx, std::int64_t ty, int level, double u, double v) {
  Rng r{std::uint64_t(tx) * 1000003 + std::uint64_t(ty) * 7 + std::uint64_t(level) * 0x51ed27};
  const double e = std::pow((u - 0.5) / 0.42, 2) + std::pow((v - 0.5) / 0.36, 2);
  return e < 1 ? kBackgroundTiles + int(r.next() % kTissueTiles) : int(r.next() % kBackgroundTiles);
}

/// Writes a w x h pyramid (levels halve until the long side is under 1,024 px, as the demo
/// writer does) to `path`; "" on success, else what failed.
inline std::string writeFastSlide(const fs::path& path, std::int64_t w, std::int64_t h) {
  auto tiles = encodeTiles(fs::path(path).concat(".tiles.tif"));
  if (tiles.empty()) return "cannot encode the distinct tiles";
  std::vector<std::pair<std::int64_t, std::int64_t>> levels{{w, h}};
  while (std::max(levels.back().first, levels.back().second) / 2 >= 1024)
    levels.emplace_back((levels.back().first + 1) / 2, (levels.back().second + 1) / 2);
  TIFF* t = TIFFOpen(path.c_str(), double(w) * double(h) > 2e10 ? "w8" : "w");
  if (!t) return "cannot create " + path.string();
  for (std::size_t l = 0; l < levels.size(); ++l) {
    const auto [lw, lh] = levels[l];
    if (!setTileTags(t, lw, lh, l > 0, double(w) / double(lw))) return "cannot set the tags";
    const std::int64_t nx = (lw + kTile - 1) / kTile, ny = (lh + kTile - 1) / kTile;
    for (std::int64_t ty = 0; ty < ny; ++ty)
      for (std::int64_t tx = 0; tx < nx; ++tx) {
        const auto& b = tiles[std::size_t(tileChoice(tx, ty, int(l), (tx + 0.5) / double(nx), (ty + 0.5) / double(ny)))];
        if (TIFFWriteRawTile(t, std::uint32_t(ty * nx + tx), const_cast<std::uint8_t*>(b.data()), tmsize_t(b.size())) < 0)
          return "cannot write a tile (disk full?)";
      }
    if (!TIFFWriteDirectory(t)) return "cannot finish a directory";
  }
  TIFFClose(t);
  return {};
}

/// Gene ids: the first `n` STAMP template ids (so the tokenizer maps every column), in a
/// shuffled order (10x files list genes in genome order, not the template's); Ensembl-looking
/// made-up ids when the vocabulary is absent.
inline std::vector<std::string> geneIds(const st::Vocabulary* vocab, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    if (vocab && std::size_t(i) < vocab->size()) ids.push_back(vocab->templateIds()[std::size_t(i)]);
    else ids.push_back("ENSG9" + std::to_string(10000000000LL + i));
  }
  Rng r{99};
  for (std::size_t i = ids.size(); i > 1; --i) std::swap(ids[i - 1], ids[r.next() % i]);
  return ids;
}

/// Visium-like counts: each spot expresses ~1,700 of the genes (geometric gaps, so columns come
/// sorted and distinct), counts mostly 1-3 with a tail; spots on a hexagonal grid.
inline st::SpatialSample makeSample(std::int64_t spots, const std::vector<std::string>& genes) {
  st::SpatialSample s;
  s.name = "bench";
  const auto g = std::int64_t(genes.size());
  for (const auto& id : genes) s.genes.push_back({id, id});
  auto& c = s.counts;
  c.rows = spots, c.cols = g;
  c.indptr.reserve(std::size_t(spots) + 1);
  c.indptr.push_back(0);
  c.indices.reserve(std::size_t(spots) * 1750), c.data.reserve(std::size_t(spots) * 1750);
  Rng r{7};
  const double p = 1700.0 / double(g), logq = std::log1p(-p);
  for (std::int64_t i = 0; i < spots; ++i) {
    for (std::int64_t col = std::int64_t(std::log(1 - r.uniform()) / logq); col < g;
         col += 1 + std::int64_t(std::log(1 - r.uniform()) / logq)) {
      const std::uint64_t v = r.next();
      c.indices.push_back(std::int32_t(col));
      c.data.push_back(float((v & 3) ? 1 + (v >> 8) % 3 : 1 + (v >> 8) % 40));
    }
    c.indptr.push_back(std::int64_t(c.indices.size()));
    const int row = int(i / 256), col = int(i % 256) * 2 + row % 2;
    s.spots.push_back({"S" + std::to_string(1000000 + i) + "-1", row, col, col * 100.0, row * 173.2, true});
  }
  s.scale.spotDiameterFullres = 89;
  return s;
}

}  // namespace stamp::bench::mem
