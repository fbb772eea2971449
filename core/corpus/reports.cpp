// The corpus manifest (JSON + CSV) and the summary report (text + PNG chart).
#include <filesystem>
#include <map>
#include <sstream>

#include "common/atomic_file.h"
#include "corpus/corpus_internal.h"

namespace stamp::core::corpus {
namespace fs = std::filesystem;

namespace {

nlohmann::json layoutJson(bool images) {
  nlohmann::json d = {
      {"tokenized_gene", "(N, 4096) int32: STAMP token ids (template index + 30), ranked, 0-padded"},
      {"batch_slide_id", "(N) int32: index into slides"},
      {"batch_dataset_id", "(N) int32: index into datasets"},
      {"spot_index", "(N) int64: row of the spot in its sample"}};
  if (images) {
    d["images"] = "(N, 3, 224, 224) uint8: spot patch (2 ps square centred on the spot), CHW, RGB";
    d["images_aug"] = "(N, 3, 224, 224) uint8: region crop (6 ps square, 3x3 cells, the spot at the centre of "
                      "cell pos_label) resized to 224, CHW, RGB; all zeros when pos_label = -1";
    d["pos_label"] = "(N) int32: cell 0..8 (3 * row + col), drawn seeded among the cells whose region fits "
                     "the image; -1 when none fits (mask these rows out of the positioning loss)";
  }
  return d;
}

nlohmann::json sampleJson(const SampleRecord& r) {
  return {{"slide_id", r.id},         {"name", r.name},
          {"path", r.path},           {"organ", r.organ},
          {"technology", r.technology}, {"dataset_id", r.datasetId},
          {"spots_read", r.spotsRead}, {"spots_kept", r.spotsKept},
          {"dropped_min_genes", r.droppedMinGenes}, {"dropped_off_tissue", r.droppedOffTissue},
          {"dropped_outside_slide", r.droppedOutsideSlide}, {"no_region_cell", r.noRegionCell},
          {"genes_input", r.genesInput}, {"genes_matched", r.genesMatched},
          {"magnification", r.magnification}, {"image", r.imagePath},
          {"skipped", r.skipped.empty() ? nlohmann::json() : nlohmann::json(r.skipped)}};
}

nlohmann::json manifestJson(const CorpusSummary& s, const CorpusOptions& o) {
  nlohmann::json j;
  j["format"] = "stamp-corpus/1";
  j["filters"] = {{"min_genes", o.minGenes}, {"in_tissue_only", o.inTissueOnly}, {"with_images", o.withImages},
                  {"drop_patch_outside_slide", o.withImages}};
  j["options"] = {{"inputs", o.inputs}, {"vocab", o.vocabDir}, {"shard_size", o.shardSize}, {"seed", o.seed}};
  j["options"]["magnification"] = o.magnification ? nlohmann::json(*o.magnification) : nlohmann::json();
  j["options"]["mpp"] = o.mpp ? nlohmann::json(*o.mpp) : nlohmann::json();
  j["datasets_layout"] = layoutJson(o.withImages);
  j["images_aug"] = o.withImages ? "region crop resized to 224 (no colour augmentation)" : "absent";
  j["spots"] = s.spots;
  j["vocabulary"] = {{"size", s.vocabularySize}, {"genes_seen", s.vocabularyGenesSeen}};
  j["datasets"] = s.datasets;
  j["slides"] = nlohmann::json::array();
  for (const auto& r : s.samples) j["slides"].push_back(sampleJson(r));
  j["shards"] = nlohmann::json::array();
  for (const auto& sh : s.shards) {
    nlohmann::json parts = nlohmann::json::array();
    for (auto [id, n] : sh.samples) parts.push_back({{"slide_id", id}, {"rows", n}});
    j["shards"].push_back({{"file", sh.file}, {"rows", sh.rows}, {"slides", parts}});
  }
  return j;
}

std::string csvField(const std::string& v) {
  if (v.find_first_of(",\"\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string manifestCsv(const CorpusSummary& s) {
  std::map<int, std::string> shardsOf;
  for (const auto& sh : s.shards)
    for (auto [id, n] : sh.samples) shardsOf[id] += (shardsOf[id].empty() ? "" : ";") + sh.file;
  std::ostringstream os;
  os << "slide_id,name,path,organ,technology,dataset_id,spots_read,spots_kept,dropped_min_genes,"
        "dropped_off_tissue,dropped_outside_slide,no_region_cell,genes_input,genes_matched,shards,skipped\n";
  for (const auto& r : s.samples)
    os << r.id << ',' << csvField(r.name) << ',' << csvField(r.path) << ',' << csvField(r.organ) << ','
       << csvField(r.technology) << ',' << r.datasetId << ',' << r.spotsRead << ',' << r.spotsKept << ','
       << r.droppedMinGenes << ',' << r.droppedOffTissue << ',' << r.droppedOutsideSlide << ',' << r.noRegionCell
       << ',' << r.genesInput << ',' << r.genesMatched << ',' << shardsOf[r.id] << ',' << csvField(r.skipped) << '\n';
  return os.str();
}

std::string organOf(const SampleRecord& r) { return r.organ.empty() ? "unknown" : r.organ; }

std::string summaryText(const CorpusSummary& s) {
  std::ostringstream os;
  long long used = 0;
  std::map<std::string, long long> perOrgan;
  std::vector<long long> hist(geneBins().size(), 0);
  for (const auto& r : s.samples) {
    if (r.skipped.empty()) ++used;
    perOrgan[organOf(r)] += r.spotsKept;
    for (std::size_t b = 0; b < hist.size(); ++b) hist[b] += r.genesPerSpot[b];
  }
  os << "STAMP training corpus: " << s.spots << " spots from " << used << " of " << s.samples.size()
     << " samples in " << s.shards.size() << " shard(s)\n\nSpots per organ:\n";
  for (const auto& [organ, n] : perOrgan) os << "  " << organ << ": " << n << "\n";
  os << "\nExpressed vocabulary genes per spot (kept spots):\n";
  for (std::size_t b = 0; b < hist.size(); ++b)
    os << "  " << (b == 0 ? 1 : geneBins()[b - 1] + 1) << "-" << geneBins()[b] << ": " << hist[b] << "\n";
  os << "\nVocabulary coverage: " << s.vocabularyGenesSeen << " of " << s.vocabularySize
     << " genes expressed in at least one kept spot\n";
  os << "\nSkipped samples:\n";
  bool any = false;
  for (const auto& r : s.samples)
    if (!r.skipped.empty()) os << "  " << r.path << ": " << r.skipped << "\n", any = true;
  if (!any) os << "  none\n";
  return os.str();
}

}  // namespace

Status writeReports(const CorpusSummary& s, const CorpusOptions& o) {
  const fs::path out(o.outDir);
  STAMP_CHECK(writeFileAtomic(out / "manifest.csv", manifestCsv(s)));
  STAMP_CHECK(writeFileAtomic(out / "summary.txt", summaryText(s)));
  STAMP_CHECK(writeSummaryChart(s, (out / "summary.png").string()));
  // Last: a folder with manifest.json is a complete corpus.
  return writeFileAtomic(out / "manifest.json", manifestJson(s, o).dump(2));
}

}  // namespace stamp::core::corpus
