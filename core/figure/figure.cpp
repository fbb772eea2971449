// writeFigure: layout, background, format dispatch by extension, atomic writes and the sidecar.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "common/atomic_file.h"
#include "figure/figure_internal.h"

namespace stamp::core::figure {
namespace {

std::string lowerExtension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext;
}

Status writeOutput(const std::string& ext, const FigureInput& in, const FigureOptions& o,
                   const FigureLayout& f, const cv::Mat& background, const std::string& out) {
  if (ext == ".svg") {
    STAMP_ASSIGN(auto svg, detail::renderSvg(in, o, f, background));
    return writeFileAtomic(out, svg);
  }
  if (ext == ".pdf") {
    STAMP_ASSIGN(auto pdf, detail::renderPdf(in, o, f, background));
    return writeFileAtomic(out, std::span<const std::uint8_t>(pdf));
  }
  const cv::Mat canvas = detail::renderRaster(in, o, f, background);
  if (ext == ".png") {
    STAMP_ASSIGN(auto png, detail::encodePng(canvas, o.dpi));
    return writeFileAtomic(out, std::span<const std::uint8_t>(png));
  }
  return writeViaTemp(out, [&](const std::filesystem::path& tmp) {
    return detail::writeTiff(tmp.string(), canvas, o.dpi);
  });
}

}  // namespace

nlohmann::json figureSidecar(const FigureInput& in, const FigureOptions& o, const FigureLayout& f) {
  using nlohmann::json;
  json j;
  j["layer"] = {{"name", in.layer.name}, {"label", in.layer.label},
                {"kind", in.layer.categorical ? "categorical" : in.layer.isRgb() ? "rgb" : "numeric"}};
  if (in.layer.categorical) j["layer"]["categories"] = in.layer.categories;
  j["colormap"] = in.layer.categorical ? "tab20" : in.layer.isRgb() ? "direct-rgb" : colorMapName(o.cmap);
  j["vmin"] = f.vmin;
  j["vmax"] = f.vmax;
  j["opacity"] = o.opacity;
  j["region"] = {{"x", f.region.x}, {"y", f.region.y}, {"w", f.region.w}, {"h", f.region.h}};
  j["scale"] = f.scale;
  j["map"] = {{"x", f.mapX}, {"y", f.mapY}, {"w", f.mapW}, {"h", f.mapH}};
  j["width"] = f.width;
  j["height"] = f.height;
  j["pixel_size_um"] = in.umPerPx ? json(*in.umPerPx) : json(nullptr);
  j["figure_pixel_size_um"] = in.umPerPx ? json(*in.umPerPx / f.scale) : json(nullptr);
  j["scale_bar"] = {{"um", f.scaleBarUm}, {"px", f.scaleBarPx}, {"label", f.scaleBarLabel}};
  j["spot_radius_px"] = f.spotRadiusPx;
  j["spots_drawn"] = f.drawnSpots.size();
  j["dpi"] = o.dpi;
  j["title"] = o.title;
  j["background_level"] = f.backgroundLevel;
  j["image_scale"] = in.imageScale;
  return j;
}

Result<FigureLayout> writeFigure(const FigureInput& in, const FigureOptions& o, const std::string& out,
                                 const nlohmann::json& provenance) {
  const std::string ext = lowerExtension(out);
  if (ext != ".png" && ext != ".svg" && ext != ".pdf" && ext != ".tif" && ext != ".tiff")
    return makeError(ErrorCode::InvalidArgument,
                     "unsupported figure format '" + ext + "': use .png, .tif, .tiff, .svg or .pdf", out);
  STAMP_ASSIGN(auto layout, layoutFigure(in, o));
  STAMP_ASSIGN(auto background, detail::renderBackground(in, layout));
  STAMP_CHECK(writeOutput(ext, in, o, layout, background, out));
  auto sidecar = figureSidecar(in, o, layout);
  sidecar["output"] = out;
  sidecar["format"] = ext.substr(1);
  if (provenance.is_object()) sidecar.update(provenance);
  STAMP_CHECK(writeFileAtomic(out + ".json", sidecar.dump(2) + "\n"));
  return layout;
}

}  // namespace stamp::core::figure
