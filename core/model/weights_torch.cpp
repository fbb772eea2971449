// torch.save zip archives: <archive>/data.pkl + <archive>/data/<key> + <archive>/version.
#include <cstdio>

#include "common/atomic_file.h"
#include "model/weights.h"
#include "model/weights_pickle.h"
#include "model/weights_zip.h"

namespace stamp::core::model {
namespace {

Result<std::string> archivePrefix(const ZipReader& z) {
  for (const auto& e : z.entries()) {
    const std::string suffix = "data.pkl";
    if (e.name.size() >= suffix.size() && e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      std::string prefix = e.name.substr(0, e.name.size() - suffix.size());
      if (prefix.empty() || (prefix.back() == '/' && prefix.find('/') == prefix.size() - 1)) return prefix;
    }
  }
  return makeError(ErrorCode::Format, "zip archive without data.pkl: not a torch.save file", z.path());
}

Status checkByteOrder(const ZipReader& z, const std::string& prefix) {
  const ZipEntry* e = z.find(prefix + "byteorder");
  if (!e) return {};  // PyTorch < 2.0 omits it; those files are little-endian
  STAMP_ASSIGN(std::string order, z.readString(*e));
  if (order != "little")
    return makeError(ErrorCode::Unsupported, "byte order '" + order + "' (only little-endian files are read)", z.path());
  return {};
}

StorageLoader storageLoader(const ZipReader& z, const std::string& prefix) {
  return [&z, prefix](torch::ScalarType dtype, const std::string& key, std::int64_t numel) -> Result<torch::Tensor> {
    const ZipEntry* e = z.find(prefix + "data/" + key);
    if (!e) return makeError(ErrorCode::Format, "storage entry data/" + key + " is missing", z.path());
    std::uint64_t esize = torch::elementSize(dtype);
    if (std::uint64_t(numel) > e->size / esize)
      return makeError(ErrorCode::Format, "storage data/" + key + " is shorter than its " +
                       std::to_string(numel) + " elements (truncated?)", z.path());
    try {
      torch::Tensor t = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
      if (std::uint64_t(numel) * esize == e->size) {
        STAMP_CHECK(z.read(*e, t.data_ptr()));
      } else {  // a longer record than the storage needs: read all (for the CRC), keep the front
        std::string bytes(e->size, '\0');
        STAMP_CHECK(z.read(*e, bytes.data()));
        std::memcpy(t.data_ptr(), bytes.data(), std::size_t(numel) * esize);
      }
      return t;
    } catch (const std::exception& ex) {
      return makeError(ErrorCode::Io, std::string("cannot allocate storage: ") + ex.what(), z.path());
    }
  };
}

// {'state_dict': {...}} and {'model': {...}} wrap the tensors of many training scripts.
const PyObj* unwrap(const PyObj& root) {
  const PyObj* d = &root;
  for (int depth = 0; depth < 3; ++depth) {
    const PyObj* inner = nullptr;
    bool hasTensor = false;
    for (const auto& [k, v] : d->dict) {
      hasTensor |= v->kind == PyObj::Kind::Tensor;
      if (k->kind == PyObj::Kind::Str && (k->s == "state_dict" || k->s == "model") && v->kind == PyObj::Kind::Dict)
        inner = v.get();
    }
    if (hasTensor || !inner) break;
    d = inner;
  }
  return d;
}

torch::Tensor toStoredDtype(const torch::Tensor& t) {
  if (t.is_floating_point() && t.scalar_type() != torch::kFloat) return t.to(torch::kFloat).contiguous();
  return t;
}

Result<WeightsFile> collect(const PyObj& root, const std::string& path) {
  if (root.kind != PyObj::Kind::Dict)
    return makeError(ErrorCode::Format, "the pickled object is not a dict of tensors (a whole pickled "
                     "model is not supported: save model.state_dict())", path);
  WeightsFile out;
  out.format = "torch.save";
  for (const auto& [k, v] : unwrap(root)->dict) {
    if (k->kind != PyObj::Kind::Str) return makeError(ErrorCode::Format, "state_dict key is not a string", path);
    if (v->kind != PyObj::Kind::Tensor) {
      out.skipped.push_back(k->s);
      continue;
    }
    for (auto& [name, t] : out.tensors)
      if (name == k->s) return makeError(ErrorCode::Format, "duplicate key '" + k->s + "'", path);
    out.tensors.emplace_back(k->s, toStoredDtype(v->tensor));
  }
  return out;
}

}  // namespace

Result<WeightsFile> readTorchSave(const std::filesystem::path& path) {
  STAMP_ASSIGN(ZipReader z, ZipReader::open(path));
  STAMP_ASSIGN(std::string prefix, archivePrefix(z));
  STAMP_CHECK(checkByteOrder(z, prefix));
  STAMP_ASSIGN(std::string pkl, z.readString(*z.find(prefix + "data.pkl")));
  STAMP_ASSIGN(PyRef root, unpickle(pkl, storageLoader(z, prefix), path.string()));
  try {
    return collect(*root, path.string());
  } catch (const std::exception& ex) {
    return makeError(ErrorCode::Format, std::string("cannot convert tensors: ") + ex.what(), path.string());
  }
}

Status writeTorchSave(const std::filesystem::path& path, const StateDict& tensors) {
  StateDict contiguous;
  for (const auto& [name, t] : tensors) {
    if (storageClassFor(t.scalar_type()).empty())
      return makeError(ErrorCode::Unsupported, "tensor '" + name + "' has a dtype torch.save cannot name", path.string());
    contiguous.emplace_back(name, t.detach().to(torch::kCPU).contiguous());
  }
  // PyTorch names the archive folder after the file (torch.load accepts any single folder).
  std::string prefix = path.stem().string();
  if (prefix.empty() || prefix.find_first_of("/\\") != std::string::npos) prefix = "archive";
  prefix += "/";
  return writeViaTemp(path, [&](const std::filesystem::path& tmp) -> Status {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return makeError(ErrorCode::Io, "cannot create", tmp.string());
    ZipWriter w(f, path.string());
    std::string pkl = pickleStateDict(contiguous);
    Status st = w.add(prefix + "data.pkl", pkl.data(), pkl.size());
    if (st.ok()) st = w.add(prefix + "byteorder", "little", 6);
    for (std::size_t i = 0; st.ok() && i < contiguous.size(); ++i) {
      const torch::Tensor& t = contiguous[i].second;
      st = w.add(prefix + "data/" + std::to_string(i), t.data_ptr(), std::uint64_t(t.nbytes()));
    }
    if (st.ok()) st = w.add(prefix + "version", "3\n", 2);
    if (st.ok()) st = w.finish();
    if (std::fclose(f) != 0 && st.ok()) st = makeError(ErrorCode::Io, "write failed", path.string());
    return st;
  });
}

}  // namespace stamp::core::model
