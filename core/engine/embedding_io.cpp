#include "engine/embedding_io.h"

#include <filesystem>
#include <unordered_map>

namespace stamp::core::engine {
namespace fs = std::filesystem;

Result<SampleImage> sampleImage(const st::SpatialSample& s) {
  auto exists = [](const std::string& p) { return !p.empty() && fs::exists(p); };
  if (exists(s.fullresImage)) return SampleImage{s.fullresImage, 1.0};
  if (exists(s.hiresImage) && s.scale.hiresScalef > 0) return SampleImage{s.hiresImage, s.scale.hiresScalef};
  if (exists(s.lowresImage) && s.scale.lowresScalef > 0) return SampleImage{s.lowresImage, s.scale.lowresScalef};
  return makeError(ErrorCode::NotFound,
                   "no tissue image found for this sample (no full-resolution slide, and no hires/lowres "
                   "PNG with its scale factor); give the slide explicitly",
                   s.sourcePath);
}

namespace {

st::ObsColumn numeric(std::vector<double> v) {
  st::ObsColumn c;
  c.kind = st::ObsColumn::Kind::Numeric;
  c.numbers = std::move(v);
  return c;
}

/// Rows of `m` (CSR) selected by `rows`, in that order.
st::CsrMatrix selectRows(const st::CsrMatrix& m, const std::vector<std::int64_t>& rows) {
  st::CsrMatrix out;
  out.rows = std::int64_t(rows.size());
  out.cols = m.cols;
  out.indptr.push_back(0);
  for (auto r : rows) {
    for (auto k = m.indptr[std::size_t(r)]; k < m.indptr[std::size_t(r) + 1]; ++k) {
      out.indices.push_back(m.indices[std::size_t(k)]);
      out.data.push_back(m.data[std::size_t(k)]);
    }
    out.indptr.push_back(std::int64_t(out.data.size()));
  }
  return out;
}

}  // namespace

st::SpatialSample embeddingToSample(const EmbeddingTable& t, const st::SpatialSample* source,
                                    const nlohmann::json& params) {
  st::SpatialSample out;
  std::unordered_map<std::string, std::int64_t> byBarcode;
  if (source) {
    out = st::SpatialSample{};
    out.name = source->name;
    out.sourcePath = source->sourcePath;
    out.genes = source->genes;
    out.scale = source->scale;
    out.fullresImage = source->fullresImage;
    out.hiresImage = source->hiresImage;
    out.lowresImage = source->lowresImage;
    out.metadata = source->metadata;
    for (std::size_t i = 0; i < source->spots.size(); ++i) byBarcode.emplace(source->spots[i].barcode, std::int64_t(i));
  }
  std::vector<std::int64_t> rows;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    st::Spot s{t.ids[r], -1, -1, t.x[r], t.y[r], true};
    if (auto it = byBarcode.find(t.ids[r]); it != byBarcode.end()) {
      s = source->spots[std::size_t(it->second)];
      rows.push_back(it->second);
    } else if (!t.gridRow.empty()) {
      s.arrayRow = t.gridRow[r];
      s.arrayCol = t.gridCol[r];
    }
    out.spots.push_back(s);
  }
  if (source && rows.size() == t.rows()) out.counts = selectRows(source->counts, rows);
  else out.counts = {std::int64_t(t.rows()), std::int64_t(out.genes.size()), std::vector<std::int64_t>(t.rows() + 1, 0), {}, {}};
  if (!source) out.genes.clear(), out.counts.cols = 0;
  out.obsm["X_stamp_image"] = t.image;
  out.obs["stamp_image_valid"] = numeric({t.imageValid.begin(), t.imageValid.end()});
  if (t.gene.rows > 0) {
    out.obsm["X_stamp_gene"] = t.gene;
    out.obs["stamp_gene_valid"] = numeric({t.geneValid.begin(), t.geneValid.end()});
    out.obs["stamp_agreement"] = numeric({t.agreement.begin(), t.agreement.end()});
  }
  out.uns["stamp"] = params;
  out.uns["stamp"]["half_patch_px"] = t.halfPatchPx;
  out.uns["stamp"]["magnification"] = t.magnification;
  out.uns["stamp"]["empty_spots"] = t.emptySpots;
  out.uns["stamp"]["outside_spots"] = t.outsideSpots;
  return out;
}

Result<EmbeddingTable> embeddingFromSample(const st::SpatialSample& s) {
  auto img = s.obsm.find("X_stamp_image");
  if (img == s.obsm.end() || img->second.rows != std::int64_t(s.spots.size()))
    return makeError(ErrorCode::Format, "has no STAMP embeddings (obsm['X_stamp_image'])", s.sourcePath);
  EmbeddingTable t;
  for (const auto& sp : s.spots) {
    t.ids.push_back(sp.barcode);
    t.x.push_back(sp.x);
    t.y.push_back(sp.y);
  }
  t.image = img->second;
  auto flags = [&](const char* name, std::size_t n) {
    std::vector<std::uint8_t> v(n, 1);
    if (auto it = s.obs.find(name); it != s.obs.end() && it->second.numbers.size() == n)
      for (std::size_t i = 0; i < n; ++i) v[i] = it->second.numbers[i] != 0;
    return v;
  };
  t.imageValid = flags("stamp_image_valid", t.rows());
  if (auto g = s.obsm.find("X_stamp_gene"); g != s.obsm.end() && g->second.rows == img->second.rows) {
    t.gene = g->second;
    t.geneValid = flags("stamp_gene_valid", t.rows());
    if (auto a = s.obs.find("stamp_agreement"); a != s.obs.end())
      t.agreement.assign(a->second.numbers.begin(), a->second.numbers.end());
  }
  if (auto u = s.uns.find("stamp"); u != s.uns.end() && u->is_object()) {
    t.halfPatchPx = u->value("half_patch_px", 0.0);
    t.magnification = u->value("magnification", 0.0);
  }
  return t;
}

}  // namespace stamp::core::engine
