#pragma once
/// A restricted unpickler for torch.save's data.pkl, and the matching pickle writer.
/// It never imports or calls anything: the only globals accepted are those a PyTorch state_dict
/// needs (OrderedDict, the tensor/parameter rebuild functions, the typed storage classes); any
/// other global (os.system, builtins.eval, ...) is refused with an error naming it.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "common/result.h"

namespace stamp::core::model {

struct PyObj;
using PyRef = std::shared_ptr<PyObj>;

/// The Python values a state_dict pickle can produce.
struct PyObj {
  enum class Kind { None, Bool, Int, Float, Str, Bytes, Tuple, List, Dict, Global, Storage, Tensor };
  Kind kind = Kind::None;
  std::int64_t i = 0;   // Int, Bool
  double f = 0;         // Float
  std::string s;        // Str, Bytes; Global: module
  std::string name;     // Global: attribute name
  std::vector<PyRef> items;                         // Tuple, List
  std::vector<std::pair<PyRef, PyRef>> dict;        // Dict (insertion order)
  torch::Tensor tensor;  // Storage: 1-D tensor of the storage dtype; Tensor: the rebuilt view
};

/// Returns the raw storage `key` of `numel` elements of `dtype` (a 1-D tensor), e.g. from the
/// archive's data/<key> entry.
using StorageLoader =
    std::function<Result<torch::Tensor>(torch::ScalarType dtype, const std::string& key, std::int64_t numel)>;

/// Unpickles `data` (protocol 2..5). Errors name `context` (the archive) and the byte offset.
Result<PyRef> unpickle(std::string_view data, const StorageLoader& load, const std::string& context);

/// data.pkl for an OrderedDict of tensors whose storages are persistent ids "0", "1", ... in
/// order (each tensor written as its own contiguous storage); protocol 2 as torch.save writes.
/// `storageClass(t)` gives "FloatStorage" etc.
std::string pickleStateDict(const std::vector<std::pair<std::string, torch::Tensor>>& tensors);

/// "FloatStorage", "HalfStorage", ... for a dtype; empty when torch.save has no class for it.
std::string storageClassFor(torch::ScalarType t);

}  // namespace stamp::core::model
