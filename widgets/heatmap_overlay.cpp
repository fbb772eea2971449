#include "widgets/heatmap_overlay.h"

#include "widgets/gl_renderer.h"

namespace stamp::widgets {
namespace {

// Unlike the tiles (whose alpha is meaningless), the heatmap's own alpha hides the locations
// that were never searched.
const char* kFrag = R"(#version 150 core
in vec2 uv;
uniform sampler2D tex;
uniform float opacity;
out vec4 frag;
void main() {
  vec4 c = texture(tex, uv);
  frag = vec4(c.rgb, c.a * opacity);
})";

}  // namespace

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

bool HeatmapOverlay::prepare(QOpenGLExtraFunctions& f) {
  if (program_) return true;
  if (broken_) return false;
  program_ = std::make_unique<QOpenGLShaderProgram>();
  if (!program_->addShaderFromSourceCode(QOpenGLShader::Vertex, kTexturedQuadVert) ||
      !program_->addShaderFromSourceCode(QOpenGLShader::Fragment, kFrag) || !program_->link()) {
    qWarning("HeatmapOverlay: shader failed: %s", qPrintable(program_->log()));
    program_.reset();
    broken_ = true;  // do not retry every frame
    return false;
  }
  const float quad[] = {0, 0, 1, 0, 0, 1, 1, 1};
  f.glGenBuffers(1, &vbo_);
  f.glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  f.glBufferData(GL_ARRAY_BUFFER, sizeof quad, quad, GL_STATIC_DRAW);
  f.glGenVertexArrays(1, &vao_);
  f.glBindVertexArray(vao_);
  const GLuint loc = GLuint(program_->attributeLocation("corner"));
  f.glEnableVertexAttribArray(loc);
  f.glVertexAttribPointer(loc, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
  f.glBindVertexArray(0);
  f.glBindBuffer(GL_ARRAY_BUFFER, 0);
  return true;
}

void HeatmapOverlay::draw(QOpenGLExtraFunctions& f, const QMatrix4x4& proj) {
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
  if (!tex_ || !prepare(f)) return;
  program_->bind();
  program_->setUniformValue("proj", proj);
  program_->setUniformValue("rect", QVector4D(float(rect_.x()), float(rect_.y()),
                                              float(rect_.width()), float(rect_.height())));
  program_->setUniformValue("opacity", opacity_);
  program_->setUniformValue("tex", 0);
  f.glActiveTexture(GL_TEXTURE0);
  f.glBindTexture(GL_TEXTURE_2D, tex_);
  f.glBindVertexArray(vao_);
  f.glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  f.glBindVertexArray(0);
  f.glBindTexture(GL_TEXTURE_2D, 0);
  program_->release();
}

void HeatmapOverlay::releaseGl(QOpenGLExtraFunctions& f) {
  if (tex_) f.glDeleteTextures(1, &tex_);
  if (vbo_) f.glDeleteBuffers(1, &vbo_);
  if (vao_) f.glDeleteVertexArrays(1, &vao_);
  tex_ = vbo_ = vao_ = 0;
  program_.reset();
  dirty_ = !image_.isNull();  // upload again into the next context
}

}  // namespace stamp::widgets
