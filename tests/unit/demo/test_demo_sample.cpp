// The demo's spots and counts, and the files as the readers of core/st (and anndata) see them.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <regex>
#include <set>
#include <sstream>

#include "demo/gene_table.h"
#include "demo/visium_layout.h"
#include "demo_fixture.h"
#include "st/h5ad.h"
#include "st/space_ranger.h"

using namespace stamp::core;
using namespace stamp::core::demo;
using stamp::test::fixtureModel;
using stamp::test::fixtureSample;

TEST(DemoGenes, TableHasProgramMarkersAndUniqueIds) {
  const auto& genes = demoGenes();
  EXPECT_GE(genes.size(), 300u);
  std::set<std::string> symbols, ids;
  std::regex ensembl("ENSG[0-9]{11}");
  for (const auto& g : genes) {
    EXPECT_TRUE(symbols.insert(g.symbol).second) << "duplicate " << g.symbol;
    EXPECT_TRUE(ids.insert(g.ensembl).second) << "duplicate " << g.ensembl;
    EXPECT_TRUE(std::regex_match(g.ensembl, ensembl)) << g.ensembl;
    EXPECT_GT(g.level, 0.0f);
  }
  for (const char* m : {"EPCAM", "KRT8", "KRT18", "KRT19", "MKI67", "TOP2A", "CEACAM5", "COL1A1",
                        "COL1A2", "COL3A1", "DCN", "LUM", "ACTA2", "PTPRC", "CD3E", "CD3D", "MS4A1",
                        "CD79A", "CD19", "CCR7", "MUC2", "MUC5AC", "TFF1", "ADIPOQ", "PLIN1", "FABP4",
                        "LEP", "ACTB", "GAPDH"})
    EXPECT_TRUE(symbols.count(m)) << m;
}

TEST(DemoGenes, EverySymbolAndIdIsInTheStampVocabulary) {
  STAMP_REQUIRE_DATA("stamp-vocab/gene_symbol_to_ensembl.tsv");
  std::ifstream in(dataPath);
  std::multimap<std::string, std::string> symbolToId;
  std::string line;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) symbolToId.emplace(line.substr(0, tab), line.substr(tab + 1));
  }
  ASSERT_GT(symbolToId.size(), 10000u);
  auto vocab = st::readH5ad((dataPath.parent_path() / "model.h5ad").string());
  ASSERT_TRUE(vocab.ok()) << vocab.error().describe();
  std::set<std::string> varIds;
  for (const auto& g : vocab->genes) varIds.insert(g.id);
  ASSERT_GT(varIds.size(), 20000u);
  for (const auto& g : demoGenes()) {
    auto [lo, hi] = symbolToId.equal_range(g.symbol);
    bool match = false;
    for (auto it = lo; it != hi; ++it) match |= it->second == g.ensembl;
    EXPECT_TRUE(match) << g.symbol << " -> " << g.ensembl << " not in gene_symbol_to_ensembl.tsv";
    EXPECT_TRUE(varIds.count(g.ensembl)) << g.ensembl << " (" << g.symbol << ") not in model.h5ad var";
  }
}

TEST(DemoLayout, HexagonalVisiumGridWithUniqueBarcodes) {
  TissueModel m(5, 20000, 16000, 0.5);
  auto spots = visiumLayout(m);
  ASSERT_EQ(spots.size(), std::size_t(kVisiumRows * kVisiumCols / 2));  // a full capture area
  std::map<std::pair<int, int>, const st::Spot*> at;
  std::set<std::string> barcodes;
  std::regex pattern("[ACGT]{16}-1");
  for (const auto& s : spots) {
    EXPECT_EQ(s.arrayRow % 2, s.arrayCol % 2);
    EXPECT_TRUE(std::regex_match(s.barcode, pattern)) << s.barcode;
    barcodes.insert(s.barcode);
    at[{s.arrayRow, s.arrayCol}] = &s;
    EXPECT_GE(s.x, 55.0 / 0.5);
    EXPECT_LE(s.x, 20000 - 55.0 / 0.5);
    EXPECT_EQ(s.inTissue, TissueModel::inTissue(m.sampleAt(s.x, s.y)));
  }
  EXPECT_EQ(barcodes.size(), spots.size());
  EXPECT_EQ(visiumBarcode(0, 0), visiumBarcode(0, 0));
  const double pitch = 100.0 / 0.5;
  const st::Spot *a = at.at({10, 20}), *b = at.at({10, 22}), *c = at.at({11, 21});
  EXPECT_NEAR(std::hypot(b->x - a->x, b->y - a->y), pitch, 1.0);  // along a row
  EXPECT_NEAR(std::hypot(c->x - a->x, c->y - a->y), pitch, 1.0);  // to the next row
  EXPECT_NEAR(c->y - a->y, pitch * std::sqrt(3.0) / 2, 1.0);
  std::size_t in = std::count_if(spots.begin(), spots.end(), [](const st::Spot& s) { return s.inTissue; });
  EXPECT_GT(in, spots.size() / 2);
  EXPECT_LT(in, spots.size());
}

namespace {

struct Loaded {
  st::SpatialSample outs, h5ad, raw;
  std::map<std::string, int> geneIndex;  // by symbol
  std::vector<std::string> compartment;  // per h5ad spot
};

const Loaded& loaded() {
  static Loaded l = [] {
    const auto& p = fixtureSample();
    Loaded x;
    auto outs = st::readSpaceRanger(p.outsDir);
    auto ad = st::readH5ad(p.h5ad);
    auto raw = st::read10xH5(p.rawH5);
    if (!outs.ok() || !ad.ok() || !raw.ok()) throw std::runtime_error("cannot read the demo sample");
    x.outs = std::move(*outs);
    x.h5ad = std::move(*ad);
    x.raw.counts = raw->counts;
    x.raw.genes = raw->genes;
    for (std::size_t g = 0; g < x.h5ad.genes.size(); ++g) x.geneIndex[x.h5ad.genes[g].symbol] = int(g);
    const auto& col = x.h5ad.obs.at("compartment");
    for (auto code : col.codes) x.compartment.push_back(code < 0 ? "NA" : col.categories[std::size_t(code)]);
    return x;
  }();
  return l;
}

std::vector<double> geneValues(const st::CsrMatrix& m, int gene) {
  std::vector<double> v(std::size_t(m.rows), 0.0);
  for (std::int64_t r = 0; r < m.rows; ++r)
    for (auto k = m.indptr[std::size_t(r)]; k < m.indptr[std::size_t(r) + 1]; ++k)
      if (m.indices[std::size_t(k)] == gene) v[std::size_t(r)] = m.data[std::size_t(k)];
  return v;
}

std::vector<double> librarySizes(const st::CsrMatrix& m) {
  std::vector<double> v(std::size_t(m.rows), 0.0);
  for (std::int64_t r = 0; r < m.rows; ++r)
    for (auto k = m.indptr[std::size_t(r)]; k < m.indptr[std::size_t(r) + 1]; ++k) v[std::size_t(r)] += m.data[std::size_t(k)];
  return v;
}

// Mean of a gene's library-normalised expression over the spots of one compartment.
double meanIn(const Loaded& l, const std::string& symbol, const std::string& comp, bool inside) {
  auto v = geneValues(l.h5ad.counts, l.geneIndex.at(symbol));
  auto lib = librarySizes(l.h5ad.counts);
  double s = 0;
  int n = 0;
  for (std::size_t i = 0; i < v.size(); ++i)
    if ((l.compartment[i] == comp) == inside) {
      s += v[i] / std::max(1.0, lib[i]) * 1e4;
      ++n;
    }
  return n ? s / n : std::nan("");
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? std::nan("") : v[v.size() / 2];
}

}  // namespace

TEST(DemoCounts, SpaceRangerAndH5adAgreeAndListEverySpot) {
  const auto& l = loaded();
  const auto& p = fixtureSample();
  EXPECT_EQ(l.outs.geneCount(), demoGenes().size());
  EXPECT_EQ(l.outs.spotCount(), l.h5ad.spotCount());
  EXPECT_GT(l.h5ad.spotCount(), 200u);
  for (const auto& s : l.outs.spots) EXPECT_TRUE(s.inTissue);
  auto positions = st::readTissuePositions(p.positionsCsv);
  ASSERT_TRUE(positions.ok());
  EXPECT_EQ(positions->size(), std::size_t(l.raw.counts.rows));  // all spots, in tissue or not
  EXPECT_GT(positions->size(), l.outs.spotCount());
  EXPECT_FALSE(l.outs.counts.validate().has_value());
  EXPECT_EQ(l.outs.counts.data, l.h5ad.counts.data);
  EXPECT_EQ(l.h5ad.genes[0].id, demoGenes()[0].ensembl);
  EXPECT_EQ(l.h5ad.genes[0].symbol, demoGenes()[0].symbol);
  for (float v : l.h5ad.counts.data) ASSERT_EQ(v, std::round(v));
}

TEST(DemoCounts, MarkersAreHigherInTheirCompartment) {
  const auto& l = loaded();
  std::map<std::string, int> n;
  for (const auto& c : l.compartment) n[c]++;
  const std::vector<std::pair<std::string, std::vector<std::string>>> markers = {
      {"tumour", {"CEACAM5", "CEACAM6", "KRT7", "S100P"}},
      {"stroma", {"COL1A1", "COL3A1", "DCN", "LUM"}},
      {"lymphoid", {"PTPRC", "CD3E", "MS4A1", "CD79A"}},
      {"gland", {"MUC2", "TFF1", "CLCA1"}},
      {"fat", {"ADIPOQ", "PLIN1", "FABP4"}}};
  int tested = 0;
  for (const auto& [comp, genes] : markers) {
    if (n[comp] < 8) continue;  // too few spots in the small fixture to compare
    ++tested;
    for (const auto& g : genes)
      EXPECT_GT(meanIn(l, g, comp, true), 3.0 * meanIn(l, g, comp, false)) << g << " in " << comp;
  }
  EXPECT_GE(tested, 3);
  // Epithelial genes (EPCAM, KRT8) are shared by tumour and glands but absent from stroma.
  for (const char* g : {"EPCAM", "KRT8", "KRT18"})
    EXPECT_GT(meanIn(l, g, "tumour", true), 5.0 * meanIn(l, g, "stroma", true)) << g;
  // Proliferation is highest in the tumour.
  EXPECT_GT(meanIn(l, "MKI67", "tumour", true), 2.0 * meanIn(l, "MKI67", "tumour", false));
}

TEST(DemoCounts, OverdispersedWithRealisticLibrarySizes) {
  const auto& l = loaded();
  auto lib = librarySizes(l.h5ad.counts);
  EXPECT_GT(median(lib), 2000);
  EXPECT_LT(median(lib), 25000);
  EXPECT_LT(*std::max_element(lib.begin(), lib.end()), 60000);
  // Off-tissue spots (only in the raw matrix) carry a few hundred ambient UMIs.
  auto positions = st::readTissuePositions(fixtureSample().positionsCsv);
  ASSERT_TRUE(positions.ok());
  auto rawLib = librarySizes(l.raw.counts);
  std::vector<double> off;
  for (std::size_t i = 0; i < positions->size(); ++i)
    if (!(*positions)[i].inTissue) off.push_back(rawLib[i]);
  ASSERT_GT(off.size(), 10u);
  EXPECT_LT(median(off), 1000);
  // Negative binomial: within one compartment, variance well above the mean for most genes.
  std::map<std::string, int> n;
  for (const auto& c : l.compartment) n[c]++;
  std::string biggest = "stroma";
  for (const auto& [c, k] : n)
    if (c != "background" && k > n[biggest]) biggest = c;
  ASSERT_GT(n[biggest], 30);
  int over = 0, total = 0;
  for (std::size_t g = 0; g < l.h5ad.genes.size(); ++g) {
    auto v = geneValues(l.h5ad.counts, int(g));
    std::vector<double> in;
    for (std::size_t i = 0; i < v.size(); ++i)
      if (l.compartment[i] == biggest) in.push_back(v[i]);
    double mean = std::accumulate(in.begin(), in.end(), 0.0) / double(in.size());
    if (mean < 5) continue;
    double var = 0;
    for (double x : in) var += (x - mean) * (x - mean);
    var /= double(in.size() - 1);
    ++total;
    over += var > 1.5 * mean;
  }
  ASSERT_GT(total, 30);
  EXPECT_GT(over, total * 9 / 10);
}
