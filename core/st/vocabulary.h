#pragma once
/// The STAMP gene vocabulary ("template") and the per-gene means the tokenizer divides by.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "st/spatial_sample.h"

namespace stamp::core::st {

/// Token ids (STAMP-SPEC §1): 0 MASK/padding in files, 1 PAD, 2 CLS, 30.. genes.
inline constexpr int kTokenAux = 30;
/// A token id. 32 bits hold any vocabulary (STAMP's has ~20,000 genes) and halve a token table
/// against int64 (5,000 spots x 4,096: 80 MB, not 160); the model's int64 batches are
/// converted from it a batch at a time.
using TokenId = std::int32_t;

class Vocabulary {
 public:
  /// Loads a folder holding model.h5ad (template ids = var index), Visium_mean.npy and
  /// gene_symbol_to_ensembl.tsv. Errors name the missing or malformed file.
  static Result<Vocabulary> load(const std::string& folder);
  /// Builds one from parts (tests, other vocabularies). Sizes of ids and means must agree.
  static Result<Vocabulary> fromParts(std::vector<std::string> templateIds,
                                      const std::vector<double>& means,
                                      std::unordered_map<std::string, std::string> symbolToId);

  std::size_t size() const { return ids_.size(); }
  const std::vector<std::string>& templateIds() const { return ids_; }
  /// Per-gene means rounded as the published code does (NaN->0, half up, 0->1).
  const std::vector<double>& roundedMeans() const { return rounded_; }
  /// Template index of an input gene, or -1: its id when it is a template id, else the
  /// symbol (or id) mapped through the symbol table.
  int indexOf(const Gene& gene) const;
  int indexOfId(const std::string& id) const;
  const std::string& folder() const { return folder_; }

 private:
  std::vector<std::string> ids_;
  std::unordered_map<std::string, int> index_;
  std::vector<double> rounded_;
  std::unordered_map<std::string, std::string> symbolToId_;
  std::string folder_;
};

/// The rounding of STAMP's tokenizer, exposed for tests: NaN->0, round half up, then 0->1.
std::vector<double> roundMeans(const std::vector<double>& means);

}  // namespace stamp::core::st
