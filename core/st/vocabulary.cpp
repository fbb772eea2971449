#include "st/vocabulary.h"

#include <hdf5.h>

#include <cmath>
#include <optional>
#include <filesystem>
#include <sstream>

#include "common/atomic_file.h"
#include "common/npy.h"

namespace stamp::core::st {
namespace fs = std::filesystem;
namespace {

/// Reads the var index (template ids) of model.h5ad: var/<_index>, vlen or fixed strings.
Result<std::vector<std::string>> readVarIndexImpl(const std::string& path) {
  {
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return makeError(ErrorCode::Format, "not a readable HDF5/h5ad file", path);
    std::string dsName = "var/_index";
    if (H5Aexists_by_name(f, "var", "_index", H5P_DEFAULT) > 0) {
      hid_t a = H5Aopen_by_name(f, "var", "_index", H5P_DEFAULT, H5P_DEFAULT);
      hid_t t = H5Aget_type(a);
      if (H5Tis_variable_str(t) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));
        char* s = nullptr;
        if (H5Aread(a, mt, &s) >= 0 && s) {
          dsName = std::string("var/") + s;
          H5free_memory(s);
        }
        H5Tclose(mt);
      }
      H5Tclose(t);
      H5Aclose(a);
    }
    std::vector<std::string> out;
    hid_t d = H5Dopen2(f, dsName.c_str(), H5P_DEFAULT);
    if (d < 0) {
      H5Fclose(f);
      return makeError(ErrorCode::Format, "has no " + dsName + " dataset (not a STAMP template)", path);
    }
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    bool ok = n > 0 && H5Tget_class(t) == H5T_STRING;
    if (ok && H5Tis_variable_str(t) > 0) {
      std::vector<char*> buf(std::size_t(n), nullptr);
      hid_t mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      H5Tset_cset(mt, H5Tget_cset(t));  // HDF5 does not convert ASCII <-> UTF-8
      ok = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) >= 0;
      for (char* s : buf) out.emplace_back(s ? s : "");
      if (ok) H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf.data());
      H5Tclose(mt);
    } else if (ok) {
      std::size_t w = H5Tget_size(t);
      std::vector<char> buf(std::size_t(n) * w);
      ok = H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) >= 0;
      for (hssize_t i = 0; ok && i < n; ++i)
        out.emplace_back(std::string(buf.data() + i * w, strnlen(buf.data() + i * w, w)));
    }
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(d);
    H5Fclose(f);
    if (!ok) return makeError(ErrorCode::Format, dsName + " is not a readable string array", path);
    return out;
  }
}

Result<std::vector<std::string>> readVarIndex(const std::string& path) {
  std::optional<Result<std::vector<std::string>>> r;
  // HDF5 would print its own error stack on a bad file; we report our own error instead.
  H5E_BEGIN_TRY { r.emplace(readVarIndexImpl(path)); }
  H5E_END_TRY;
  return std::move(*r);
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
