#include "widgets/embedding_view.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCullerCollection.h>
#include <vtkRenderWindow.h>
#include <vtkPointData.h>
#include <vtkPointPicker.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>

#include <QMouseEvent>
#include <algorithm>
#include <cmath>

namespace stamp::widgets {

namespace {

template <class T>
vtkSmartPointer<T> make() {
  return vtkSmartPointer<T>::New();
}

constexpr std::array<std::uint8_t, 3> kGeneDefault{110, 150, 205};
constexpr std::array<std::uint8_t, 3> kImageDefault{235, 150, 60};
constexpr std::array<std::uint8_t, 3> kMissing{128, 128, 128};

// One point set (gene or image points): its polydata, actor and which spot each point is.
struct PointSet {
  vtkSmartPointer<vtkPolyData> data = make<vtkPolyData>();
  vtkSmartPointer<vtkPolyDataMapper> mapper = make<vtkPolyDataMapper>();
  vtkSmartPointer<vtkActor> actor = make<vtkActor>();
  std::vector<int> spotOfPoint;
  std::vector<int> pointOfSpot;  // -1 when the spot has no point in this set

  PointSet() {
    mapper->SetInputData(data);
    mapper->SetColorModeToDirectScalars();
    mapper->SetScalarModeToUsePointData();
    mapper->ScalarVisibilityOn();
    actor->SetMapper(mapper);
  }
};

// Polydata of single-vertex cells at `pts` (the vertex cells are what the mapper draws and what
// the picker searches).
void fillPolyData(vtkPolyData* data, const std::vector<std::array<float, 3>>& pts) {
  auto points = make<vtkPoints>();
  points->SetDataTypeToFloat();
  points->SetNumberOfPoints(vtkIdType(pts.size()));
  for (std::size_t i = 0; i < pts.size(); ++i) points->SetPoint(vtkIdType(i), pts[i][0], pts[i][1], pts[i][2]);
  auto verts = make<vtkCellArray>();
  verts->AllocateExact(vtkIdType(pts.size()), vtkIdType(pts.size()));
  for (vtkIdType i = 0; i < vtkIdType(pts.size()); ++i) verts->InsertNextCell(1, &i);
  data->Initialize();
  data->SetPoints(points);
  data->SetVerts(verts);
}

}  // namespace

struct EmbeddingView::Scene {
  PointSet gene, image;
  PointSet highlight;
  vtkSmartPointer<vtkRenderer> overlay = make<vtkRenderer>();
  vtkSmartPointer<vtkPointPicker> picker = make<vtkPointPicker>();
};

EmbeddingView::EmbeddingView(QWidget* parent) : VtkGlWidget(parent), scene_(std::make_unique<Scene>()) {
  vtkRenderer* ren = renderer();
  ren->SetBackground(0.11, 0.12, 0.14);
  // The frustum-coverage culler drops props that cover few pixels: a tight cloud would vanish.
  ren->GetCullers()->RemoveAllItems();
  ren->AddActor(scene_->gene.actor);
  ren->AddActor(scene_->image.actor);
  // Highlights live in a second layer sharing the camera: always in front of the cloud.
  renderWindow()->SetNumberOfLayers(2);
  scene_->overlay->SetLayer(1);
  scene_->overlay->SetActiveCamera(ren->GetActiveCamera());
  scene_->overlay->InteractiveOff();
  scene_->overlay->AddActor(scene_->highlight.actor);
  renderWindow()->AddRenderer(scene_->overlay);

  vtkProperty* g = scene_->gene.actor->GetProperty();
  g->SetPointSize(6);
  g->RenderPointsAsSpheresOn();  // round, shaded: gene points
  vtkProperty* im = scene_->image.actor->GetProperty();
  im->SetPointSize(5);           // flat squares: image points
  im->LightingOff();
  vtkProperty* h = scene_->highlight.actor->GetProperty();
  h->SetPointSize(13);
  h->RenderPointsAsSpheresOn();
  h->SetColor(1.0, 0.85, 0.1);
  scene_->highlight.mapper->ScalarVisibilityOff();

  scene_->picker->PickFromListOn();
  scene_->picker->AddPickList(scene_->gene.actor);
  scene_->picker->AddPickList(scene_->image.actor);
}

EmbeddingView::~EmbeddingView() = default;

void EmbeddingView::setCloud(EmbeddingCloud cloud) {
  const bool sameCount = cloud.spotCount() == cloud_.spotCount();
  cloud_ = std::move(cloud);
  if (!sameCount) rgba_.clear();
  highlighted_.erase(std::remove_if(highlighted_.begin(), highlighted_.end(),
                                    [this](int s) { return s < 0 || std::size_t(s) >= cloud_.spotCount(); }),
                     highlighted_.end());
  rebuildPoints(Set::Gene);
  rebuildPoints(Set::Image);
  applyColors();
  rebuildHighlight();
  resetCamera();
}

void EmbeddingView::rebuildPoints(Set set) {
  PointSet& ps = set == Set::Gene ? scene_->gene : scene_->image;
  const auto& pts = set == Set::Gene ? cloud_.gene : cloud_.image;
  const auto& valid = set == Set::Gene ? cloud_.geneValid : cloud_.imageValid;
  std::vector<std::array<float, 3>> shown;
  ps.spotOfPoint.clear();
  ps.pointOfSpot.assign(cloud_.spotCount(), -1);
  for (std::size_t i = 0; i < pts.size() && i < cloud_.spotCount(); ++i) {
    if (i < valid.size() && !valid[i]) continue;
    ps.pointOfSpot[i] = int(shown.size());
    ps.spotOfPoint.push_back(int(i));
    shown.push_back(pts[i]);
  }
  fillPolyData(ps.data, shown);
  ps.actor->SetVisibility(set == Set::Gene ? showGene_ : showImage_);
}

void EmbeddingView::setColors(const std::vector<std::uint8_t>& rgba) {
  rgba_ = rgba.size() == cloud_.spotCount() * 4 ? rgba : std::vector<std::uint8_t>{};
  applyColors();
  requestRender();
}

void EmbeddingView::applyColors() {
  for (Set set : {Set::Gene, Set::Image}) {
    PointSet& ps = set == Set::Gene ? scene_->gene : scene_->image;
    auto colors = make<vtkUnsignedCharArray>();
    colors->SetNumberOfComponents(3);
    colors->SetNumberOfTuples(vtkIdType(ps.spotOfPoint.size()));
    const auto fallback = set == Set::Gene ? kGeneDefault : kImageDefault;
    for (std::size_t p = 0; p < ps.spotOfPoint.size(); ++p) {
      const std::size_t s = std::size_t(ps.spotOfPoint[p]);
      std::array<std::uint8_t, 3> c = fallback;
      if (!rgba_.empty())
        c = rgba_[s * 4 + 3] == 0 ? kMissing
                                  : std::array<std::uint8_t, 3>{rgba_[s * 4], rgba_[s * 4 + 1], rgba_[s * 4 + 2]};
      colors->SetTypedTuple(vtkIdType(p), c.data());
    }
    ps.data->GetPointData()->SetScalars(colors);
    ps.data->Modified();
  }
}

void EmbeddingView::setSetVisible(Set set, bool visible) {
  (set == Set::Gene ? showGene_ : showImage_) = visible;
  (set == Set::Gene ? scene_->gene : scene_->image).actor->SetVisibility(visible);
  rebuildHighlight();
  requestRender();
}

void EmbeddingView::setHighlighted(std::vector<int> spots) {
  spots.erase(std::remove_if(spots.begin(), spots.end(),
                             [this](int s) { return s < 0 || std::size_t(s) >= cloud_.spotCount(); }),
              spots.end());
  std::sort(spots.begin(), spots.end());
  spots.erase(std::unique(spots.begin(), spots.end()), spots.end());
  highlighted_ = std::move(spots);
  rebuildHighlight();
  requestRender();
}

void EmbeddingView::rebuildHighlight() {
  std::vector<std::array<float, 3>> pts;
  for (int s : highlighted_) {
    if (showGene_ && scene_->gene.pointOfSpot.size() > std::size_t(s) && scene_->gene.pointOfSpot[std::size_t(s)] >= 0)
      pts.push_back(cloud_.gene[std::size_t(s)]);
    if (showImage_ && scene_->image.pointOfSpot.size() > std::size_t(s) && scene_->image.pointOfSpot[std::size_t(s)] >= 0)
      pts.push_back(cloud_.image[std::size_t(s)]);
  }
  fillPolyData(scene_->highlight.data, pts);
}

void EmbeddingView::resetCamera() {
  vtkCamera* cam = renderer()->GetActiveCamera();
  cam->SetFocalPoint(0, 0, 0);
  cam->SetPosition(0, 0, 1);
  cam->SetViewUp(0, 1, 0);
  renderer()->ResetCamera();
  requestRender();
}

std::optional<QPointF> EmbeddingView::screenPosition(int spot, Set set) const {
  const PointSet& ps = set == Set::Gene ? scene_->gene : scene_->image;
  if (spot < 0 || std::size_t(spot) >= ps.pointOfSpot.size() || ps.pointOfSpot[std::size_t(spot)] < 0)
    return std::nullopt;
  if (!(set == Set::Gene ? showGene_ : showImage_)) return std::nullopt;
  const auto& p = (set == Set::Gene ? cloud_.gene : cloud_.image)[std::size_t(spot)];
  vtkRenderer* ren = renderer();
  ren->SetWorldPoint(p[0], p[1], p[2], 1.0);
  ren->WorldToDisplay();
  double d[3];
  ren->GetDisplayPoint(d);
  const double dpr = pixelRatio();
  const int hDev = renderWindow()->GetSize()[1];
  return QPointF(d[0] / dpr, (hDev - 1 - d[1]) / dpr);
}

int EmbeddingView::spotAt(QPoint pos) const {
  const int* size = renderWindow()->GetSize();
  if (size[0] <= 0 || size[1] <= 0 || cloud_.spotCount() == 0) return -1;
  const double dpr = pixelRatio();
  // Tolerance: a few pixels, as a fraction of the window diagonal (the picker's unit).
  const double diag = std::hypot(double(size[0]), double(size[1]));
  scene_->picker->SetTolerance(6.0 * dpr / diag);
  if (!scene_->picker->Pick(pos.x() * dpr, size[1] - 1 - pos.y() * dpr, 0, renderer())) return -1;
  const vtkIdType id = scene_->picker->GetPointId();
  const vtkActor* actor = scene_->picker->GetActor();
  const PointSet& ps = actor == scene_->gene.actor.Get() ? scene_->gene : scene_->image;
  if (id < 0 || std::size_t(id) >= ps.spotOfPoint.size()) return -1;
  return ps.spotOfPoint[std::size_t(id)];
}

void EmbeddingView::mousePressEvent(QMouseEvent* e) {
  pressed_ = e->button() == Qt::LeftButton;
  pressPos_ = e->position().toPoint();
  VtkGlWidget::mousePressEvent(e);
}

void EmbeddingView::mouseReleaseEvent(QMouseEvent* e) {
  VtkGlWidget::mouseReleaseEvent(e);
  // A click (no drag) picks; a drag has rotated the camera.
  const bool click = pressed_ && e->button() == Qt::LeftButton &&
                     (e->position().toPoint() - pressPos_).manhattanLength() <= 3;
  pressed_ = false;
  if (!click) return;
  const int spot = spotAt(e->position().toPoint());
  if (spot >= 0) Q_EMIT spotPicked(spot);
}

}  // namespace stamp::widgets
