// HDF5 row files of the corpus layout, over the HDF5 C API (st/hdf5_util.h for handles).
#include "corpus/shard_io.h"

#include <algorithm>

#include "st/hdf5_util.h"

namespace stamp::core::corpus {
namespace h5 = st::h5;

namespace {

// Chunks: token rows in blocks of 64 (1 MiB), one image per chunk so that a reader picking
// rows pulls no neighbours; per-row scalars in blocks of 4096.
constexpr hsize_t kTokenChunkRows = 64;
constexpr hsize_t kScalarChunkRows = 4096;

h5::Hid space(const std::vector<hsize_t>& dims) {
  return h5::Hid(H5Screate_simple(int(dims.size()), dims.data(), nullptr));
}

Result<h5::Hid> createDataset(hid_t file, const char* name, hid_t type, std::vector<hsize_t> dims,
                              hsize_t chunkRows, const std::string& path) {
  h5::Hid dcpl(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_obj_track_times(dcpl.get(), false);  // same data, same bytes (resume == fresh build)
  if (dims[0] > 0) {
    std::vector<hsize_t> chunk = dims;
    chunk[0] = std::min(dims[0], chunkRows);
    H5Pset_chunk(dcpl.get(), int(chunk.size()), chunk.data());
    H5Pset_shuffle(dcpl.get());
    H5Pset_deflate(dcpl.get(), 4);
  }
  h5::Hid sp = space(dims);
  h5::Hid d(H5Dcreate2(file, name, type, sp.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
  if (!d.valid()) return makeError(ErrorCode::Io, std::string("cannot create dataset ") + name, path);
  return d;
}

/// File and memory dataspaces selecting rows [start, start + count) of dataset d.
std::pair<h5::Hid, h5::Hid> rowSpaces(hid_t d, long long start, long long count) {
  h5::Hid fs(H5Dget_space(d));
  const auto rank = static_cast<std::size_t>(std::max(1, H5Sget_simple_extent_ndims(fs.get())));
  std::vector<hsize_t> dims(rank, 0), off(rank, 0);
  H5Sget_simple_extent_dims(fs.get(), dims.data(), nullptr);
  off[0] = hsize_t(start);
  dims[0] = hsize_t(count);
  H5Sselect_hyperslab(fs.get(), H5S_SELECT_SET, off.data(), nullptr, dims.data(), nullptr);
  return {std::move(fs), space(dims)};
}

Status writeRows(hid_t d, hid_t memType, long long start, long long count, const void* buf,
                 const std::string& what) {
  if (count == 0) return {};
  auto [fs, ms] = rowSpaces(d, start, count);
  if (H5Dwrite(d, memType, ms.get(), fs.get(), H5P_DEFAULT, buf) < 0)
    return makeError(ErrorCode::Io, "cannot write rows", what);
  return {};
}

Status readRows(hid_t d, hid_t memType, long long start, long long count, void* buf,
                const std::string& what) {
  if (count == 0) return {};
  auto [fs, ms] = rowSpaces(d, start, count);
  if (H5Dread(d, memType, ms.get(), fs.get(), H5P_DEFAULT, buf) < 0)
    return makeError(ErrorCode::Format, "cannot read rows of dataset " + what);
  return {};
}

}  // namespace

void RowBlock::reset(int tLen, int px) {
  rows = 0;
  tokenLen = tLen;
  imagePx = px;
  for (auto* v : {&tokens, &posLabel, &slideId, &datasetId}) v->clear();
  images.clear();
  regions.clear();
  spotIndex.clear();
}

void RowBlock::appendRow(const RowBlock& o, long long r) {
  const auto t = std::size_t(tokenLen), ri = std::size_t(r);
  tokens.insert(tokens.end(), o.tokens.begin() + std::ptrdiff_t(ri * t),
                o.tokens.begin() + std::ptrdiff_t((ri + 1) * t));
  if (imagePx > 0 && o.imagePx == imagePx) {
    const auto b = imageBytes();
    images.insert(images.end(), o.images.begin() + std::ptrdiff_t(ri * b), o.images.begin() + std::ptrdiff_t((ri + 1) * b));
    regions.insert(regions.end(), o.regions.begin() + std::ptrdiff_t(ri * b), o.regions.begin() + std::ptrdiff_t((ri + 1) * b));
  }
  posLabel.push_back(o.posLabel[ri]);
  slideId.push_back(o.slideId[ri]);
  datasetId.push_back(o.datasetId[ri]);
  spotIndex.push_back(o.spotIndex[ri]);
  ++rows;
}

// ---------------------------------------------------------------- writer

struct RowWriter::Impl {
  std::string path;
  h5::Hid file, tokens, images, regions, pos, slide, dataset, spot;
  long long rows = 0, written = 0;
  int tokenLen = 0, imagePx = 0;
};

RowWriter::RowWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RowWriter::RowWriter(RowWriter&&) noexcept = default;
RowWriter& RowWriter::operator=(RowWriter&&) noexcept = default;
RowWriter::~RowWriter() = default;
long long RowWriter::written() const { return impl_->written; }

Result<RowWriter> RowWriter::create(const std::string& path, long long rows, int tokenLen,
                                    int imagePx) {
  return h5::guarded(path, [&]() -> Result<RowWriter> {
    auto m = std::make_unique<Impl>();
    m->path = path;
    m->rows = rows;
    m->tokenLen = tokenLen;
    m->imagePx = imagePx;
    STAMP_ASSIGN(m->file, h5::createFile(path));
    const hid_t f = m->file.get();
    const auto n = hsize_t(rows);
    STAMP_ASSIGN(m->tokens, createDataset(f, "tokenized_gene", H5T_STD_I32LE, {n, hsize_t(tokenLen)}, kTokenChunkRows, path));
    if (imagePx > 0) {
      const std::vector<hsize_t> img = {n, 3, hsize_t(imagePx), hsize_t(imagePx)};
      STAMP_ASSIGN(m->images, createDataset(f, "images", H5T_STD_U8LE, img, 1, path));
      STAMP_ASSIGN(m->regions, createDataset(f, "images_aug", H5T_STD_U8LE, img, 1, path));
      STAMP_ASSIGN(m->pos, createDataset(f, "pos_label", H5T_STD_I32LE, {n}, kScalarChunkRows, path));
      STAMP_CHECK(h5::writeStringAttr(m->images.get(), "channel_order", "RGB"));
      STAMP_CHECK(h5::writeStringAttr(m->regions.get(), "content", "region crop (6 ps, 3x3 cells) resized; zeros when pos_label = -1"));
    }
    STAMP_ASSIGN(m->slide, createDataset(f, "batch_slide_id", H5T_STD_I32LE, {n}, kScalarChunkRows, path));
    STAMP_ASSIGN(m->dataset, createDataset(f, "batch_dataset_id", H5T_STD_I32LE, {n}, kScalarChunkRows, path));
    STAMP_ASSIGN(m->spot, createDataset(f, "spot_index", H5T_STD_I64LE, {n}, kScalarChunkRows, path));
    return RowWriter(std::move(m));
  });
}

Status RowWriter::write(const RowBlock& b) {
  Impl& m = *impl_;
  if (b.rows == 0) return {};
  if (m.written + b.rows > m.rows || b.tokenLen != m.tokenLen || (m.imagePx > 0 && b.imagePx != m.imagePx))
    return makeError(ErrorCode::Internal, "row block does not fit the file", m.path);
  return h5::guarded(m.path, [&]() -> Status {
    const long long s = m.written;
    STAMP_CHECK(writeRows(m.tokens.get(), H5T_NATIVE_INT32, s, b.rows, b.tokens.data(), m.path));
    if (m.imagePx > 0) {
      STAMP_CHECK(writeRows(m.images.get(), H5T_NATIVE_UINT8, s, b.rows, b.images.data(), m.path));
      STAMP_CHECK(writeRows(m.regions.get(), H5T_NATIVE_UINT8, s, b.rows, b.regions.data(), m.path));
      STAMP_CHECK(writeRows(m.pos.get(), H5T_NATIVE_INT32, s, b.rows, b.posLabel.data(), m.path));
    }
    STAMP_CHECK(writeRows(m.slide.get(), H5T_NATIVE_INT32, s, b.rows, b.slideId.data(), m.path));
    STAMP_CHECK(writeRows(m.dataset.get(), H5T_NATIVE_INT32, s, b.rows, b.datasetId.data(), m.path));
    STAMP_CHECK(writeRows(m.spot.get(), H5T_NATIVE_INT64, s, b.rows, b.spotIndex.data(), m.path));
    m.written += b.rows;
    return {};
  });
}

Status RowWriter::close() {
  Impl& m = *impl_;
  if (m.written != m.rows)
    return makeError(ErrorCode::Internal, "file closed after " + std::to_string(m.written) + " of " + std::to_string(m.rows) + " rows", m.path);
  return h5::guarded(m.path, [&]() -> Status {
    for (h5::Hid* h : {&m.tokens, &m.images, &m.regions, &m.pos, &m.slide, &m.dataset, &m.spot}) *h = h5::Hid();
    if (m.file.valid() && H5Fflush(m.file.get(), H5F_SCOPE_GLOBAL) < 0)
      return makeError(ErrorCode::Io, "cannot flush file", m.path);
    m.file = h5::Hid();
    return {};
  });
}

// ---------------------------------------------------------------- reader

struct RowReader::Impl {
  std::string path;
  h5::Hid file, tokens, images, regions, pos, slide, dataset, spot;
  long long rows = 0;
  int tokenLen = 0, imagePx = 0;
};

RowReader::RowReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RowReader::RowReader(RowReader&&) noexcept = default;
RowReader& RowReader::operator=(RowReader&&) noexcept = default;
RowReader::~RowReader() = default;
long long RowReader::rows() const { return impl_->rows; }
int RowReader::tokenLen() const { return impl_->tokenLen; }
bool RowReader::hasImages() const { return impl_->imagePx > 0; }
int RowReader::imagePx() const { return impl_->imagePx; }

namespace {
/// Opens an optional per-row dataset; error when present with the wrong length.
Result<h5::Hid> optionalRows(hid_t f, const char* name, long long rows, const std::string& path) {
  if (h5::kindOf(f, name) != h5::Kind::Dataset) return h5::Hid();
  STAMP_ASSIGN(h5::Hid d, h5::openDataset(f, name, path));
  auto dims = h5::shapeOf(d.get());
  if (dims.empty() || (long long)dims[0] != rows || !h5::isNumericType(d.get()))
    return makeError(ErrorCode::Format, std::string("dataset ") + name + " does not have one numeric entry per row of tokenized_gene", path);
  return d;
}
}  // namespace

Result<RowReader> RowReader::open(const std::string& path) {
  return h5::guarded(path, [&]() -> Result<RowReader> {
    auto m = std::make_unique<Impl>();
    m->path = path;
    STAMP_ASSIGN(m->file, h5::openFile(path));
    const hid_t f = m->file.get();
    STAMP_ASSIGN(m->tokens, h5::openDataset(f, "tokenized_gene", path));
    auto dims = h5::shapeOf(m->tokens.get());
    if (dims.size() != 2 || dims[1] == 0 || !h5::isNumericType(m->tokens.get()))
      return makeError(ErrorCode::Format, "tokenized_gene must be a 2-D integer dataset (rows, tokens)", path);
    m->rows = (long long)dims[0];
    m->tokenLen = int(dims[1]);
    STAMP_ASSIGN(m->images, optionalRows(f, "images", m->rows, path));
    STAMP_ASSIGN(m->regions, optionalRows(f, "images_aug", m->rows, path));
    if (m->images.valid() && m->regions.valid()) {
      auto id = h5::shapeOf(m->images.get()), rd = h5::shapeOf(m->regions.get());
      if (id.size() != 4 || id[1] != 3 || id[2] != id[3] || id != rd)
        return makeError(ErrorCode::Format, "images/images_aug must both be (rows, 3, S, S)", path);
      m->imagePx = int(id[2]);
    }
    STAMP_ASSIGN(m->pos, optionalRows(f, "pos_label", m->rows, path));
    STAMP_ASSIGN(m->slide, optionalRows(f, "batch_slide_id", m->rows, path));
    STAMP_ASSIGN(m->dataset, optionalRows(f, "batch_dataset_id", m->rows, path));
    STAMP_ASSIGN(m->spot, optionalRows(f, "spot_index", m->rows, path));
    return RowReader(std::move(m));
  });
}

Result<RowBlock> RowReader::read(long long start, long long count, bool withImages) const {
  const Impl& m = *impl_;
  if (start < 0 || count < 0 || start + count > m.rows)
    return makeError(ErrorCode::OutOfRange, "rows outside the file", m.path);
  return h5::guarded(m.path, [&]() -> Result<RowBlock> {
    RowBlock b;
    b.reset(m.tokenLen, withImages ? m.imagePx : 0);
    b.rows = count;
    const auto n = std::size_t(count);
    b.tokens.resize(n * std::size_t(m.tokenLen));
    STAMP_CHECK(readRows(m.tokens.get(), H5T_NATIVE_INT32, start, count, b.tokens.data(), "tokenized_gene"));
    if (b.imagePx > 0) {
      b.images.resize(n * b.imageBytes());
      b.regions.resize(n * b.imageBytes());
      STAMP_CHECK(readRows(m.images.get(), H5T_NATIVE_UINT8, start, count, b.images.data(), "images"));
      STAMP_CHECK(readRows(m.regions.get(), H5T_NATIVE_UINT8, start, count, b.regions.data(), "images_aug"));
    }
    auto column = [&](const h5::Hid& d, hid_t type, auto& out, auto fill, const char* name) -> Status {
      out.assign(n, fill);
      if (!d.valid()) return {};
      return readRows(d.get(), type, start, count, out.data(), name);
    };
    STAMP_CHECK(column(m.pos, H5T_NATIVE_INT32, b.posLabel, std::int32_t(-1), "pos_label"));
    STAMP_CHECK(column(m.slide, H5T_NATIVE_INT32, b.slideId, std::int32_t(-1), "batch_slide_id"));
    STAMP_CHECK(column(m.dataset, H5T_NATIVE_INT32, b.datasetId, std::int32_t(-1), "batch_dataset_id"));
    STAMP_CHECK(column(m.spot, H5T_NATIVE_INT64, b.spotIndex, std::int64_t(-1), "spot_index"));
    return b;
  });
}

Result<std::vector<std::int32_t>> RowReader::slideIds() const {
  const Impl& m = *impl_;
  std::vector<std::int32_t> out(std::size_t(m.rows), -1);
  if (!m.slide.valid()) return out;
  return h5::guarded(m.path, [&]() -> Result<std::vector<std::int32_t>> {
    auto s = readRows(m.slide.get(), H5T_NATIVE_INT32, 0, m.rows, out.data(), "batch_slide_id");
    if (!s) return s.error().within(m.path);
    return out;
  });
}

}  // namespace stamp::core::corpus
