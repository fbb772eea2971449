// The contents of the demo sample: slide, spots and counts, images, metadata.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "common/atomic_file.h"
#include "demo/counts.h"
#include "demo/demo_internal.h"
#include "demo/gene_table.h"
#include "demo/tissue_render.h"
#include "demo/visium_layout.h"

namespace stamp::core::demo {

SimulatedSpots simulateSpots(const TissueModel& model, ProgressReporter* progress) {
  SimulatedSpots sim;
  sim.spots = visiumLayout(model);
  if (progress) progress->begin("Simulating expression", std::int64_t(sim.spots.size()));
  for (const st::Spot& s : sim.spots) {
    sim.fractions.push_back(footprintFractions(model, s.x, s.y));
    if (progress) progress->advance();
  }
  sim.counts = simulateCounts(model, sim.spots, sim.fractions);
  return sim;
}

st::ScaleFactors demoScaleFactors(const TissueModel& model) {
  double longSide = double(std::max(model.width(), model.height()));
  st::ScaleFactors s;
  s.hiresScalef = std::min(1.0, 2000.0 / longSide);
  s.lowresScalef = std::min(1.0, 600.0 / longSide);
  s.spotDiameterFullres = model.px(kSpotDiameterUm);
  // Visium fiducials are about 1.615 spot diameters (Space Ranger's 144.4 / 89.4 px).
  s.fiducialDiameterFullres = model.px(kSpotDiameterUm) * 1.615;
  return s;
}

namespace {

// Majority compartment under the footprint; an in-tissue spot takes its main tissue compartment.
int dominantCompartment(const std::vector<double>& f, bool inTissue) {
  int best = 0;
  for (int c = 1; c < kCompartmentCount; ++c)
    if (f[std::size_t(c)] > f[std::size_t(best)] || (inTissue && best == 0 && f[std::size_t(c)] > 0)) best = c;
  return inTissue ? best : 0;
}

void addObs(st::SpatialSample& s, const SimulatedSpots& sim, const std::vector<std::size_t>& rows) {
  st::ObsColumn comp;
  comp.kind = st::ObsColumn::Kind::Categorical;
  for (int c = 0; c < kCompartmentCount; ++c) comp.categories.push_back(compartmentName(Compartment(c)));
  for (std::size_t r : rows) comp.codes.push_back(dominantCompartment(sim.fractions[r], sim.spots[r].inTissue));
  s.obs["compartment"] = std::move(comp);
  for (int c = 1; c < kCompartmentCount; ++c) {
    st::ObsColumn f;
    f.kind = st::ObsColumn::Kind::Numeric;
    for (std::size_t r : rows) f.numbers.push_back(sim.fractions[r][std::size_t(c)]);
    s.obs[std::string("fraction_") + compartmentName(Compartment(c))] = std::move(f);
  }
}

st::CsrMatrix selectRows(const st::CsrMatrix& m, const std::vector<std::size_t>& rows) {
  st::CsrMatrix out;
  out.rows = std::int64_t(rows.size());
  out.cols = m.cols;
  out.indptr.push_back(0);
  for (std::size_t r : rows) {
    for (auto k = m.indptr[r]; k < m.indptr[r + 1]; ++k) {
      out.indices.push_back(m.indices[std::size_t(k)]);
      out.data.push_back(m.data[std::size_t(k)]);
    }
    out.indptr.push_back(std::int64_t(out.data.size()));
  }
  return out;
}

std::string number(double v) {
  std::ostringstream os;
  os << std::setprecision(10) << v;
  return os.str();
}

}  // namespace

st::SpatialSample makeSample(const TissueModel& model, const SimulatedSpots& sim,
                             const std::vector<bool>& keep, const DemoPaths& paths) {
  st::SpatialSample s;
  s.name = paths.hestId;
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < sim.spots.size(); ++i)
    if (keep[i]) rows.push_back(i);
  for (std::size_t r : rows) s.spots.push_back(sim.spots[r]);
  for (const DemoGene& g : demoGenes()) s.genes.push_back({g.ensembl, g.symbol});
  s.counts = selectRows(sim.counts, rows);
  s.scale = demoScaleFactors(model);
  // Image paths stay empty: the files must not depend on where the folder was written (the
  // Space Ranger and HEST readers find the images by their standard places).
  s.metadata = {{"pixel_size_um_estimated", number(model.mpp())}, {"magnification", "20x"},
                {"st_technology", "Visium"}, {"organ", "Bowel"}, {"oncotree_code", "COAD"},
                {"species", "Homo sapiens"}, {"spot_diameter", "55.0"}, {"inter_spot_dist", "100.0"},
                {"source", "STAMP Studio synthetic demo sample"}};
  addObs(s, sim, rows);
  s.uns["stamp_demo"] = {{"seed", model.seed()}, {"width", model.width()}, {"height", model.height()},
                         {"mpp", model.mpp()}, {"synthetic", true}};
  return s;
}

Result<PyramidInfo> writeDemoSlide(const std::string& path, const TissueModel& model, int threads,
                                   ProgressReporter* progress) {
  PyramidOptions o;
  o.width = model.width();
  o.height = model.height();
  o.mpp = model.mpp();
  o.threads = threads;
  PyramidInfo info;
  Status st = writeViaTemp(path, [&](const std::filesystem::path& tmp) -> Status {
    auto render = [&model](std::int64_t x0, std::int64_t y0, int w, int h, std::uint8_t* rgb,
                           std::size_t stride) { renderRegion(model, x0, y0, w, h, rgb, stride); };
    STAMP_ASSIGN(info, writePyramidTiff(tmp.string(), o, render, progress));
    return {};
  });
  if (!st.ok()) return st.error();
  return info;
}

namespace {

Status writePng(const std::string& path, const cv::Mat& rgb, double scale) {
  try {
    cv::Mat resized, bgr;
    cv::Size size(std::max(1, int(std::lround(rgb.cols * scale))), std::max(1, int(std::lround(rgb.rows * scale))));
    cv::resize(rgb, resized, size, 0, 0, cv::INTER_AREA);
    cv::cvtColor(resized, bgr, cv::COLOR_RGB2BGR);
    std::vector<std::uint8_t> bytes;
    if (!cv::imencode(".png", bgr, bytes)) return makeError(ErrorCode::Io, "PNG encoding failed", path);
    return writeFileAtomic(path, bytes);
  } catch (const cv::Exception& e) {
    return makeError(ErrorCode::Io, std::string("cannot write the image: ") + e.what(), path);
  }
}

}  // namespace

Status writeSpatialImages(const PyramidInfo& info, const TissueModel& model, const DemoPaths& paths) {
  const RgbImage& p = info.preview;
  if (p.rgb.empty()) return makeError(ErrorCode::Internal, "no preview level was kept", paths.slide);
  cv::Mat rgb(p.height, p.width, CV_8UC3, const_cast<std::uint8_t*>(p.rgb.data()));
  st::ScaleFactors sf = demoScaleFactors(model);
  // Scale factors are relative to level 0; the preview is already downsampled.
  STAMP_CHECK(writePng(paths.hiresPng, rgb, sf.hiresScalef * info.previewDownsample));
  return writePng(paths.lowresPng, rgb, sf.lowresScalef * info.previewDownsample);
}

std::string hestMetadataCsv(const TissueModel& model, const std::string& id) {
  std::ostringstream os;
  os << "id,dataset_title,organ,oncotree_code,species,st_technology,magnification,"
        "pixel_size_um_estimated,spot_diameter,inter_spot_dist,fullres_px_width,fullres_px_height\n"
     << id << ",STAMP Studio synthetic demo,Bowel,COAD,Homo sapiens,Visium,20x," << number(model.mpp())
     << ",55.0,100.0," << model.width() << "," << model.height() << "\n";
  return os.str();
}

}  // namespace stamp::core::demo
