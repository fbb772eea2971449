#include "st/vocabulary.h"

#include <cmath>
#include <optional>
#include <filesystem>
#include <sstream>

#include "common/atomic_file.h"
#include "common/npy.h"
#include "st/hdf5_util.h"

namespace stamp::core::st {
namespace fs = std::filesystem;
namespace {

/// Reads the var index (template ids) of model.h5ad: var/<_index>, vlen or fixed strings.
Result<std::vector<std::string>> readVarIndex(const std::string& path) {
  h5::ErrorSilencer quiet;  // we report our own error naming the file, not HDF5's stack
  STAMP_ASSIGN(h5::Hid f, h5::openFile(path));
  STAMP_ASSIGN(h5::Hid var, h5::openGroup(f.get(), "var", path));
  std::string index = "_index";
  if (h5::hasAttr(var.get(), "_index")) {
    auto name = h5::readStringAttr(var.get(), "_index");
    if (name.ok()) index = *name;
  }
  STAMP_ASSIGN(h5::Hid ds, h5::openDataset(var.get(), index, path));
  auto ids = h5::readStrings(ds.get(), "var/" + index);
  if (!ids.ok()) return ids.error().within(path);
  if (ids->empty()) return makeError(ErrorCode::Format, "var/" + index + " is empty (not a STAMP template)", path);
  return ids;
}

Result<std::unordered_map<std::string, std::string>> readSymbolTable(const std::string& path) {
  STAMP_ASSIGN(auto text, readFile(path));
  std::unordered_map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (lineNo == 1 && line.rfind("symbol", 0) == 0)) continue;
    auto tab = line.find('\t');
    if (tab == std::string::npos || tab == 0 || tab + 1 >= line.size())
      return makeError(ErrorCode::Format,
                       "line " + std::to_string(lineNo) + " is not 'symbol<TAB>ensembl_id'", path);
    out.emplace(line.substr(0, tab), line.substr(tab + 1));
  }
  if (out.empty()) return makeError(ErrorCode::Format, "no gene symbol mappings", path);
  return out;
}

}  // namespace

std::vector<double> roundMeans(const std::vector<double>& means) {
  std::vector<double> r(means.size());
  for (std::size_t i = 0; i < means.size(); ++i) {
    double m = std::isnan(means[i]) ? 0.0 : means[i];
    double frac = m - std::floor(m);  // numpy's `m % 1` for finite m
    double v = frac >= 0.5 ? std::ceil(m) : std::floor(m);
    if (m == 0) v = 1;
    r[i] = v == 0 ? 1 : v;
  }
  return r;
}

Result<Vocabulary> Vocabulary::fromParts(std::vector<std::string> templateIds,
                                         const std::vector<double>& means,
                                         std::unordered_map<std::string, std::string> symbolToId) {
  if (templateIds.empty() || templateIds.size() != means.size())
    return makeError(ErrorCode::Mismatch, "the template has " + std::to_string(templateIds.size()) +
                                              " genes but there are " +
                                              std::to_string(means.size()) + " means");
  Vocabulary v;
  v.ids_ = std::move(templateIds);
  for (std::size_t i = 0; i < v.ids_.size(); ++i) v.index_.emplace(v.ids_[i], int(i));
  v.rounded_ = roundMeans(means);
  v.symbolToId_ = std::move(symbolToId);
  return v;
}

Result<Vocabulary> Vocabulary::load(const std::string& folder) {
  if (!fs::is_directory(folder))
    return makeError(ErrorCode::NotFound, "vocabulary folder not found", folder);
  const fs::path dir(folder);
  for (const char* f : {"model.h5ad", "Visium_mean.npy", "gene_symbol_to_ensembl.tsv"})
    if (!fs::exists(dir / f))
      return makeError(ErrorCode::NotFound, std::string("the STAMP vocabulary folder lacks ") + f, folder);
  STAMP_ASSIGN(auto ids, readVarIndex((dir / "model.h5ad").string()));
  STAMP_ASSIGN(auto npy, readNpy((dir / "Visium_mean.npy").string()));
  STAMP_ASSIGN(auto symbols, readSymbolTable((dir / "gene_symbol_to_ensembl.tsv").string()));
  auto v = fromParts(std::move(ids), npy.values, std::move(symbols));
  if (!v) return v.error().within(folder);
  v->folder_ = folder;
  return v;
}

int Vocabulary::indexOfId(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

int Vocabulary::indexOf(const Gene& gene) const {
  if (int i = indexOfId(gene.id); i >= 0) return i;
  for (const std::string* name : {&gene.symbol, &gene.id}) {
    auto it = symbolToId_.find(*name);
    if (it != symbolToId_.end())
      if (int i = indexOfId(it->second); i >= 0) return i;
  }
  return indexOfId(gene.symbol);  // unmapped names are kept as they are
}

}  // namespace stamp::core::st
