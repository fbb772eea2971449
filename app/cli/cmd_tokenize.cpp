// stamp tokenize: STAMP gene tokens of every spot of a spatial input, as safetensors.
#include <iostream>

#include "commands.h"
#include "common/safetensors.h"
#include "st/open_spatial.h"
#include "st/tokenizer.h"

namespace stamp::app::cli {
using namespace stamp::core;

static int runTokenize(Args& a) {
  const long long maxLen = a.getInt("max-len", 4096);
  if (!a.error().empty()) return fail(a.error());
  if (maxLen < 1 || maxLen > 1'000'000) return fail("--max-len must be between 1 and 1000000");
  auto vocab = st::Vocabulary::load(*a.get("vocab"));
  if (!vocab) return fail(vocab.error().describe());
  auto sample = st::openSpatial(*a.get("st"));
  if (!sample) return fail(sample.error().describe());
  st::TokenizeOptions opt;
  opt.maxLen = int(maxLen);
  auto table = st::tokenize(*sample, *vocab, opt);
  if (!table) return fail(table.error().describe());
  std::map<std::string, RawTensor> out;
  // Written as int64, the reference's dtype (and what a torch.load user expects of ids).
  const std::vector<std::int64_t> ids(table->tokens.begin(), table->tokens.end());
  out["tokens"] = makeI64Tensor(ids.data(), ids.size(), {table->rows, table->maxLen});
  std::map<std::string, std::string> meta = {
      {"source", *a.get("st")},
      {"spots", std::to_string(table->rows)},
      {"genes_matched", std::to_string(table->genesMatched)},
      {"empty_spots", std::to_string(table->emptySpots.size())}};
  if (auto st = writeSafetensors(*a.get("out"), out, meta); !st) return fail(st.error().describe());
  std::cout << "tokenized " << table->rows << " spots (" << table->genesMatched << " of "
            << sample->geneCount() << " genes in the vocabulary) -> " << *a.get("out") << "\n";
  if (!table->emptySpots.empty()) {
    std::cerr << "warning: " << table->emptySpots.size()
              << " spot(s) express no vocabulary gene; their rows are all padding (first: "
              << sample->spots[std::size_t(table->emptySpots[0])].barcode << ")\n";
  }
  return kOk;
}

Command tokenizeCommand() {
  return {"tokenize",
          "Tokenize every spot of a spatial sample with the STAMP tokenizer.\n"
          "Writes a safetensors file with tensor `tokens` (int64, spots x max-len), one row per\n"
          "spot in the input's order, right-padded with 0.",
          "--st PATH --vocab DIR --out FILE.safetensors [--max-len N]",
          {{"st", "PATH", "spatial input: Space Ranger outs/, .h5, .h5ad, HEST sample", true},
           {"vocab", "DIR", "STAMP vocabulary folder (model.h5ad, Visium_mean.npy, gene_symbol_to_ensembl.tsv)", true},
           {"out", "FILE", "output .safetensors file", true},
           {"max-len", "N", "tokens kept per spot (default 4096)", false}},
          0, 0, runTokenize};
}

}  // namespace stamp::app::cli
