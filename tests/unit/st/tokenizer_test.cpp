// The STAMP tokenizer against the reference (../shared/reference/stamp_ref.py tokens) and
// against hand-computed cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/npy.h"
#include "common/safetensors.h"
#include "st/open_spatial.h"
#include "st/tokenizer.h"
#include "st/vocabulary.h"
#include "test_support.h"

using namespace stamp::core;
using namespace stamp::core::st;
namespace fs = std::filesystem;

namespace {

SpatialSample sampleFromDense(const std::vector<std::vector<float>>& rows,
                              const std::vector<std::string>& genes) {
  SpatialSample s;
  for (const auto& g : genes) s.genes.push_back({g, g});
  s.counts.rows = std::int64_t(rows.size());
  s.counts.cols = std::int64_t(genes.size());
  s.counts.indptr.push_back(0);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    s.spots.push_back({"bc" + std::to_string(r)});
    for (std::size_t c = 0; c < rows[r].size(); ++c)
      if (rows[r][c] != 0) {
        s.counts.indices.push_back(std::int32_t(c));
        s.counts.data.push_back(rows[r][c]);
      }
    s.counts.indptr.push_back(std::int64_t(s.counts.data.size()));
  }
  return s;
}

Vocabulary smallVocab() {
  // Template G0..G4 with means that round to 1, 2, 3 (2.5 rounds up), 1 (NaN), 1 (0.4 -> 0 -> 1).
  auto v = Vocabulary::fromParts({"G0", "G1", "G2", "G3", "G4"},
                                 {1.2, 2.0, 2.5, std::nan(""), 0.4}, {{"SYM1", "G1"}});
  return std::move(v).value();
}

std::string refScript() {
  return (stamp::test::sourceDir().parent_path() / "shared/reference/stamp_ref.py").string();
}

}  // namespace

TEST(Tokenizer, RoundsMeansLikeThePublishedCode) {
  auto r = roundMeans({0.0, 0.4, 0.5, 1.49, 2.5, std::nan(""), 7.0});
  std::vector<double> expect = {1, 1, 1, 1, 3, 1, 7};
  EXPECT_EQ(r, expect);
}

TEST(Tokenizer, RanksByNormalisedValueBreakingTiesByTemplateIndex) {
  Vocabulary v = smallVocab();
  // Spot 0: counts G0=2, G1=4, G2=6, G3=0, G4=2 over means 1,2,3,1,1 -> 2,2,2,0,2: all ties,
  // so the order is the template order; G3 (zero) is left out.
  // Spot 1: G2 = 9 (/3 = 3) beats G0 = 2; an unknown gene is ignored.
  auto s = sampleFromDense({{2, 4, 6, 0, 2, 0}, {2, 0, 9, 0, 0, 5}},
                           {"G0", "G1", "G2", "G3", "G4", "UNKNOWN"});
  TokenizeOptions opt;
  opt.maxLen = 6;
  auto t = tokenize(s, v, opt);
  ASSERT_TRUE(t.ok()) << t.error().describe();
  EXPECT_EQ(t->genesMatched, 5);
  std::vector<std::int64_t> row0(t->row(0), t->row(0) + 6), row1(t->row(1), t->row(1) + 6);
  EXPECT_EQ(row0, (std::vector<std::int64_t>{30, 31, 32, 34, 0, 0}));
  EXPECT_EQ(row1, (std::vector<std::int64_t>{32, 30, 0, 0, 0, 0}));
  EXPECT_EQ(t->lengths[0], 4);
  EXPECT_TRUE(t->emptySpots.empty());
}

TEST(Tokenizer, MapsSymbolsSumsDuplicatesTruncatesAndReportsEmptySpots) {
  Vocabulary v = smallVocab();
  // "SYM1" maps to G1, and so does "G1": their counts add (3 + 3 = 6, /2 = 3 > G0's 2).
  auto s = sampleFromDense({{2, 3, 3}, {0, 0, 0}}, {"G0", "SYM1", "G1"});
  TokenizeOptions opt;
  opt.maxLen = 1;
  auto t = tokenize(s, v, opt);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->row(0)[0], 31);
  EXPECT_EQ(t->lengths[0], 1);
  ASSERT_EQ(t->emptySpots.size(), 1u);
  EXPECT_EQ(t->emptySpots[0], 1);
  EXPECT_EQ(t->row(1)[0], 0);
}

TEST(Tokenizer, SampleWithoutVocabularyGenesIsAnError) {
  Vocabulary v = smallVocab();
  auto s = sampleFromDense({{1, 2}}, {"FOO", "BAR"});
  s.sourcePath = "sample.h5ad";
  auto t = tokenize(s, v);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::Mismatch);
  EXPECT_NE(t.error().describe().find("sample.h5ad"), std::string::npos);
  EXPECT_NE(t.error().message.find("vocabulary"), std::string::npos);
}

TEST(Vocabulary, LoadsThePublishedTemplate) {
  STAMP_REQUIRE_DATA("stamp-vocab/model.h5ad");
  auto v = Vocabulary::load(dataPath.parent_path().string());
  ASSERT_TRUE(v.ok()) << v.error().describe();
  EXPECT_EQ(v->size(), 20310u);
  EXPECT_EQ(v->templateIds()[0], "ENSG00000000003");
  EXPECT_EQ(v->indexOfId("ENSG00000000003"), 0);
  EXPECT_GE(v->indexOf({"EPCAM", "EPCAM"}), 0);  // symbol mapped through the TSV
  EXPECT_EQ(v->indexOf({"NOT_A_GENE", "NOT_A_GENE"}), -1);
  for (double m : v->roundedMeans()) ASSERT_GE(m, 1.0);
}

TEST(Vocabulary, MissingOrBrokenFilesAreNamed) {
  fs::path dir = stamp::test::scratchDir("vocab-bad");
  auto r = Vocabulary::load(dir.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("model.h5ad"), std::string::npos);
  std::ofstream(dir / "model.h5ad") << "not hdf5";
  std::ofstream(dir / "Visium_mean.npy") << "not npy";
  std::ofstream(dir / "gene_symbol_to_ensembl.tsv") << "symbol\tensembl_id\nA\tB\n";
  r = Vocabulary::load(dir.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find("model.h5ad"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Npy, TruncatedFileIsRefused) {
  std::string good = std::string("\x93NUMPY\x01\x00", 8);
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }";
  header.resize(117, ' ');
  header += '\n';
  good += char(header.size() & 0xff);
  good += char(header.size() >> 8);
  good += header;
  std::string data(32, '\0');
  EXPECT_TRUE(parseNpy(good + data, "x.npy").ok());
  auto cut = parseNpy(good + data.substr(0, 20), "x.npy");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().context, "x.npy");
}

// Tokens identical to the reference implementation on real Visium data: the human heart
// subset, and a generated 10x file with many ties and duplicate/unknown genes.
class TokenizerParity : public ::testing::Test {
 protected:
  void compareWithReference(const fs::path& h5, const fs::path& vocabDir, const fs::path& dir) {
    std::string cmd = "/usr/bin/python3 " + stamp::test::shellQuote(refScript()) + " tokens --h5 " +
                      stamp::test::shellQuote(h5.string()) + " --means " +
                      stamp::test::shellQuote((vocabDir / "Visium_mean.npy").string()) +
                      " --template " + stamp::test::shellQuote((vocabDir / "model.h5ad").string()) +
                      " --out " + stamp::test::shellQuote((dir / "ref.safetensors").string());
    std::string out;
    ASSERT_EQ(stamp::test::runCommand(cmd, &out), 0) << out;
    auto ref = readSafetensors((dir / "ref.safetensors").string());
    ASSERT_TRUE(ref.ok()) << ref.error().describe();
    const RawTensor& rt = ref->tensors.at("tokens");
    auto vocab = Vocabulary::load(vocabDir.string());
    ASSERT_TRUE(vocab.ok()) << vocab.error().describe();
    auto sample = openSpatial(h5.string());
    ASSERT_TRUE(sample.ok()) << sample.error().describe();
    auto t = tokenize(*sample, *vocab);
    ASSERT_TRUE(t.ok()) << t.error().describe();
    ASSERT_EQ(rt.shape, (std::vector<std::int64_t>{t->rows, 4096}));
    std::vector<std::int64_t> refTokens(std::size_t(rt.numel()));
    std::memcpy(refTokens.data(), rt.bytes.data(), rt.bytes.size());
    std::int64_t firstDiff = -1;
    for (std::size_t i = 0; i < refTokens.size() && firstDiff < 0; ++i)
      if (refTokens[i] != t->tokens[i]) firstDiff = std::int64_t(i);
    EXPECT_EQ(firstDiff, -1) << "first differing token at spot " << firstDiff / 4096
                             << " position " << firstDiff % 4096;
  }
};

TEST_F(TokenizerParity, MatchesReferenceOnHumanHeart) {
  STAMP_REQUIRE_DATA("visium/human-heart-v1-subset/filtered_feature_bc_matrix.h5");
  if (!stamp::test::pythonHas("torch, h5py, numpy")) GTEST_SKIP() << "/usr/bin/python3 lacks torch/h5py";
  fs::path dir = stamp::test::scratchDir("tok-heart");
  compareWithReference(dataPath, *stamp::test::sharedDataDir() / "stamp-vocab", dir);
  fs::remove_all(dir);
}

TEST_F(TokenizerParity, MatchesReferenceOnGeneratedMatrixWithTies) {
  STAMP_REQUIRE_DATA("stamp-vocab/model.h5ad");
  if (!stamp::test::pythonHas("torch, h5py, numpy")) GTEST_SKIP() << "/usr/bin/python3 lacks torch/h5py";
  fs::path dir = stamp::test::scratchDir("tok-gen");
  // 300 spots x 3000 genes drawn from the template (plus unknown ids and one empty spot),
  // small integer counts so that many normalised values tie.
  std::string py = R"(
import h5py, numpy as np, sys
rng = np.random.default_rng(5)
f = h5py.File(sys.argv[2], 'r'); idx = f['var'][f['var'].attrs['_index']][:]
ids = list(rng.choice(idx, 2990, replace=False)) + [b'ENSG_FAKE%d' % i for i in range(10)]
n_g, n_b = len(ids), 300
dense = rng.negative_binomial(1, 0.7, size=(n_b, n_g)).astype(np.int32)
dense[17] = 0
data, ind, ptr = [], [], [0]
for b in range(n_b):
    nz = np.nonzero(dense[b])[0]; ind += list(nz); data += list(dense[b, nz]); ptr.append(len(ind))
with h5py.File(sys.argv[1], 'w') as o:
    m = o.create_group('matrix')
    m['barcodes'] = np.array([b'BC%05d-1' % i for i in range(n_b)])
    m['data'] = np.array(data, dtype=np.int32); m['indices'] = np.array(ind, dtype=np.int64)
    m['indptr'] = np.array(ptr, dtype=np.int64); m['shape'] = np.array([n_g, n_b], dtype=np.int32)
    ft = m.create_group('features'); ft['id'] = np.array(ids); ft['name'] = np.array(ids)
    ft['feature_type'] = np.array([b'Gene Expression'] * n_g); ft['genome'] = np.array([b'GRCh38'] * n_g)
)";
  std::ofstream(dir / "gen.py") << py;
  fs::path vocabDir = dataPath.parent_path();
  std::string out;
  ASSERT_EQ(stamp::test::runCommand("/usr/bin/python3 " + stamp::test::shellQuote((dir / "gen.py").string()) +
                                        " " + stamp::test::shellQuote((dir / "m.h5").string()) + " " +
                                        stamp::test::shellQuote(dataPath.string()), &out), 0) << out;
  compareWithReference(dir / "m.h5", vocabDir, dir);
  fs::remove_all(dir);
}

namespace {

// The tokenizer's definition written plainly (sum duplicates, normalise, one stable sort by
// value descending): the oracle for the counting-sort kernel on awkward random inputs.
std::vector<std::int64_t> plainTokens(const std::vector<std::pair<int, double>>& pairs,
                                      const std::vector<double>& rounded, int maxLen) {
  std::vector<double> dense(rounded.size(), 0.0);
  std::vector<char> seen(rounded.size(), 0);
  for (auto [t, c] : pairs)
    if (c != 0) dense[std::size_t(t)] = seen[std::size_t(t)] ? dense[std::size_t(t)] + c : c, seen[std::size_t(t)] = 1;
  double total = 0;
  for (double c : dense) total += c;
  if (total == 0) total = 1;
  std::vector<std::pair<double, int>> v;
  for (std::size_t i = 0; i < dense.size(); ++i) {
    double x = dense[i] * (10000.0 / total) / rounded[i];
    if (x != 0) v.emplace_back(x, int(i));
  }
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::int64_t> out(std::size_t(maxLen), 0);
  for (std::size_t i = 0; i < v.size() && i < out.size(); ++i) out[i] = v[i].second + kTokenAux;
  return out;
}

}  // namespace

TEST(Tokenizer, CountingSortKernelMatchesAPlainStableSort) {
  std::mt19937 rng(11);
  const int nGenes = 700;
  std::vector<double> means(nGenes);
  for (auto& m : means) m = std::uniform_real_distribution<double>(0, 6)(rng);  // many equal rounded means
  auto rounded = roundMeans(means);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::pair<int, double>> pairs;
    const int n = int(rng() % 900);
    for (int k = 0; k < n; ++k) {
      int t = int(rng() % nGenes);
      double c = (trial % 4 == 3) ? std::uniform_real_distribution<double>(-1, 3)(rng)  // fractional, negative
                                  : double(rng() % 5);                                  // ties and zeros
      pairs.emplace_back(t, c);
    }
    const int maxLen = 1 + int(rng() % 400);  // often shorter than the spot: truncation
    std::vector<TokenId> ours(std::size_t(maxLen), 7);
    std::vector<std::pair<int, double>> copy = pairs;
    int len = tokenizeSpot(copy, rounded, maxLen, ours.data());
    auto expect = plainTokens(pairs, rounded, maxLen);
    ASSERT_EQ(std::vector<std::int64_t>(ours.begin(), ours.end()), expect) << "trial " << trial;
    EXPECT_EQ(len, int(std::count_if(expect.begin(), expect.end(), [](auto x) { return x != 0; })));
  }
}

TEST(Tokenizer, UnsortedAndDuplicateColumnsGiveTheSameTokensAsTemplateOrder) {
  Vocabulary v = smallVocab();
  // The same spots with columns in template order and shuffled, G1 split over itself and SYM1.
  auto ordered = sampleFromDense({{2, 4, 6, 1, 2}, {0, 7, 1, 1, 3}}, {"G0", "G1", "G2", "G3", "G4"});
  auto shuffled = sampleFromDense({{2, 6, 2, 3, 1, 1}, {3, 1, 0, 4, 1, 3}}, {"G4", "G2", "G0", "SYM1", "G3", "G1"});
  TokenizeOptions opt;
  opt.maxLen = 5;
  opt.threads = 2;
  auto a = tokenize(ordered, v, opt), b = tokenize(shuffled, v, opt);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->tokens, b->tokens);
  EXPECT_EQ(a->lengths, b->lengths);
}
