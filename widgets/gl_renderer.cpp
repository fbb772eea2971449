#include "widgets/gl_renderer.h"

namespace stamp::widgets {
const char* const kTexturedQuadVert = R"(#version 150 core
in vec2 corner;
uniform mat4 proj;
uniform vec4 rect;  // x, y, w, h in frame coordinates
out vec2 uv;
void main() {
  uv = corner;
  gl_Position = proj * vec4(rect.xy + corner * rect.zw, 0.0, 1.0);
})";

namespace {

const char* kTileFrag = R"(#version 150 core
in vec2 uv;
uniform sampler2D tex;
uniform float alpha;
out vec4 frag;
void main() { frag = vec4(texture(tex, uv).rgb, alpha); })";

// One quad per spot, cut to a disc in the fragment shader; the outline and the selection ring
// are measured in screen pixels so they stay crisp at every zoom.
const char* kSpotVert = R"(#version 150 core
in vec2 corner;
in vec2 centre;
in vec4 color;
in float selected;
uniform mat4 proj;
uniform float radius;
out vec2 local;
out vec4 vColor;
out float vSelected;
void main() {
  local = corner * 2.0 - 1.0;
  vColor = color;
  vSelected = selected;
  gl_Position = proj * vec4(centre + local * radius, 0.0, 1.0);
})";

const char* kSpotFrag = R"(#version 150 core
in vec2 local;
in vec4 vColor;
in float vSelected;
uniform float radiusPx;
uniform float opacity;
uniform int outline;
out vec4 frag;
void main() {
  float d = length(local);
  if (d > 1.0) discard;
  float inside = (1.0 - d) * radiusPx;  // pixels from the rim
  vec4 c = vec4(vColor.rgb, vColor.a * opacity);
  if (vSelected > 0.5 && inside < max(2.5, 0.22 * radiusPx)) {
    c = vec4(1.0, 0.86, 0.1, 1.0);
  } else if (outline != 0 && radiusPx > 4.5 && inside < 1.2) {
    c = vec4(c.rgb * 0.35, max(c.a, 0.75 * opacity));
  }
  c.a *= clamp(inside + 0.5, 0.0, 1.0);
  frag = c;
})";

}  // namespace

GlRenderer::~GlRenderer() = default;  // GL objects die with the context (the view cleans up)

bool GlRenderer::initialize(QString* error) {
  initializeOpenGLFunctions();
  if (!buildPrograms(error)) return false;
  const float quad[] = {0, 0, 1, 0, 0, 1, 1, 1};
  glGenBuffers(1, &quadVbo_);
  glBindBuffer(GL_ARRAY_BUFFER, quadVbo_);
  glBufferData(GL_ARRAY_BUFFER, sizeof quad, quad, GL_STATIC_DRAW);
  glGenVertexArrays(1, &tileVao_);
  glGenVertexArrays(1, &spotVao_);
  glBindVertexArray(tileVao_);
  const GLuint loc = GLuint(tileProgram_->attributeLocation("corner"));
  glEnableVertexAttribArray(loc);
  glVertexAttribPointer(loc, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
  glBindVertexArray(0);
  ready_ = true;
  return true;
}

bool GlRenderer::buildPrograms(QString* error) {
  auto build = [&](const char* vs, const char* fs) -> std::unique_ptr<QOpenGLShaderProgram> {
    auto p = std::make_unique<QOpenGLShaderProgram>();
    if (!p->addShaderFromSourceCode(QOpenGLShader::Vertex, vs) ||
        !p->addShaderFromSourceCode(QOpenGLShader::Fragment, fs) || !p->link()) {
      if (error) *error = p->log();
      return nullptr;
    }
    return p;
  };
  tileProgram_ = build(kTexturedQuadVert, kTileFrag);
  spotProgram_ = tileProgram_ ? build(kSpotVert, kSpotFrag) : nullptr;
  return tileProgram_ && spotProgram_;
}

GLuint GlRenderer::uploadTexture(const std::uint8_t* rgba, int width, int height) {
  GLuint tex = 0;
  glGenTextures(1, &tex);
  glBindTexture(GL_TEXTURE_2D, tex);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
  // Mipmaps keep a level drawn far below its resolution (single-level slides) free of aliasing.
  glGenerateMipmap(GL_TEXTURE_2D);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glBindTexture(GL_TEXTURE_2D, 0);
  return tex;
}

void GlRenderer::deleteTexture(GLuint tex) {
  if (tex) glDeleteTextures(1, &tex);
}

void GlRenderer::drawTexture(GLuint tex, const QRectF& r, const QMatrix4x4& proj, float alpha) {
  tileProgram_->bind();
  tileProgram_->setUniformValue("proj", proj);
  tileProgram_->setUniformValue("rect", QVector4D(float(r.x()), float(r.y()), float(r.width()),
                                                  float(r.height())));
  tileProgram_->setUniformValue("alpha", alpha);
  tileProgram_->setUniformValue("tex", 0);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, tex);
  glBindVertexArray(tileVao_);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
}

void GlRenderer::drawSpots(GLuint centres, GLuint colors, GLuint selected, int count,
                           const QMatrix4x4& proj, const SpotStyle& s) {
  if (count <= 0) return;
  // Discs never shrink below ~1.5 px so that a zoomed-out sample still shows its pattern.
  const float radius = std::max(s.radiusFrame, 1.5f / std::max(s.pxPerFrame, 1e-6f));
  spotProgram_->bind();
  spotProgram_->setUniformValue("proj", proj);
  spotProgram_->setUniformValue("radius", radius);
  spotProgram_->setUniformValue("radiusPx", radius * s.pxPerFrame);
  spotProgram_->setUniformValue("opacity", s.opacity);
  spotProgram_->setUniformValue("outline", s.outline ? 1 : 0);
  glBindVertexArray(spotVao_);
  auto attrib = [&](const char* name, GLuint buf, int size, GLenum type, bool norm, int divisor) {
    const GLuint loc = GLuint(spotProgram_->attributeLocation(name));
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    glEnableVertexAttribArray(loc);
    glVertexAttribPointer(loc, size, type, norm ? GL_TRUE : GL_FALSE, 0, nullptr);
    glVertexAttribDivisor(loc, GLuint(divisor));
  };
  attrib("corner", quadVbo_, 2, GL_FLOAT, false, 0);
  attrib("centre", centres, 2, GL_FLOAT, false, 1);
  attrib("color", colors, 4, GL_UNSIGNED_BYTE, true, 1);
  attrib("selected", selected, 1, GL_UNSIGNED_BYTE, false, 1);
  glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, count);
  glBindVertexArray(0);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
}

GLuint GlRenderer::uploadBuffer(GLuint existing, const void* data, std::size_t bytes) {
  GLuint buf = existing;
  if (!buf) glGenBuffers(1, &buf);
  glBindBuffer(GL_ARRAY_BUFFER, buf);
  glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(bytes), data, GL_DYNAMIC_DRAW);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  return buf;
}

void GlRenderer::deleteBuffer(GLuint buf) {
  if (buf) glDeleteBuffers(1, &buf);
}

}  // namespace stamp::widgets
