// One sample of the corpus: read, tokenize, filter, crop, stream its rows to a part file.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "common/atomic_file.h"
#include "corpus/corpus_internal.h"
#include "corpus/shard_io.h"
#include "data/crops.h"
#include "engine/embedding_io.h"
#include "slide/slide_reader.h"
#include "st/open_spatial.h"
#include "st/tokenizer.h"

namespace stamp::core::corpus {

namespace {

constexpr long long kBlockRows = 32;  // rows cropped and written at a time (~10 MB with images)

std::string meta(const st::SpatialSample& s, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (auto it = s.metadata.find(k); it != s.metadata.end() && !it->second.empty()) return it->second;
  return {};
}

/// Crop magnification: the user's, else the sample's pixel size (10 / mpp, as the published
/// pipeline), else its recorded magnification, else the slide's own (full-resolution images only).
Result<double> magnificationFor(const st::SpatialSample& s, const slide::SlideReader& slide,
                                double coordScale, const CorpusOptions& o) {
  if (o.magnification) return *o.magnification;
  if (o.mpp) return 10.0 / *o.mpp;
  if (auto um = s.pixelSizeUm(); um && *um > 0 && std::isfinite(*um)) return 10.0 / *um;
  const std::string m = meta(s, {"magnification"});
  try {
    if (double v = m.empty() ? 0 : std::stod(m); v > 0 && v <= 200) return v;
  } catch (const std::exception&) {
  }
  if (coordScale == 1.0) return data::cropMagnification(slide, std::nullopt);
  return makeError(ErrorCode::InvalidArgument,
                   "no magnification or pixel size known for this sample; pass --magnification or --mpp");
}

/// The slide (or scaled PNG) a sample's patches are cut from.
struct ImageSource {
  std::unique_ptr<slide::SlideReader> slide;
  double scale = 1.0;  // image pixels per full-resolution pixel
  double ps = 0;       // half patch, full-resolution pixels
  std::int64_t width = 0, height = 0;
  data::Square toImage(const data::Square& q) const { return {q.x0 * scale, q.y0 * scale, q.side * scale}; }
};

Result<ImageSource> openImage(const st::SpatialSample& s, const CorpusOptions& o, SampleRecord& r) {
  STAMP_ASSIGN(auto si, engine::sampleImage(s));
  ImageSource src;
  STAMP_ASSIGN(src.slide, slide::openSlide(si.path));
  src.scale = si.coordScale;
  STAMP_ASSIGN(r.magnification, magnificationFor(s, *src.slide, src.scale, o));
  src.ps = data::halfPatchPx(r.magnification);
  src.width = src.slide->level(0).width;
  src.height = src.slide->level(0).height;
  r.imagePath = si.path;
  return src;
}

void toChw(const data::RgbImage& img, std::uint8_t* out) {
  const std::size_t plane = std::size_t(img.width) * std::size_t(img.height);
  for (std::size_t i = 0; i < plane; ++i)
    for (std::size_t c = 0; c < 3; ++c) out[c * plane + i] = img.rgb[i * 3 + c];
}

/// The spot's region cell: a seeded draw among the cells whose region fits the image, -1 if none.
/// Seeded per (seed, sample, spot) so that it does not depend on filtering or scheduling.
int drawCell(const ImageSource& src, const st::Spot& spot, std::uint64_t seed, int id, std::int64_t spotIndex) {
  auto cells = data::validCells(spot.x * src.scale, spot.y * src.scale, src.ps * src.scale, src.width, src.height);
  if (cells.empty()) return -1;
  std::uint64_t state = seed ^ (std::uint64_t(id) << 32) ^ std::uint64_t(spotIndex);
  return cells[std::size_t(splitmix64(state) % cells.size())];
}

/// Fills `b` with rows keep[from, to).
Status fillBlock(const st::SpatialSample& s, const st::TokenTable& t, const ImageSource* img,
                 const std::vector<std::int64_t>& keep, std::size_t from, std::size_t to,
                 const JobContext& ctx, const SampleRecord& r, RowBlock& b, long long& noCell) {
  b.reset(kTokenLen, img ? kImagePx : 0);
  for (std::size_t k = from; k < to; ++k) {
    const std::int64_t i = keep[k];
    const st::TokenId* row = t.row(i);
    b.tokens.insert(b.tokens.end(), row, row + kTokenLen);
    b.slideId.push_back(r.id);
    b.datasetId.push_back(r.datasetId);
    b.spotIndex.push_back(i);
    int cell = -1;
    if (img) {
      const st::Spot& sp = s.spots[std::size_t(i)];
      cell = drawCell(*img, sp, ctx.options->seed, r.id, i);
      const std::size_t at = b.images.size(), bytes = b.imageBytes();
      b.images.resize(at + bytes);
      b.regions.resize(at + bytes, 0);
      STAMP_ASSIGN(auto patch, data::cropSquare(*img->slide, img->toImage(data::spotSquare(sp.x, sp.y, img->ps)), kImagePx));
      toChw(patch, b.images.data() + at);
      if (cell >= 0) {
        STAMP_ASSIGN(auto region, data::cropSquare(*img->slide, img->toImage(data::regionSquare(sp.x, sp.y, img->ps, cell)), kImagePx));
        toChw(region, b.regions.data() + at);
      } else {
        ++noCell;
      }
    }
    b.posLabel.push_back(cell);
    ++b.rows;
  }
  return {};
}

/// Applies the spot filters; counts what each one dropped.
std::vector<std::int64_t> selectSpots(const st::SpatialSample& s, const st::TokenTable& t,
                                      const ImageSource* img, const CorpusOptions& o, SampleRecord& r) {
  std::vector<std::int64_t> keep;
  for (std::int64_t i = 0; i < t.rows; ++i) {
    const st::Spot& sp = s.spots[std::size_t(i)];
    if (o.inTissueOnly && !sp.inTissue) {
      ++r.droppedOffTissue;
    } else if (t.lengths[std::size_t(i)] < o.minGenes) {
      ++r.droppedMinGenes;
    } else if (img && (!std::isfinite(sp.x) || !std::isfinite(sp.y) ||
                       !data::squareInside(img->toImage(data::spotSquare(sp.x, sp.y, img->ps)), img->width, img->height))) {
      ++r.droppedOutsideSlide;
    } else {
      keep.push_back(i);
    }
  }
  return keep;
}

void tally(const st::TokenTable& t, const std::vector<std::int64_t>& keep, SampleOutcome& o, std::size_t vocabSize) {
  std::vector<char> seen(vocabSize, 0);
  const auto& bins = geneBins();
  for (auto i : keep) {
    const int len = t.lengths[std::size_t(i)];
    const auto bin = std::size_t(std::lower_bound(bins.begin(), bins.end(), len) - bins.begin());
    ++o.record.genesPerSpot[std::min(bin, bins.size() - 1)];
    for (int j = 0; j < len; ++j) {
      const auto g = t.row(i)[j] - st::kTokenAux;
      if (g >= 0 && std::size_t(g) < vocabSize) seen[std::size_t(g)] = 1;
    }
  }
  for (std::size_t g = 0; g < vocabSize; ++g)
    if (seen[g]) o.expressedGenes.push_back(int(g));
}

/// Streams the kept rows to the part file, block by block (through a temp name).
Status writePart(const std::string& partPath, const st::SpatialSample& sample, const st::TokenTable& table,
                 const ImageSource* img, const std::vector<std::int64_t>& keep, const JobContext& ctx, SampleRecord& r) {
  return writeViaTemp(partPath, [&](const std::filesystem::path& tmp) -> Status {
    STAMP_ASSIGN(auto w, RowWriter::create(tmp.string(), (long long)keep.size(), kTokenLen, img ? kImagePx : 0));
    RowBlock b;
    for (std::size_t from = 0; from < keep.size(); from += kBlockRows) {
      STAMP_CHECK(ctx.cancel.check());
      const std::size_t to = std::min(keep.size(), from + std::size_t(kBlockRows));
      auto filled = fillBlock(sample, table, img, keep, from, to, ctx, r, b, r.noRegionCell);
      if (!filled) return filled.error().within(r.path);
      STAMP_CHECK(w.write(b));
    }
    return w.close();
  });
}

}  // namespace

Result<SampleOutcome> processSample(const InputSample& in, int id, int datasetId, const JobContext& ctx,
                                    const std::string& partPath) {
  const CorpusOptions& opt = *ctx.options;
  SampleOutcome o;
  SampleRecord& r = o.record;
  r.id = id;
  r.path = in.path;
  r.datasetId = datasetId;
  r.genesPerSpot.assign(geneBins().size(), 0);
  auto sample = st::openSpatial(in.path);
  if (!sample) {
    r.skipped = "unreadable: " + sample.error().describe();
    return o;
  }
  r.name = sample->name;
  r.organ = meta(*sample, {"organ", "tissue"});
  r.technology = meta(*sample, {"st_technology", "source_format"});
  r.spotsRead = (long long)sample->spotCount();
  r.genesInput = int(sample->geneCount());
  st::TokenizeOptions topt;
  topt.maxLen = kTokenLen;
  topt.threads = opt.workers == 1 ? 0 : 1;  // parallel over samples already
  auto table = st::tokenize(*sample, *ctx.vocab, topt);
  if (!table) {
    r.skipped = "not tokenized: " + table.error().describe();
    return o;
  }
  r.genesMatched = table->genesMatched;
  std::optional<ImageSource> img;
  if (opt.withImages) {
    auto opened = openImage(*sample, opt, r);
    if (!opened) {
      r.skipped = "no usable image: " + opened.error().describe();
      return o;
    }
    img = std::move(*opened);
  }
  const auto keep = selectSpots(*sample, *table, img ? &*img : nullptr, opt, r);
  if (keep.empty()) {
    r.skipped = "no spot passed the filters";
    return o;
  }
  Status written = writePart(partPath, *sample, *table, img ? &*img : nullptr, keep, ctx, r);
  if (!written) {
    // Cancellation stops the build; anything else (a corrupt slide tile...) skips the sample.
    if (written.error().code == ErrorCode::Cancelled) return written.error();
    r.skipped = "failed while cutting its rows: " + written.error().describe();
    r.noRegionCell = 0;
    return o;
  }
  r.spotsKept = (long long)keep.size();
  tally(*table, keep, o, ctx.vocab->size());
  return o;
}

}  // namespace stamp::core::corpus
