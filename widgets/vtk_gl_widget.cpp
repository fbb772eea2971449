#include "widgets/vtk_gl_widget.h"

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>

#include <QMouseEvent>
#include <QPainter>
#include <algorithm>
#include <QWheelEvent>

namespace stamp::widgets {

struct VtkGlWidget::Vtk {
  vtkSmartPointer<vtkRenderWindow> window = vtkSmartPointer<vtkRenderWindow>::New();
  vtkSmartPointer<vtkGenericRenderWindowInteractor> interactor =
      vtkSmartPointer<vtkGenericRenderWindowInteractor>::New();
  vtkSmartPointer<vtkRenderer> renderer = vtkSmartPointer<vtkRenderer>::New();
  vtkSmartPointer<vtkCallbackCommand> callback = vtkSmartPointer<vtkCallbackCommand>::New();
  unsigned long endObserver = 0;
};

VtkGlWidget::VtkGlWidget(QWidget* parent) : QOpenGLWidget(parent), vtk_(std::make_unique<Vtk>()) {
  setFocusPolicy(Qt::StrongFocus);
  setUpdateBehavior(QOpenGLWidget::NoPartialUpdate);
  setMouseTracking(true);
  // VTK's own off-screen context: nothing of Qt's GL state can disturb it (see the header).
  vtk_->window->SetOffScreenRendering(1);
  vtk_->window->SetMultiSamples(0);
  vtk_->window->AddRenderer(vtk_->renderer);
  vtk_->interactor->SetRenderWindow(vtk_->window);
  auto style = vtkSmartPointer<vtkInteractorStyleTrackballCamera>::New();
  vtk_->interactor->SetInteractorStyle(style);
  vtk_->callback->SetClientData(this);
  vtk_->callback->SetCallback([](vtkObject*, unsigned long event, void* client, void*) {
    static_cast<VtkGlWidget*>(client)->onVtkEvent(event);
  });
  vtk_->endObserver = vtk_->window->AddObserver(vtkCommand::EndEvent, vtk_->callback);
}

VtkGlWidget::~VtkGlWidget() {
  vtk_->window->RemoveObserver(vtk_->endObserver);
  releaseVtk();
}

vtkRenderWindow* VtkGlWidget::renderWindow() const { return vtk_->window; }
vtkRenderWindowInteractor* VtkGlWidget::interactor() const { return vtk_->interactor; }
vtkRenderer* VtkGlWidget::renderer() const { return vtk_->renderer; }

void VtkGlWidget::onVtkEvent(unsigned long event) {
  // Every VTK render (ours, or the interactor's on a camera move) ends here: show its frame.
  if (event != vtkCommand::EndEvent) return;
  readBackFrame();
  update();
}

void VtkGlWidget::initializeGL() {
  // VTK's context is its own: without OpenGL 3.2 there (e.g. an old software renderer) every
  // Render() would fail; say so once and show the reason instead of an empty view.
  if (!vtk_->window->SupportsOpenGL()) {
    glError_ = tr("VTK cannot create an OpenGL 3.2 context; the 3D view is unavailable");
    qWarning("VtkGlWidget: %s", qPrintable(glError_));
    return;
  }
  const double dpr = devicePixelRatioF();
  vtk_->window->SetSize(std::max(1, int(width() * dpr)), std::max(1, int(height() * dpr)));
  vtk_->interactor->UpdateSize(std::max(1, int(width() * dpr)), std::max(1, int(height() * dpr)));
  vtk_->interactor->Initialize();
  ready_ = true;
  renderPending_ = true;
}

void VtkGlWidget::releaseVtk() {
  if (!ready_) return;
  ready_ = false;
  vtk_->window->Finalize();  // VTK's own context: releases its GL resources
}

void VtkGlWidget::resizeGL(int w, int h) {
  const double dpr = devicePixelRatioF();
  const int dw = std::max(1, int(w * dpr)), dh = std::max(1, int(h * dpr));
  if (ready_) vtk_->interactor->UpdateSize(dw, dh);
  vtk_->window->SetSize(dw, dh);
  renderPending_ = true;
}

void VtkGlWidget::requestRender() {
  renderPending_ = true;
  update();
}

void VtkGlWidget::paintGL() {
  if (ready_ && renderPending_) {
    renderPending_ = false;
    vtk_->window->Render();  // makes VTK's context current; EndEvent reads the frame back
    makeCurrent();           // paint with ours again
  }
  QPainter painter(this);
  if (frame_.isNull()) {
    painter.fillRect(rect(), QColor(28, 30, 34));
    if (!glError_.isEmpty()) {
      painter.setPen(QColor(220, 220, 220));
      painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap, glError_);
    }
    return;
  }
  painter.drawImage(rect(), frame_);
}

void VtkGlWidget::readBackFrame() {
  const int* size = vtk_->window->GetSize();
  if (size[0] <= 0 || size[1] <= 0) return;
  auto pixels = vtkSmartPointer<vtkUnsignedCharArray>::New();
  // Off screen VTK renders to its back buffer; read it before anything else draws there.
  if (vtk_->window->GetRGBACharPixelData(0, 0, size[0] - 1, size[1] - 1, 0, pixels) == 0) return;
  QImage img(pixels->GetPointer(0), size[0], size[1], size[0] * 4, QImage::Format_RGBA8888);
  frame_ = img.mirrored().convertToFormat(QImage::Format_RGB32);  // GL rows run bottom-up
  frame_.setDevicePixelRatio(devicePixelRatioF());
}

void VtkGlWidget::forwardMouse(QMouseEvent* e, unsigned long vtkEvent, int repeat) {
  if (!ready_) return;
  const double dpr = devicePixelRatioF();
  const QPointF p = e->position() * dpr;
  const auto mods = e->modifiers();
  vtk_->interactor->SetEventInformationFlipY(int(p.x()), int(p.y()), mods.testFlag(Qt::ControlModifier),
                                              mods.testFlag(Qt::ShiftModifier), 0, repeat);
  vtk_->interactor->SetAltKey(mods.testFlag(Qt::AltModifier));
  vtk_->interactor->InvokeEvent(vtkEvent, e);
}

namespace {
unsigned long pressEventOf(Qt::MouseButton b) {
  if (b == Qt::RightButton) return vtkCommand::RightButtonPressEvent;
  if (b == Qt::MiddleButton) return vtkCommand::MiddleButtonPressEvent;
  return vtkCommand::LeftButtonPressEvent;
}
unsigned long releaseEventOf(Qt::MouseButton b) {
  if (b == Qt::RightButton) return vtkCommand::RightButtonReleaseEvent;
  if (b == Qt::MiddleButton) return vtkCommand::MiddleButtonReleaseEvent;
  return vtkCommand::LeftButtonReleaseEvent;
}
}  // namespace

void VtkGlWidget::mousePressEvent(QMouseEvent* e) { forwardMouse(e, pressEventOf(e->button())); }
void VtkGlWidget::mouseReleaseEvent(QMouseEvent* e) { forwardMouse(e, releaseEventOf(e->button())); }
void VtkGlWidget::mouseMoveEvent(QMouseEvent* e) { forwardMouse(e, vtkCommand::MouseMoveEvent); }
void VtkGlWidget::mouseDoubleClickEvent(QMouseEvent* e) { forwardMouse(e, pressEventOf(e->button()), 1); }

void VtkGlWidget::wheelEvent(QWheelEvent* e) {
  if (!ready_) return;
  const QPointF p = e->position() * devicePixelRatioF();
  vtk_->interactor->SetEventInformationFlipY(int(p.x()), int(p.y()),
                                              e->modifiers().testFlag(Qt::ControlModifier),
                                              e->modifiers().testFlag(Qt::ShiftModifier));
  const int dy = e->angleDelta().y();
  if (dy > 0) vtk_->interactor->InvokeEvent(vtkCommand::MouseWheelForwardEvent, e);
  else if (dy < 0) vtk_->interactor->InvokeEvent(vtkCommand::MouseWheelBackwardEvent, e);
  e->accept();
}

void VtkGlWidget::enterEvent(QEnterEvent* e) {
  if (ready_) vtk_->interactor->InvokeEvent(vtkCommand::EnterEvent, e);
  QOpenGLWidget::enterEvent(e);
}

void VtkGlWidget::leaveEvent(QEvent* e) {
  if (ready_) vtk_->interactor->InvokeEvent(vtkCommand::LeaveEvent, e);
  QOpenGLWidget::leaveEvent(e);
}

}  // namespace stamp::widgets
