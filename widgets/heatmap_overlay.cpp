#include "widgets/heatmap_overlay.h"

#include "widgets/gl_renderer.h"

namespace stamp::widgets {

void HeatmapOverlay::set(QImage image, const QRectF& frameRect) {
  image_ = image.convertToFormat(QImage::Format_RGBA8888);
  rect_ = frameRect;
  dirty_ = true;
  ++version_;
}

void HeatmapOverlay::clear() {
  ++version_;
  image_ = QImage();
  rect_ = QRectF();
  dirty_ = true;
}

void HeatmapOverlay::draw(GlRenderer& gl, QOpenGLExtraFunctions& f, const QMatrix4x4& proj) {
  if (dirty_) {
    if (tex_) f.glDeleteTextures(1, &tex_);
    tex_ = 0;
    dirty_ = false;
    if (!image_.isNull()) {
      f.glGenTextures(1, &tex_);
      f.glBindTexture(GL_TEXTURE_2D, tex_);
      f.glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
      f.glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, image_.width(), image_.height(), 0, GL_RGBA,
                     GL_UNSIGNED_BYTE, image_.constBits());
      f.glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
      f.glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
      f.glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
      f.glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
      f.glBindTexture(GL_TEXTURE_2D, 0);
    }
  }
  if (tex_) gl.drawOverlayTexture(tex_, rect_, proj, opacity_);
}

void HeatmapOverlay::releaseGl(QOpenGLExtraFunctions& f) {
  if (tex_) f.glDeleteTextures(1, &tex_);
  tex_ = 0;
  dirty_ = !image_.isNull();  // upload again into the next context
}

}  // namespace stamp::widgets
