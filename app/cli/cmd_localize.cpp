// stamp localize: where does a reference patch sit? One region's 3 x 3 cell probabilities, or a
// dense search over an area written as a heatmap image + JSON sidecar + GeoJSON of best hits.
#include <cmath>
#include <iostream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_common.h"
#include "commands.h"
#include "common/atomic_file.h"
#include "common/geojson.h"
#include "common/threads.h"
#include "engine/embedder.h"
#include "engine/localizer.h"

namespace stamp::app::cli {
using namespace stamp::core;
using nlohmann::json;

namespace {

Result<data::RgbImage> referencePatch(Args& a, const slide::SlideReader& slide, double ps) {
  if (auto f = a.get("ref-image")) {
    STAMP_ASSIGN(auto img, slide::openSlide(*f));
    const auto l0 = img->level(0);
    STAMP_ASSIGN(slide::Image px, img->readRegion(0, 0, 0, int(l0.width), int(l0.height)));
    return data::resizeRgb(data::fromRgba(px), data::kPatchPx, data::kPatchPx);
  }
  STAMP_ASSIGN(auto xy, parseNumbers(*a.get("ref-xy"), 2, "ref-xy"));
  return engine::spotPatch(slide, xy[0], xy[1], ps);
}

Status writeHeatmap(const std::string& out, const engine::Heatmap& h, const json& sidecar) {
  float lo = 1, hi = 0;
  for (std::size_t i = 0; i < h.score.size(); ++i)
    if (h.coverage[i]) lo = std::min(lo, h.score[i]), hi = std::max(hi, h.score[i]);
  cv::Mat grey(h.height, h.width, CV_8UC1), bgr, bgra;
  for (int j = 0; j < h.height; ++j)
    for (int i = 0; i < h.width; ++i) {
      float s = h.score[std::size_t(j * h.width + i)];
      grey.at<std::uint8_t>(j, i) = std::uint8_t(std::lround(hi > lo ? 255.0 * (s - lo) / (hi - lo) : 128.0));
    }
  cv::applyColorMap(grey, bgr, cv::COLORMAP_VIRIDIS);
  cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);
  for (int j = 0; j < h.height; ++j)  // never-covered locations are transparent
    for (int i = 0; i < h.width; ++i)
      if (!h.coverage[std::size_t(j * h.width + i)]) bgra.at<cv::Vec4b>(j, i)[3] = 0;
  STAMP_CHECK(writeViaTemp(out, [&](const std::filesystem::path& tmp) -> Status {
    std::vector<std::uint8_t> buf;
    if (!cv::imencode(".png", bgra, buf)) return makeError(ErrorCode::Io, "cannot encode PNG", out);
    return writeFileAtomic(tmp, buf);
  }));
  json j = sidecar;
  j["grid"] = {{"width", h.width}, {"height", h.height}, {"x0", h.x0}, {"y0", h.y0}, {"pitch", h.pitch},
               {"cell_side", h.cellSide}, {"score_min", lo}, {"score_max", hi}};
  j["note"] = "pixel (i, j) of the PNG is the location centred at (x0 + i*pitch, y0 + j*pitch) in slide level-0 pixels";
  return writeFileAtomic(out + ".json", j.dump(1));
}

int runSearch(Args& a, const engine::ModelHandle& model, const slide::SlideReader& slide,
              const data::RgbImage& ref, double ps, const json& meta) {
  auto area = parseNumbers(*a.get("search"), 3, "search");
  if (!area) return fail(area.error().describe());
  engine::SearchOptions so{{(*area)[0], (*area)[1], (*area)[2]}, ps, a.getDouble("stride", 0), 16};
  if (!a.error().empty()) return fail(a.error());
  ProgressReporter progress(progressLine, {}, 0.5);
  auto h = engine::searchPatch(model, slide, ref, so, &progress);
  if (!h) return fail(h.error().describe());
  const std::string out = *a.get("out");
  if (auto st = writeHeatmap(out, *h, meta); !st) return fail(st.error().describe());
  std::vector<GeoFeature> hits;
  int rank = 0;
  for (const auto& b : h->best(int(a.getInt("hits", 5))))
    hits.push_back({squareRing(b[0] - ps, b[1] - ps, 2 * ps), "Localization hit", {255, 200, 0},
                    {{"score", b[2]}, {"rank", ++rank}}, "hit " + std::to_string(rank)});
  if (auto st = writeGeoJson(out + ".geojson", hits); !st) return fail(st.error().describe());
  std::cout << "searched " << h->width << " x " << h->height << " locations -> " << out << " (+ .json, .geojson)\n";
  if (!hits.empty()) std::cout << "best: (" << hits[0].measurements["score"] << ") at " << h->best(1)[0][0] << ", " << h->best(1)[0][1] << "\n";
  return kOk;
}

}  // namespace

static int runLocalize(Args& a) {
  if (a.has("ref-image") == a.has("ref-xy")) return usageError(localizeCommand(), "give exactly one of --ref-image and --ref-xy");
  if (a.has("region") && a.has("search")) return usageError(localizeCommand(), "give --region or --search, not both");
  engine::EmbedOptions eo;
  if (a.has("mpp")) eo.mpp = a.getDouble("mpp", 0);
  if (a.has("magnification")) eo.magnification = a.getDouble("magnification", 0);
  if (!a.error().empty()) return fail(a.error());
  setupComputeThreads(0);
  auto slide = slide::openSlide(*a.get("slide"));
  if (!slide) return fail(slide.error().describe());
  auto mpp = engine::fullresMpp(nullptr, **slide, eo);
  if (!mpp) return fail(mpp.error().describe());
  const double ps = data::halfPatchPx(10.0 / *mpp);
  auto model = modelFromArgs(a);
  if (!model) return fail(model.error().describe());
  auto ref = referencePatch(a, **slide, ps);
  if (!ref) return fail(ref.error().describe());
  json meta = {{"slide", (*slide)->path()}, {"weights", (*model)->weightsPath()}, {"weights_sha256", (*model)->sha256()},
               {"half_patch_px", ps}, {"reference", a.has("ref-image") ? *a.get("ref-image") : "xy:" + *a.get("ref-xy")}};
  if (a.has("search")) return runSearch(a, **model, **slide, *ref, ps, meta);
  data::Square region;
  if (auto r = a.get("region")) {
    auto v = parseNumbers(*r, 3, "region");
    if (!v) return fail(v.error().describe());
    region = {(*v)[0], (*v)[1], (*v)[2]};
  } else if (auto xy = a.get("ref-xy")) {  // default: the region with the reference at its centre cell
    auto v = parseNumbers(*xy, 2, "ref-xy");
    region = data::regionSquare((*v)[0], (*v)[1], ps, 4);
  } else {
    return usageError(localizeCommand(), "--ref-image needs --region or --search");
  }
  auto p = engine::localizeInRegion(**model, **slide, region, *ref);
  if (!p) return fail(p.error().describe());
  meta["region"] = {region.x0, region.y0, region.side};
  meta["probabilities"] = p->probs;
  meta["logits"] = p->logits;
  meta["best_cell"] = p->best;
  meta["cells"] = "k = 3 * row + col, row 0 at the top";
  if (auto st = writeFileAtomic(*a.get("out"), meta.dump(1)); !st) return fail(st.error().describe());
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) std::printf("%6.3f ", p->probs[std::size_t(3 * r + c)]);
    std::printf("\n");
  }
  std::cout << "best cell " << p->best << " -> " << *a.get("out") << "\n";
  return kOk;
}

Command localizeCommand() {
  Command c{"localize",
            "Cross-scale patch localization: the probability of each of the 3 x 3 cells of a region\n"
            "holding a reference patch (--region, JSON out), or a dense search over a square area\n"
            "(--search, heatmap PNG + .json sidecar + .geojson of the best hits, QuPath-readable).",
            "--slide S --weights W (--ref-image F | --ref-xy X,Y) [--region X,Y,SIZE | --search X,Y,SIZE [--stride PX]] --out OUT",
            {{"slide", "S", "whole-slide image", true},
             {"ref-image", "F", "reference patch image file (PNG/JPEG/...)", false},
             {"ref-xy", "X,Y", "reference = the spot patch centred at these slide pixels", false},
             {"region", "X,Y,SIZE", "region square (level-0 px); default: centred on --ref-xy", false},
             {"search", "X,Y,SIZE", "search area square (level-0 px)", false},
             {"stride", "PX", "search stride (default: one cell = the patch size)", false},
             {"hits", "N", "best hits written to the GeoJSON (default 5)", false},
             {"out", "OUT", "output (.json for --region, .png for --search)", true},
             {"mpp", "UM", "microns per pixel (overrides the slide)", false},
             {"magnification", "X", "magnification (overrides --mpp)", false}},
            0, 0, runLocalize};
  auto m = modelOptions();
  c.options.insert(c.options.begin() + 1, m.begin(), m.end());
  return c;
}

}  // namespace stamp::app::cli
