#include "cli_common.h"

#include <iostream>
#include <sstream>

#include "engine/embedding_io.h"

namespace stamp::app::cli {
using namespace stamp::core;

std::vector<OptionSpec> modelOptions() {
  return {{"weights", "W", "model weights (.pt or .safetensors)", true},
          {"config", "C", "model config JSON (default: from the weights or config.json beside them)", false},
          {"preset", "P", "model preset for the weights: uni or tiny", false},
          {"device", "D", "cpu, cuda or cuda:N (default cpu)", false},
          precisionOption()};
}

Result<std::shared_ptr<engine::ModelHandle>> modelFromArgs(Args& a) {
  std::optional<std::string> preset = a.get("preset"), config = a.get("config");
  if (preset && config) return makeError(ErrorCode::InvalidArgument, "give --config or --preset, not both");
  STAMP_ASSIGN(model::Precision precision, precisionFromArgs(a));
  STAMP_ASSIGN(auto model, engine::ModelHandle::fromFiles(*a.get("weights"), config, preset, a.getOr("device", "cpu")));
  STAMP_CHECK(model->setPrecision(precision));
  return model;
}

OptionSpec precisionOption() {
  return {"precision", "P", "fp32 (default), bf16 or fp16: autocast the forward pass (fp16 on CUDA only)", false};
}

Result<model::Precision> precisionFromArgs(Args& a) { return model::parsePrecision(a.getOr("precision", "fp32")); }

void progressLine(const ProgressUpdate& u) {
  std::cerr << "\r" << u.phase << ": " << u.done << "/" << u.total;
  if (u.etaSeconds >= 0) std::cerr << "  ETA " << int(u.etaSeconds) << " s   ";
  if (u.done >= u.total) std::cerr << "\n";
}

Result<OpenedSlide> openSlideFor(const std::optional<std::string>& slidePath, const st::SpatialSample* sample) {
  OpenedSlide out;
  std::string path;
  if (slidePath) {
    path = *slidePath;
  } else if (sample) {
    STAMP_ASSIGN(engine::SampleImage img, engine::sampleImage(*sample));
    path = img.path;
    out.coordScale = img.coordScale;
  } else {
    return makeError(ErrorCode::InvalidArgument, "give --slide (or --st with an image)");
  }
  STAMP_ASSIGN(out.reader, slide::openSlide(path));
  return out;
}

Result<std::vector<double>> parseNumbers(const std::string& text, std::size_t count, const std::string& option) {
  std::vector<double> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      v.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (...) {
      return makeError(ErrorCode::InvalidArgument, "--" + option + " expects numbers, got '" + text + "'");
    }
  }
  if (v.size() != count)
    return makeError(ErrorCode::InvalidArgument, "--" + option + " expects " + std::to_string(count) + " comma-separated numbers, got '" + text + "'");
  return v;
}

}  // namespace stamp::app::cli
