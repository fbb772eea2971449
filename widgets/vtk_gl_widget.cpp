#include "widgets/vtk_gl_widget.h"

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLState.h>
#include <vtkCullerCollection.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>

#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QWheelEvent>
#include <vector>

namespace stamp::widgets {

struct VtkGlWidget::Vtk {
  vtkSmartPointer<vtkGenericOpenGLRenderWindow> window = vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New();
  vtkSmartPointer<vtkGenericRenderWindowInteractor> interactor =
      vtkSmartPointer<vtkGenericRenderWindowInteractor>::New();
  vtkSmartPointer<vtkRenderer> renderer = vtkSmartPointer<vtkRenderer>::New();
  vtkSmartPointer<vtkCallbackCommand> callback = vtkSmartPointer<vtkCallbackCommand>::New();
  std::vector<unsigned long> observers;
};

VtkGlWidget::VtkGlWidget(QWidget* parent) : QOpenGLWidget(parent), vtk_(std::make_unique<Vtk>()) {
  setFocusPolicy(Qt::StrongFocus);
  setUpdateBehavior(QOpenGLWidget::NoPartialUpdate);
  setMouseTracking(true);
  vtk_->window->SetReadyForRendering(false);  // until initializeGL gives it a context
  vtk_->window->AddRenderer(vtk_->renderer);
  // No multisampled render framebuffer: the blit into the widget's framebuffer must not resolve.
  vtk_->window->SetMultiSamples(0);
  // A stencil in VTK's render framebuffer gives it the display framebuffer's depth format:
  // without it Mesa rejects VTK's depth+colour blit between them (format mismatch) every frame.
  vtk_->window->SetStencilCapable(1);
  vtk_->interactor->SetRenderWindow(vtk_->window);
  auto style = vtkSmartPointer<vtkInteractorStyleTrackballCamera>::New();
  vtk_->interactor->SetInteractorStyle(style);
  vtk_->callback->SetClientData(this);
  vtk_->callback->SetCallback([](vtkObject*, unsigned long event, void* client, void* data) {
    static_cast<VtkGlWidget*>(client)->onVtkEvent(event, data);
  });
  for (unsigned long ev : {vtkCommand::WindowMakeCurrentEvent, vtkCommand::WindowIsCurrentEvent,
                           vtkCommand::WindowFrameEvent})
    vtk_->observers.push_back(vtk_->window->AddObserver(ev, vtk_->callback));
}

VtkGlWidget::~VtkGlWidget() {
  // The context may outlive us (it belongs to the widget's window): stop listening first, then
  // free VTK's GL resources while our context is current.
  QObject::disconnect(contextConnection_);
  releaseVtk();
  for (unsigned long id : vtk_->observers) vtk_->window->RemoveObserver(id);
}

vtkGenericOpenGLRenderWindow* VtkGlWidget::renderWindow() const { return vtk_->window; }
vtkRenderWindowInteractor* VtkGlWidget::interactor() const { return vtk_->interactor; }
vtkRenderer* VtkGlWidget::renderer() const { return vtk_->renderer; }

void VtkGlWidget::onVtkEvent(unsigned long event, void* callData) {
  switch (event) {
    case vtkCommand::WindowMakeCurrentEvent:
      if (context()) makeCurrent();
      break;
    case vtkCommand::WindowIsCurrentEvent:
      *static_cast<bool*>(callData) = context() && QOpenGLContext::currentContext() == context();
      break;
    case vtkCommand::WindowFrameEvent:
      // A frame is ready in VTK's display framebuffer: show it (paintGL blits it).
      if (!inPaint_) update();
      break;
    default:
      break;
  }
}

void VtkGlWidget::initializeGL() {
  QSurfaceFormat f = context()->format();
  if (f.majorVersion() * 10 + f.minorVersion() < 32) {
    glError_ = tr("VTK needs OpenGL 3.2; this context is %1.%2").arg(f.majorVersion()).arg(f.minorVersion());
    return;
  }
  vtkGenericOpenGLRenderWindow* w = vtk_->window;
  w->SetOwnContext(0);
  w->SetForceMaximumHardwareLineWidth(1);
  w->SetReadyForRendering(true);
  w->OpenGLInitContext();  // loads VTK's GL entry points for this (current) context
  w->OpenGLInitState();    // VTK's expected defaults (depth func, blending) in Qt's context
  const double dpr = devicePixelRatioF();
  vtk_->interactor->UpdateSize(int(width() * dpr), int(height() * dpr));
  vtk_->interactor->Initialize();
  ready_ = true;
  renderPending_ = true;
  contextConnection_ = connect(context(), &QOpenGLContext::aboutToBeDestroyed, this,
                               [this] { releaseVtk(); }, Qt::DirectConnection);
}

void VtkGlWidget::releaseVtk() {
  if (!ready_) return;
  ready_ = false;
  if (context()) makeCurrent();
  vtk_->window->Finalize();  // releases every GL resource of the renderers and mappers
  vtk_->window->SetReadyForRendering(false);
  if (context()) doneCurrent();
}

void VtkGlWidget::resizeGL(int w, int h) {
  const double dpr = devicePixelRatioF();
  if (ready_) vtk_->interactor->UpdateSize(int(w * dpr), int(h * dpr));
  else vtk_->window->SetSize(int(w * dpr), int(h * dpr));
  renderPending_ = true;
}

void VtkGlWidget::requestRender() {
  // As VTK's own Qt adapter does: the frame is rendered in the next paintGL (with the widget's
  // framebuffer bound), then blitted; camera moves render at once through the interactor.
  renderPending_ = true;
  update();
}

void VtkGlWidget::paintGL() {
  auto* f = context()->extraFunctions();
  if (!ready_) {
    f->glClearColor(0.12f, 0.12f, 0.13f, 1.f);
    f->glClear(GL_COLOR_BUFFER_BIT);
    return;
  }
  if (renderPending_) {
    inPaint_ = true;
    // VTK caches GL state (depth mask, clear values, bindings); Qt changes it behind VTK's
    // back, and a stale cache makes VTK skip calls it needs (a depth clear under a false depth
    // mask fails every point's depth test). Re-read the real state, as VTK's Qt adapter does.
    vtkOpenGLState* state = vtk_->window->GetState();
    state->Reset();
    state->Push();
    vtk_->window->Render();
    state->Pop();
    inPaint_ = false;
    renderPending_ = false;
  }
  makeCurrent();  // rendering may have run other widgets' GL code (progress events)
  blitToWidget();
}

void VtkGlWidget::blitToWidget() {
  auto* f = context()->extraFunctions();
  vtkGenericOpenGLRenderWindow* w = vtk_->window;
  f->glBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
  const GLenum buffer = GL_COLOR_ATTACHMENT0;
  f->glDrawBuffers(1, &buffer);
  const bool scissor = f->glIsEnabled(GL_SCISSOR_TEST);
  if (scissor) {
    w->GetState()->vtkglDisable(GL_SCISSOR_TEST);
    f->glDisable(GL_SCISSOR_TEST);  // the scissor box would clip the blit
  }
  const int* size = w->GetRenderFramebuffer()->GetLastSize();
  const QSize target = this->size() * devicePixelRatioF();
  w->BlitDisplayFramebuffer(0, 0, 0, size[0], size[1], 0, 0, target.width(), target.height(),
                            GL_COLOR_BUFFER_BIT, GL_LINEAR);
  // Opaque alpha: Mesa keeps VTK's alpha, and the compositor would blend the view with what is
  // behind the window.
  f->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
  f->glClearColor(0, 0, 0, 1);
  f->glClear(GL_COLOR_BUFFER_BIT);
  f->glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
  if (scissor) {
    w->GetState()->vtkglEnable(GL_SCISSOR_TEST);
    f->glEnable(GL_SCISSOR_TEST);
  }
}

QImage VtkGlWidget::vtkFrame(bool display) {
  if (!ready_) return {};
  makeCurrent();
  const int* size = vtk_->window->GetSize();
  auto pixels = vtkSmartPointer<vtkUnsignedCharArray>::New();
  if (size[0] <= 0 || size[1] <= 0 ||
      vtk_->window->GetRGBACharPixelData(0, 0, size[0] - 1, size[1] - 1, display ? 1 : 0, pixels) == 0)
    return {};
  QImage img(pixels->GetPointer(0), size[0], size[1], size[0] * 4, QImage::Format_RGBA8888);
  return img.mirrored();  // OpenGL rows run bottom-up
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
