// Format dispatch for weight files.
#include <fstream>

#include "model/weights.h"

namespace stamp::core::model {

Result<WeightsFile> readWeights(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    return makeError(std::filesystem::exists(path, ec) ? ErrorCode::Io : ErrorCode::NotFound,
                     "cannot open weights file", path.string());
  }
  char magic[4] = {};
  in.read(magic, 4);
  if (in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4)
    return readTorchSave(path);
  // Legacy files begin with pickle protocol 2 and the LONG1 magic number 0x1950a86a20f9469cfc6c.
  if (in.gcount() == 4 && std::uint8_t(magic[0]) == 0x80 && magic[1] == 2 && std::uint8_t(magic[2]) == 0x8a)
    return makeError(ErrorCode::Unsupported, "legacy (pre-1.6, non-zip) torch.save file: re-save it with a "
                     "current PyTorch or convert it to safetensors", path.string());
  return readSafetensors(path);
}

Status writeWeights(const std::filesystem::path& path, const StateDict& tensors,
                    const std::map<std::string, std::string>& metadata) {
  const std::string ext = path.extension().string();
  if (ext == ".safetensors") return writeSafetensors(path, tensors, metadata);
  if (ext == ".pt" || ext == ".pth" || ext == ".bin") return writeTorchSave(path, tensors);
  return makeError(ErrorCode::InvalidArgument,
                   "unknown weights extension '" + ext + "' (use .safetensors, .pt, .pth or .bin)", path.string());
}

}  // namespace stamp::core::model
