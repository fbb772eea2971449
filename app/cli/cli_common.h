#pragma once
/// Pieces several `stamp` commands share: model options, progress lines, slide + sample opening.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "common/progress.h"
#include "engine/model_handle.h"
#include "model/precision.h"
#include "slide/slide_reader.h"
#include "st/spatial_sample.h"

namespace stamp::app::cli {

/// --weights, --config, --preset, --device, --precision.
std::vector<OptionSpec> modelOptions();
core::Result<std::shared_ptr<core::engine::ModelHandle>> modelFromArgs(Args& a);
/// --precision: fp32 (default), or autocast to bf16 / fp16 (fp16 on CUDA only).
OptionSpec precisionOption();
core::Result<core::model::Precision> precisionFromArgs(Args& a);

/// A progress line on stderr ("phase: done/total  ETA s"), rewritten in place.
void progressLine(const core::ProgressUpdate& u);

/// The slide of --slide, else the image of the sample (with its coordinate scale).
struct OpenedSlide {
  std::unique_ptr<core::slide::SlideReader> reader;
  double coordScale = 1.0;  // slide pixels per full-resolution sample pixel
};
core::Result<OpenedSlide> openSlideFor(const std::optional<std::string>& slidePath,
                                       const core::st::SpatialSample* sample);

/// "X,Y" or "X,Y,SIZE" -> numbers; error naming the option otherwise.
core::Result<std::vector<double>> parseNumbers(const std::string& text, std::size_t count,
                                               const std::string& option);

}  // namespace stamp::app::cli
