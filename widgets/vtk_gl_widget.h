#pragma once
/// VtkGlWidget: hosts VTK rendering in a Qt 6 QOpenGLWidget. Debian's VTK Qt module is built for
/// Qt 5, so this is our own thin adapter. VTK renders off screen in an OpenGL context of its own
/// (a vtkRenderWindow with OffScreenRendering); after each VTK frame the pixels are read back and
/// the widget paints them. Sharing Qt's context through vtkGenericOpenGLRenderWindow (the way
/// VTK's QVTKOpenGLNativeWidget works) cleared to the background but drew no geometry with
/// VTK 9.1 on Mesa, and a frame read back costs well under a millisecond at dock sizes. Qt
/// mouse/wheel events go to a vtkGenericRenderWindowInteractor with a trackball camera style.
/// VTK types stay out of this header.
#include <QImage>
#include <QOpenGLWidget>
#include <QString>
#include <memory>

class vtkRenderWindow;
class vtkRenderWindowInteractor;
class vtkRenderer;

namespace stamp::widgets {

class VtkGlWidget : public QOpenGLWidget {
  Q_OBJECT
 public:
  explicit VtkGlWidget(QWidget* parent = nullptr);
  ~VtkGlWidget() override;

  vtkRenderWindow* renderWindow() const;
  vtkRenderWindowInteractor* interactor() const;
  /// The scene's renderer (layer 0).
  vtkRenderer* renderer() const;
  /// Renders a new VTK frame now when the GL context exists (data changed), else at the first
  /// paint. Never called from paintGL.
  void requestRender();
  /// True once VTK has a working OpenGL context; glError() says why not otherwise.
  bool vtkReady() const { return ready_; }
  QString glError() const { return glError_; }
  /// VTK's last frame as read back (what paintGL shows). For diagnostics and tests.
  QImage vtkFrame() const { return frame_; }
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
  void onVtkEvent(unsigned long event);
  void forwardMouse(QMouseEvent* e, unsigned long vtkEvent, int repeat = 0);
  void readBackFrame();
  void releaseVtk();

  std::unique_ptr<Vtk> vtk_;
  bool ready_ = false;
  bool renderPending_ = true;  // render in the next paint (first frame, resize)
  QImage frame_;  // VTK's last frame, top row first
  QString glError_;
};

}  // namespace stamp::widgets
