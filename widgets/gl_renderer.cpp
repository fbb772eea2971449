#include "widgets/gl_renderer.h"

#include <algorithm>
#include <cmath>

namespace stamp::widgets {
namespace {

const char* const kTexturedQuadVert = R"(#version 150 core
in vec2 corner;
uniform mat4 proj;
uniform vec4 rect;  // x, y, w, h in frame coordinates
out vec2 uv;
void main() {
  uv = corner;
  gl_Position = proj * vec4(rect.xy + corner * rect.zw, 0.0, 1.0);
})";

const char* kTileFrag = R"(#version 150 core
in vec2 uv;
uniform sampler2D tex;
out vec4 frag;
void main() { frag = texture(tex, uv); })";

// Unlike the tiles (whose alpha is meaningless), an overlay's own alpha hides what it does not
// cover (a heatmap's locations that were never searched).
const char* kOverlayFrag = R"(#version 150 core
in vec2 uv;
uniform sampler2D tex;
uniform float opacity;
out vec4 frag;
void main() {
  vec4 c = texture(tex, uv);
  frag = vec4(c.rgb, c.a * opacity);
})";

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

// The disc's colour at `local` (-1..1 across the disc), shared by the quad and point paths.
const char* kSpotShade = R"(#version 150 core
uniform float radiusPx;
uniform float opacity;
uniform int outline;
out vec4 frag;
void shade(vec2 local, vec4 vColor, float vSelected) {
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
}
)";

const char* kSpotQuadMain = R"(
in vec2 local;
in vec4 vColor;
in float vSelected;
void main() { shade(local, vColor, vSelected); })";

// Small discs as points: one vertex and one primitive per spot instead of four and two, which
// is what a software rasteriser spends most of a 100,000-spot frame on (60 -> 19 ms on
// llvmpipe, bench_render). Flat, and the selection folded into the colour's alpha (+2): fewer
// interpolants to set up per point.
const char* kSpotPointVert = R"(#version 150 core
in vec2 centre;
in vec4 color;
in float selected;
uniform mat4 proj;
uniform float sizePx;
flat out vec4 vColor;  // alpha + 2 when selected: one varying fewer to set up per point
void main() {
  vColor = vec4(color.rgb, color.a + 2.0 * step(0.5, selected));
  gl_PointSize = sizePx;
  gl_Position = proj * vec4(centre, 0.0, 1.0);
})";

const char* kSpotPointMain = R"(
flat in vec4 vColor;
void main() {
  float sel = step(1.5, vColor.a);
  shade(gl_PointCoord * 2.0 - 1.0, vec4(vColor.rgb, vColor.a - 2.0 * sel), sel);
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
  glGenVertexArrays(1, &spotPointVao_);
  glBindVertexArray(tileVao_);
  const GLuint loc = GLuint(tileProgram_->attributeLocation("corner"));
  glEnableVertexAttribArray(loc);
  glVertexAttribPointer(loc, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
  glBindVertexArray(0);
  const QByteArray renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  software_ = renderer.contains("llvmpipe") || renderer.contains("softpipe") ||
              renderer.contains("SwiftShader") || renderer.contains("Software");
  const QByteArray force = qgetenv("STAMP_SPOT_SPLAT");
  painting_ = force == "1"   ? SpotPainting::Always
              : force == "0" ? SpotPainting::Never
              : software_    ? SpotPainting::Auto
                             : SpotPainting::Never;
  ready_ = true;
  return true;
}

QSize GlRenderer::viewportSize() {
  GLint vp[4] = {0, 0, 0, 0};
  glGetIntegerv(GL_VIEWPORT, vp);
  return QSize(vp[2], vp[3]);
}

void GlRenderer::drawViewportImage(GLuint& tex, QSize& texSize, const std::uint8_t* rgba,
                                   const QSize& size, bool opaque) {
  glActiveTexture(GL_TEXTURE0);
  if (!tex) glGenTextures(1, &tex);
  glBindTexture(GL_TEXTURE_2D, tex);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  if (texSize != size) {
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, size.width(), size.height(), 0, GL_RGBA,
                 GL_UNSIGNED_BYTE, rgba);
    // 1:1 over the viewport: nearest is exact, and half the cost of bilinear in software.
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    texSize = size;
  } else if (rgba) {
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, size.width(), size.height(), GL_RGBA,
                    GL_UNSIGNED_BYTE, rgba);
  }
  bindQuad(*tileProgram_, tex, QRectF(-1, 1, 2, -2), QMatrix4x4());  // uv (0, 0) at the top left
  GLint src = 0, dst = 0, srcA = 0, dstA = 0;
  glGetIntegerv(GL_BLEND_SRC_RGB, &src);
  glGetIntegerv(GL_BLEND_DST_RGB, &dst);
  glGetIntegerv(GL_BLEND_SRC_ALPHA, &srcA);
  glGetIntegerv(GL_BLEND_DST_ALPHA, &dstA);
  glBlendFuncSeparate(GL_ONE, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
  if (opaque) glDisable(GL_BLEND);  // no read of the framebuffer: a plain copy
  drawBoundQuad();
  if (opaque) glEnable(GL_BLEND);
  glBlendFuncSeparate(GLenum(src), GLenum(dst), GLenum(srcA), GLenum(dstA));
}

bool GlRenderer::buildPrograms(QString* error) {
  auto build = [&](const char* vs, const QByteArray& fs) -> std::unique_ptr<QOpenGLShaderProgram> {
    auto p = std::make_unique<QOpenGLShaderProgram>();
    p->bindAttributeLocation("corner", 0);  // one quad VAO serves every textured program
    if (!p->addShaderFromSourceCode(QOpenGLShader::Vertex, vs) ||
        !p->addShaderFromSourceCode(QOpenGLShader::Fragment, fs) || !p->link()) {
      if (error) *error = p->log();
      return nullptr;
    }
    return p;
  };
  tileProgram_ = build(kTexturedQuadVert, kTileFrag);
  overlayProgram_ = tileProgram_ ? build(kTexturedQuadVert, kOverlayFrag) : nullptr;
  const QByteArray shade(kSpotShade);
  spotProgram_ = overlayProgram_ ? build(kSpotVert, shade + kSpotQuadMain) : nullptr;
  spotPointProgram_ = spotProgram_ ? build(kSpotPointVert, shade + kSpotPointMain) : nullptr;
  GLfloat range[2] = {1, 1};
  glGetFloatv(GL_ALIASED_POINT_SIZE_RANGE, range);
  maxPointSize_ = range[1];
  return tileProgram_ && spotProgram_ && spotPointProgram_;
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

// The textured quad's program, placed over `r` in frame coordinates, with `tex` on unit 0; the
// caller sets what else the program needs, then draws with drawBoundQuad().
void GlRenderer::bindQuad(QOpenGLShaderProgram& prog, GLuint tex, const QRectF& r, const QMatrix4x4& proj) {
  prog.bind();
  prog.setUniformValue("proj", proj);
  prog.setUniformValue("rect", QVector4D(float(r.x()), float(r.y()), float(r.width()), float(r.height())));
  prog.setUniformValue("tex", 0);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, tex);
}

void GlRenderer::drawBoundQuad() {
  glBindVertexArray(tileVao_);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
}

void GlRenderer::drawTexture(GLuint tex, const QRectF& r, const QMatrix4x4& proj,
                             double texelsPerPixel) {
  bindQuad(*tileProgram_, tex, r, proj);
  // Up to 1.5 texels a pixel bilinear does not alias visibly (a pyramid level is chosen so
  // that this is the usual case); beyond, blend the two nearest mip levels. A draft samples
  // the nearest texel of the nearest level instead.
  const bool mip = texelsPerPixel > 1.5;
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER,
                  draftSampling_ ? (mip ? GL_NEAREST_MIPMAP_NEAREST : GL_NEAREST)
                                 : (mip ? GL_LINEAR_MIPMAP_LINEAR : GL_LINEAR));
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, draftSampling_ ? GL_NEAREST : GL_LINEAR);
  drawBoundQuad();
}

void GlRenderer::drawOverlayTexture(GLuint tex, const QRectF& r, const QMatrix4x4& proj, float opacity) {
  bindQuad(*overlayProgram_, tex, r, proj);
  overlayProgram_->setUniformValue("opacity", opacity);
  drawBoundQuad();
  glBindTexture(GL_TEXTURE_2D, 0);
  overlayProgram_->release();
}

void GlRenderer::drawSpots(GLuint centres, GLuint colors, GLuint selected, int count,
                           const QMatrix4x4& proj, const SpotStyle& s) {
  if (count <= 0) return;
  // Discs never shrink below ~1.5 px so that a zoomed-out sample still shows its pattern.
  const float radius = std::max(s.radiusFrame, 1.5f / std::max(s.pxPerFrame, 1e-6f));
  const float radiusPx = radius * s.pxPerFrame;
  // Points up to 64 px across: beyond that a spot is one of few on screen and quads cost little.
  const float sizePx = 2 * radiusPx;
  const bool points = sizePx <= std::min(64.f, maxPointSize_);
  QOpenGLShaderProgram& prog = points ? *spotPointProgram_ : *spotProgram_;
  prog.bind();
  prog.setUniformValue("radiusPx", radiusPx);
  prog.setUniformValue("opacity", s.opacity);
  prog.setUniformValue("outline", s.outline ? 1 : 0);
  glBindVertexArray(points ? spotPointVao_ : spotVao_);
  auto attrib = [&](const char* name, GLuint buf, int size, GLenum type, bool norm, int divisor) {
    const int loc = prog.attributeLocation(name);
    if (loc < 0) return;
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    glEnableVertexAttribArray(GLuint(loc));
    glVertexAttribPointer(GLuint(loc), size, type, norm ? GL_TRUE : GL_FALSE, 0, nullptr);
    glVertexAttribDivisor(GLuint(loc), GLuint(divisor));
  };
  const int per = points ? 0 : 1;  // per-vertex for points, per-instance for quads
  attrib("centre", centres, 2, GL_FLOAT, false, per);
  attrib("color", colors, 4, GL_UNSIGNED_BYTE, true, per);
  attrib("selected", selected, 1, GL_UNSIGNED_BYTE, false, per);
  if (points) {
    drawSpotPoints(prog, proj, sizePx, count);
  } else {
    attrib("corner", quadVbo_, 2, GL_FLOAT, false, 0);
    prog.setUniformValue("proj", proj);
    prog.setUniformValue("radius", radius);
    glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, count);
  }
  glBindVertexArray(0);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
}

// GL drops a point whose centre is outside the viewport, so a spot half across the window
// edge would vanish. Drawing through a viewport grown by the point radius on every side, with
// the projection shrunk to match, keeps those centres inside; the framebuffer still clips.
void GlRenderer::drawSpotPoints(QOpenGLShaderProgram& prog, const QMatrix4x4& proj, float sizePx,
                                int count) {
  GLint vp[4] = {0, 0, 1, 1};
  glGetIntegerv(GL_VIEWPORT, vp);
  const int m = int(std::ceil(sizePx / 2)) + 1;
  QMatrix4x4 grown;
  grown.scale(float(vp[2]) / float(vp[2] + 2 * m), float(vp[3]) / float(vp[3] + 2 * m), 1);
  prog.setUniformValue("proj", grown * proj);
  prog.setUniformValue("sizePx", sizePx);
  glEnable(GL_PROGRAM_POINT_SIZE);
  glViewport(vp[0] - m, vp[1] - m, vp[2] + 2 * m, vp[3] + 2 * m);
  glDrawArrays(GL_POINTS, 0, count);
  glViewport(vp[0], vp[1], vp[2], vp[3]);
  glDisable(GL_PROGRAM_POINT_SIZE);
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
