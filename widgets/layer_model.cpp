#include "widgets/layer_model.h"

#include <algorithm>

namespace stamp::widgets {

LayerModel::LayerModel(QObject* parent) : QAbstractListModel(parent) {}

int LayerModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : count();
}

QVariant LayerModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= count()) return {};
  const Layer& l = layer(index.row());
  if (role == Qt::DisplayRole) return QString::fromStdString(l.name);
  if (role == Qt::CheckStateRole) return l.visible ? Qt::Checked : Qt::Unchecked;
  if (role == Qt::ToolTipRole)
    return l.kind == Layer::Kind::Categorical
               ? QStringLiteral("%1 categories").arg(l.categories.size())
               : QStringLiteral("%1, limits %2 .. %3")
                     .arg(colorMapName(l.colorMap))
                     .arg(l.vmin, 0, 'g', 4)
                     .arg(l.vmax, 0, 'g', 4);
  return {};
}

bool LayerModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!index.isValid() || role != Qt::CheckStateRole) return false;
  setVisible(index.row(), value.toInt() == Qt::Checked);
  return true;
}

Qt::ItemFlags LayerModel::flags(const QModelIndex& index) const {
  return QAbstractListModel::flags(index) | Qt::ItemIsUserCheckable;
}

std::uint64_t LayerModel::addLayer(Layer layer) {
  for (int row = 0; row < count(); ++row) {
    if (entries_[std::size_t(row)].layer.name != layer.name) continue;
    layer.visible = entries_[std::size_t(row)].layer.visible;
    entries_[std::size_t(row)].layer = std::move(layer);
    touchColors(row);
    setCurrentRow(row);
    return entries_[std::size_t(row)].id;
  }
  beginInsertRows({}, 0, 0);
  entries_.insert(entries_.begin(), Entry{nextId_++, nextVersion_++, std::move(layer)});
  endInsertRows();
  current_ = -1;
  setCurrentRow(0);
  Q_EMIT appearanceChanged();
  return entries_.front().id;
}

void LayerModel::removeLayer(int row) {
  if (row < 0 || row >= count()) return;
  beginRemoveRows({}, row, row);
  entries_.erase(entries_.begin() + row);
  endRemoveRows();
  current_ = -1;
  setCurrentRow(std::min(row, count() - 1));
  Q_EMIT appearanceChanged();
}

void LayerModel::clear() {
  beginResetModel();
  entries_.clear();
  endResetModel();
  current_ = -1;
  Q_EMIT currentRowChanged(-1);
  Q_EMIT appearanceChanged();
}

void LayerModel::moveLayer(int row, int delta) {
  const int to = row + delta;
  if (row < 0 || row >= count() || to < 0 || to >= count() || delta == 0) return;
  // Qt's destination index counts positions before the move.
  beginMoveRows({}, row, row, {}, delta > 0 ? to + 1 : to);
  std::swap(entries_[std::size_t(row)], entries_[std::size_t(to)]);
  endMoveRows();
  if (current_ == row) current_ = to;
  else if (current_ == to) current_ = row;
  Q_EMIT currentRowChanged(current_);
  Q_EMIT appearanceChanged();
}

int LayerModel::rowOfId(std::uint64_t id) const {
  for (int row = 0; row < count(); ++row)
    if (entries_[std::size_t(row)].id == id) return row;
  return -1;
}

void LayerModel::setVisible(int row, bool visible) {
  if (row < 0 || row >= count() || layer(row).visible == visible) return;
  entries_[std::size_t(row)].layer.visible = visible;
  Q_EMIT dataChanged(index(row), index(row), {Qt::CheckStateRole});
  Q_EMIT appearanceChanged();
}

void LayerModel::setOpacity(int row, float opacity) {
  if (row < 0 || row >= count()) return;
  entries_[std::size_t(row)].layer.opacity = std::clamp(opacity, 0.f, 1.f);
  Q_EMIT appearanceChanged();
}

void LayerModel::setLimits(int row, double vmin, double vmax) {
  if (row < 0 || row >= count()) return;
  Layer& l = entries_[std::size_t(row)].layer;
  l.vmin = vmin;
  l.vmax = vmax;
  touchColors(row);
}

void LayerModel::setColorMap(int row, ColorMapId map) {
  if (row < 0 || row >= count()) return;
  entries_[std::size_t(row)].layer.colorMap = map;
  touchColors(row);
}

void LayerModel::setCurrentRow(int row) {
  if (row == current_) return;
  current_ = row;
  Q_EMIT currentRowChanged(row);
}

int LayerModel::topVisibleRow() const {
  for (int row = 0; row < count(); ++row)
    if (layer(row).visible) return row;
  return -1;
}

void LayerModel::touchColors(int row) {
  entries_[std::size_t(row)].colorVersion = nextVersion_++;
  Q_EMIT dataChanged(index(row), index(row));
  Q_EMIT appearanceChanged();
}

}  // namespace stamp::widgets
