// Per-sample completion records (JSON) written after each part file, read back on resume.
#include "corpus/corpus_internal.h"

namespace stamp::core::corpus {

nlohmann::json toJson(const SampleOutcome& o) {
  const SampleRecord& r = o.record;
  return {{"id", r.id},
          {"path", r.path},
          {"name", r.name},
          {"organ", r.organ},
          {"technology", r.technology},
          {"dataset_id", r.datasetId},
          {"spots_read", r.spotsRead},
          {"spots_kept", r.spotsKept},
          {"dropped_min_genes", r.droppedMinGenes},
          {"dropped_off_tissue", r.droppedOffTissue},
          {"dropped_outside_slide", r.droppedOutsideSlide},
          {"no_region_cell", r.noRegionCell},
          {"genes_matched", r.genesMatched},
          {"genes_input", r.genesInput},
          {"magnification", r.magnification},
          {"image", r.imagePath},
          {"skipped", r.skipped},
          {"genes_per_spot", r.genesPerSpot},
          {"expressed_genes", o.expressedGenes}};
}

Result<SampleOutcome> outcomeFromJson(const nlohmann::json& j) {
  try {
    SampleOutcome o;
    SampleRecord& r = o.record;
    r.id = j.at("id").get<int>();
    r.path = j.at("path").get<std::string>();
    r.name = j.at("name").get<std::string>();
    r.organ = j.at("organ").get<std::string>();
    r.technology = j.at("technology").get<std::string>();
    r.datasetId = j.at("dataset_id").get<int>();
    r.spotsRead = j.at("spots_read").get<long long>();
    r.spotsKept = j.at("spots_kept").get<long long>();
    r.droppedMinGenes = j.at("dropped_min_genes").get<long long>();
    r.droppedOffTissue = j.at("dropped_off_tissue").get<long long>();
    r.droppedOutsideSlide = j.at("dropped_outside_slide").get<long long>();
    r.noRegionCell = j.at("no_region_cell").get<long long>();
    r.genesMatched = j.at("genes_matched").get<int>();
    r.genesInput = j.at("genes_input").get<int>();
    r.magnification = j.at("magnification").get<double>();
    r.imagePath = j.at("image").get<std::string>();
    r.skipped = j.at("skipped").get<std::string>();
    r.genesPerSpot = j.at("genes_per_spot").get<std::vector<long long>>();
    o.expressedGenes = j.at("expressed_genes").get<std::vector<int>>();
    if (r.genesPerSpot.size() != geneBins().size()) return makeError(ErrorCode::Format, "sample record of another version");
    return o;
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Format, std::string("malformed sample record: ") + e.what());
  }
}

}  // namespace stamp::core::corpus
