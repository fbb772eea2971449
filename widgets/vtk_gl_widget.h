#pragma once
/// VtkGlWidget: hosts VTK rendering in a Qt 6 QOpenGLWidget. Debian's VTK Qt module is built for
/// Qt 5, so this is our own thin adapter in the manner of VTK's QVTKOpenGLNativeWidget: the
/// widget owns a vtkGenericOpenGLRenderWindow that renders with the widget's context (VTK asks
/// through WindowMakeCurrent / WindowIsCurrent / WindowFrame events), VTK's display framebuffer
/// is blitted into the widget's framebuffer in paintGL, and Qt mouse/wheel events go to a
/// vtkGenericRenderWindowInteractor with a trackball camera style. Needs a 3.2 core context
/// (QSurfaceFormat::setDefaultFormat before QApplication). VTK types stay out of this header.
#include <QImage>
#include <QOpenGLWidget>
#include <QString>
#include <memory>

class vtkGenericOpenGLRenderWindow;
class vtkRenderWindowInteractor;
class vtkRenderer;

namespace stamp::widgets {

class VtkGlWidget : public QOpenGLWidget {
  Q_OBJECT
 public:
  explicit VtkGlWidget(QWidget* parent = nullptr);
  ~VtkGlWidget() override;

  vtkGenericOpenGLRenderWindow* renderWindow() const;
  vtkRenderWindowInteractor* interactor() const;
  /// The scene's renderer (layer 0).
  vtkRenderer* renderer() const;
  /// Renders a new VTK frame now when the GL context exists (data changed), else at the first
  /// paint. Never called from paintGL.
  void requestRender();
  /// True once VTK has a working OpenGL context; glError() says why not otherwise.
  bool vtkReady() const { return ready_; }
  QString glError() const { return glError_; }
  /// VTK's last frame read back from its own framebuffer (`display`: the display framebuffer
  /// that paintGL blits; else the render framebuffer). For diagnostics and tests.
  QImage vtkFrame(bool display);
  /// Device pixels per widget pixel (VTK works in device pixels).
  double pixelRatio() const { return devicePixelRatioF(); }

 protected:
  void initializeGL() override;
  void paintGL() override;
  void resizeGL(int w, int h) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void enterEvent(QEnterEvent* e) override;
  void leaveEvent(QEvent* e) override;

 private:
  struct Vtk;
  void onVtkEvent(unsigned long event, void* callData);
  void forwardMouse(QMouseEvent* e, unsigned long vtkEvent, int repeat = 0);
  void blitToWidget();
  void releaseVtk();

  std::unique_ptr<Vtk> vtk_;
  bool ready_ = false;
  bool renderPending_ = true;  // render in the next paint (first frame, resize)
  bool inPaint_ = false;
  QString glError_;
  QMetaObject::Connection contextConnection_;
};

}  // namespace stamp::widgets
