#include "widgets/frame_cache.h"

#include "widgets/view_transform.h"

#include <QOpenGLContext>
#include <algorithm>
#include <cmath>

namespace stamp::widgets {

namespace {
// A shift this close to whole pixels reuses the image; the rounding error never accumulates
// because origin_ keeps where the image's content really is.
constexpr double kWholePixel = 1e-3;
}  // namespace

bool FrameCache::ensureBuffers(const QSize& px) {
  if (fbo_[0] && size_ == px) return true;
  release();
  glGenFramebuffers(2, fbo_);
  glGenTextures(2, tex_);
  bool ok = true;
  for (int i = 0; i < 2; ++i) {
    glBindTexture(GL_TEXTURE_2D, tex_[i]);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, px.width(), px.height(), 0, GL_RGBA,
                 GL_UNSIGNED_BYTE, nullptr);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_[i]);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex_[i], 0);
    ok = ok && glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
  }
  glBindTexture(GL_TEXTURE_2D, 0);
  size_ = px;
  if (!ok) release();
  return ok;
}

void FrameCache::release() {
  if (initialized_ && fbo_[0]) {
    glDeleteFramebuffers(2, fbo_);
    glDeleteTextures(2, tex_);
  }
  fbo_[0] = fbo_[1] = tex_[0] = tex_[1] = 0;
  size_ = {};
  valid_ = false;
}

void FrameCache::blit(GLuint from, GLuint to, const QRect& src, const QRect& dst) {
  glBindFramebuffer(GL_READ_FRAMEBUFFER, from);
  glBindFramebuffer(GL_DRAW_FRAMEBUFFER, to);
  glBlitFramebuffer(src.left(), src.top(), src.left() + src.width(), src.top() + src.height(),
                    dst.left(), dst.top(), dst.left() + dst.width(), dst.top() + dst.height(),
                    GL_COLOR_BUFFER_BIT, GL_NEAREST);
}

// Renders the strips a pan by `shift` device pixels (y down) uncovered, into the front buffer.
void FrameCache::drawStrips(const QPoint& shift, const Render& render) {
  const int w = size_.width(), h = size_.height();
  QRect strips[2];
  if (shift.x() > 0) strips[0] = QRect(w - shift.x(), 0, shift.x(), h);
  if (shift.x() < 0) strips[0] = QRect(0, 0, -shift.x(), h);
  if (shift.y() > 0) strips[1] = QRect(0, h - shift.y(), w, shift.y());
  if (shift.y() < 0) strips[1] = QRect(0, 0, w, -shift.y());
  glEnable(GL_SCISSOR_TEST);
  for (const QRect& r : strips) {
    if (r.isEmpty()) continue;
    glScissor(r.x(), h - r.y() - r.height(), r.width(), r.height());  // GL rows run bottom-up
    render(r, false);
  }
  glDisable(GL_SCISSOR_TEST);
}

void FrameCache::present(const Key& key, const QPointF& origin, GLuint targetFbo,
                         const Render& render, PresentOptions options) {
  if (!initialized_) {
    initializeOpenGLFunctions();
    initialized_ = true;
  }
  glDisable(GL_SCISSOR_TEST);  // it would clip the copies
  const bool zooming = key.pxPerFrame != lastPxPerFrame_;
  const bool stillZooming = zooming && lastZooming_;  // the first zoom frame is drawn fully
  lastPxPerFrame_ = key.pxPerFrame;
  lastZooming_ = zooming;
  lastDraft_ = false;
  const auto shift = wholePixels((origin - origin_) * key.pxPerFrame, kWholePixel);
  const QPoint whole = shift.value_or(QPoint());
  const bool aligned = shift && std::abs(whole.x()) < key.px.width() && std::abs(whole.y()) < key.px.height();
  const bool hit = valid_ && key == key_ && aligned;
  if (!hit && (zooming || !ensureBuffers(key.px))) {
    // Mid-zoom no frame would reuse the image: drawing it into the cache first only costs.
    valid_ = false;
    lastPath_ = Path::Direct;
    lastDraft_ = options.drafts && stillZooming;
    glBindFramebuffer(GL_FRAMEBUFFER, targetFbo);
    render(QRect(QPoint(0, 0), key.px), lastDraft_);
    return;
  }
  glViewport(0, 0, key.px.width(), key.px.height());
  if (!hit) {
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_[front_]);
    render(QRect(QPoint(0, 0), key.px), false);
    key_ = key;
    origin_ = origin;
    valid_ = true;
    lastPath_ = Path::Redrawn;
    ++serial_;
  } else if (whole.isNull()) {
    lastPath_ = Path::Reused;
  } else {
    // Content moves by -shift on screen; GL rows run bottom-up, so y flips sign.
    const int w = size_.width(), h = size_.height(), dx = whole.x(), dy = -whole.y();
    const QRect dst = QRect(0, 0, w, h) & QRect(-dx, -dy, w, h);
    blit(fbo_[front_], fbo_[1 - front_], dst.translated(dx, dy), dst);
    front_ = 1 - front_;
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_[front_]);
    drawStrips(whole, render);
    origin_ += QPointF(whole) / key.pxPerFrame;
    lastPath_ = Path::Shifted;
    ++serial_;
  }
  const QRect all(QPoint(0, 0), size_);
  if (!options.leaveInCache) blit(fbo_[front_], targetFbo, all, all);
  glBindFramebuffer(GL_FRAMEBUFFER, targetFbo);
}

// A read of RGBA8 into RGBA bytes is a plain copy on llvmpipe (~0.5 ms at 1920x1080).
void FrameCache::readBack(std::vector<std::uint8_t>& rgba) {
  GLint read = 0;
  glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &read);
  rgba.resize(std::size_t(size_.width()) * std::size_t(size_.height()) * 4);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, fbo_[front_]);
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  glReadPixels(0, 0, size_.width(), size_.height(), GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
  glBindFramebuffer(GL_READ_FRAMEBUFFER, GLuint(read));
}

}  // namespace stamp::widgets
