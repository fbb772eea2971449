// stamp convert-weights: torch.save archive <-> safetensors, by the files' extensions.
#include <iostream>

#include "commands.h"
#include "common/threads.h"
#include "model/model_runner.h"

namespace stamp::app::cli {
using namespace stamp::core;

static std::map<std::string, std::string> outputMetadata(Args& a, const model::WeightsFile& in,
                                                         const std::string& inPath, std::string* error) {
  std::map<std::string, std::string> meta = in.metadata;
  std::optional<std::filesystem::path> config;
  if (auto c = a.get("config")) config = *c;
  // Carry the model configuration along when it can be found; converting bare tensors is fine too.
  auto cfg = model::resolveConfig(inPath, in, config);
  if (cfg) meta["stamp_config"] = model::configToJson(*cfg);
  else if (config) *error = cfg.error().describe();
  return meta;
}

static int runConvertWeights(Args& a) {
  setupComputeThreads();
  const std::string inPath = a.positional()[0], outPath = a.positional()[1];
  if (std::filesystem::weakly_canonical(inPath) == std::filesystem::weakly_canonical(outPath))
    return fail("input and output are the same file");
  auto in = model::readWeights(inPath);
  if (!in) return fail(in.error().describe());
  std::string error;
  auto meta = outputMetadata(a, *in, inPath, &error);
  if (!error.empty()) return fail(error);
  Status st = model::writeWeights(outPath, in->tensors, meta);
  if (!st) return fail(st.error().describe());
  if (!in->skipped.empty())
    std::cerr << "stamp: note: " << in->skipped.size() << " non-tensor entries were not converted\n";
  std::cout << "wrote " << in->tensors.size() << " tensors (" << in->format << " -> " << outPath << ")\n";
  return kOk;
}

Command convertWeightsCommand() {
  return {"convert-weights",
          "Convert model weights between torch.save (.pt/.pth/.bin) and .safetensors\n"
          "The output format follows OUT's extension. Floating tensors are written as float32.\n"
          "The model config (--config, metadata, or config.json beside IN) is stored in the\n"
          "safetensors metadata under \"stamp_config\" when found.",
          "IN OUT [--config FILE]",
          {{"config", "FILE", "model config JSON to record in a safetensors output", false}},
          2,
          2,
          runConvertWeights};
}

}  // namespace stamp::app::cli
