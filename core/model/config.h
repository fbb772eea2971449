#pragma once
/// StampConfig: the hyper-parameters that shape a STAMP model (keys of the reference config.json).
/// Torch-free so that settings dialogs and project files can include it.
#include <filesystem>
#include <string>

#include "common/result.h"

namespace stamp::core::model {

/// Numbers that fix every tensor shape of a STAMP checkpoint, plus the pixel channel order the
/// checkpoint was trained with ("rgb" or "bgr", STAMP-SPEC §5).
struct StampConfig {
  int nGenes = 0;      // template genes; token ids = nGenes + 30, embedding rows = + 5
  int geneDim = 0;     // gene encoder width
  int geneHeads = 0;
  int geneFf = 0;      // feed-forward width
  int geneLayers = 0;
  int context = 0;     // tokens read per spot (positional embedding rows)
  int visDim = 0;      // ViT width
  int visDepth = 0;
  int visHeads = 0;
  int visMlp = 0;
  int outDim = 0;      // shared embedding size
  std::string channelOrder = "rgb";
  std::string preset;  // name of the preset it came from, empty when custom

  int nTokens() const { return nGenes + 30; }
  bool operator==(const StampConfig&) const = default;
};

/// The published configuration (UNI ViT-L/16 + 12-layer gene encoder, BGR input).
StampConfig presetUni();
/// A small configuration with the same structure, for tests (numbers of stamp_ref.py "tiny").
StampConfig presetTiny();
/// "uni" or "tiny"; InvalidArgument naming the preset otherwise.
Result<StampConfig> presetByName(const std::string& name);

/// Checks every field (positive sizes, widths divisible by heads, channel order); the error
/// names the field.
Status validateConfig(const StampConfig& c);

/// Parses config JSON. With a "preset" key the preset's values are the defaults and listed
/// fields override them; without one every numeric field is required. Unknown keys (e.g.
/// "seed") are ignored. Errors name the field; `context` is put into the error (a file name).
Result<StampConfig> parseConfigJson(const std::string& text, const std::string& context = {});
/// Reads and parses a config.json file.
Result<StampConfig> readConfigFile(const std::filesystem::path& path);
/// The JSON form (the reference's keys plus "preset" when set).
std::string configToJson(const StampConfig& c);

}  // namespace stamp::core::model
