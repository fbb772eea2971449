#pragma once
/// LayerModel: the ordered list of spot layers (row 0 = top, drawn last). GUI thread only.
#include <QAbstractListModel>
#include <cstdint>
#include <vector>

#include "widgets/layer.h"

namespace stamp::widgets {

class LayerModel : public QAbstractListModel {
  Q_OBJECT
 public:
  explicit LayerModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

  /// Adds a layer on top and makes it current; returns its id. A layer with the same name is
  /// replaced in place (so re-choosing a gene does not pile up copies).
  std::uint64_t addLayer(Layer layer);
  void removeLayer(int row);
  void clear();
  /// Moves a layer one step up (towards the top, -1) or down (+1).
  void moveLayer(int row, int delta);

  int count() const { return int(entries_.size()); }
  const Layer& layer(int row) const { return entries_[std::size_t(row)].layer; }
  std::uint64_t layerId(int row) const { return entries_[std::size_t(row)].id; }
  /// Increases whenever the colours of the layer change (limits, colour map, values).
  std::uint64_t colorVersion(int row) const { return entries_[std::size_t(row)].colorVersion; }
  int rowOfId(std::uint64_t id) const;

  void setVisible(int row, bool visible);
  void setOpacity(int row, float opacity);
  void setLimits(int row, double vmin, double vmax);
  void setColorMap(int row, ColorMapId map);

  int currentRow() const { return current_; }
  void setCurrentRow(int row);
  /// The topmost visible layer (what hover reports), or -1.
  int topVisibleRow() const;

 Q_SIGNALS:
  /// Anything that changes the picture: order, visibility, opacity, colours.
  void appearanceChanged();
  void currentRowChanged(int row);

 private:
  struct Entry {
    std::uint64_t id;
    std::uint64_t colorVersion;
    Layer layer;
  };
  void touchColors(int row);
  std::vector<Entry> entries_;
  std::uint64_t nextId_ = 1;
  std::uint64_t nextVersion_ = 1;
  int current_ = -1;
};

}  // namespace stamp::widgets
