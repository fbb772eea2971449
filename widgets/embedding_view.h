#pragma once
/// EmbeddingView: the 3D view of a sample's joint embedding space. Every spot has a gene point
/// (round, shaded) and an image point (square), both coloured like the spot in the slide view;
/// the trackball camera rotates (left drag), pans (middle / Shift+left) and zooms (wheel, right
/// drag). A click without drag picks the nearest point (vtkPointPicker) and emits its spot;
/// highlighted spots are drawn as larger yellow points in front of the cloud.
#include <QPoint>
#include <QPointF>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "widgets/vtk_gl_widget.h"

namespace stamp::widgets {

/// The points to show: per spot a gene and an image position (3D) and whether each is shown.
struct EmbeddingCloud {
  std::vector<std::array<float, 3>> gene, image;  // gene may be empty (image-only tables)
  std::vector<std::uint8_t> geneValid, imageValid;  // same lengths as gene / image
  std::size_t spotCount() const { return image.size(); }
};

class EmbeddingView : public VtkGlWidget {
  Q_OBJECT
 public:
  enum class Set { Gene, Image };

  explicit EmbeddingView(QWidget* parent = nullptr);
  ~EmbeddingView() override;

  /// Replaces the points (keeps colours when the spot count is unchanged) and frames them.
  void setCloud(EmbeddingCloud cloud);
  const EmbeddingCloud& cloud() const { return cloud_; }
  /// RGBA per spot (4 bytes each, alpha ignored; alpha 0 = missing value, drawn grey). Empty or
  /// a wrong length: the default colours (gene points blue-grey, image points orange).
  void setColors(const std::vector<std::uint8_t>& rgba);
  void setSetVisible(Set set, bool visible);
  bool setVisible(Set set) const { return set == Set::Gene ? showGene_ : showImage_; }
  /// Spots drawn highlighted (both their points); out-of-range indices are ignored.
  void setHighlighted(std::vector<int> spots);
  const std::vector<int>& highlighted() const { return highlighted_; }
  void resetCamera();

  /// The spot whose point is nearest to widget position `pos` (within a few pixels), or -1.
  int spotAt(QPoint pos) const;
  /// Where spot `spot`'s point of `set` appears on screen (widget pixels), if shown.
  std::optional<QPointF> screenPosition(int spot, Set set) const;

 Q_SIGNALS:
  void spotPicked(int spot);

 protected:
  void mousePressEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;

 private:
  struct Scene;
  void rebuildPoints(Set set);
  void rebuildHighlight();
  void applyColors();

  std::unique_ptr<Scene> scene_;
  EmbeddingCloud cloud_;
  std::vector<std::uint8_t> rgba_;
  std::vector<int> highlighted_;
  bool showGene_ = true, showImage_ = true;
  QPoint pressPos_;
  bool pressed_ = false;
};

}  // namespace stamp::widgets
