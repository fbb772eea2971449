#pragma once
/// The demo's gene table (compiled in) and the expression programs that drive it.
#include <cstdint>
#include <vector>

#include "demo/tissue_model.h"

namespace stamp::core::demo {

/// A group of genes that rise and fall together (a cell type or a cell state).
enum class Program : std::uint8_t {
  Housekeeping, Epithelial, Tumour, Prolif, Stroma, Smooth, Endothelial, Lymphoid, Myeloid,
  Plasma, Gland, Fat, Hypoxia, Interferon, Stress
};
constexpr int kProgramCount = 15;

struct DemoGene {
  const char* symbol;
  const char* ensembl;
  Program program;
  float level;  // relative abundance within the program
};

/// The table, in a fixed order (the var order of the written sample).
const std::vector<DemoGene>& demoGenes();

/// How strongly `program` is expressed in compartment `c` (0..1). Background is the ambient
/// RNA that lands on spots off the tissue: an average of the tissue compartments.
double programWeight(Program program, Compartment c);

}  // namespace stamp::core::demo
