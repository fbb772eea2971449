#pragma once
/// GlRenderer: the view's OpenGL 3.2 core programs: textured quads for tiles, and discs for
/// spots (points while they are small on screen, instanced quads when large). Lives in the
/// view's GL context; every call needs that context current.
#include <QMatrix4x4>
#include <QOpenGLExtraFunctions>
#include <QOpenGLShaderProgram>
#include <QRectF>
#include <QSize>
#include <memory>

namespace stamp::widgets {

/// How one batch of spots is drawn.
struct SpotStyle {
  float radiusFrame = 1;   // disc radius in frame pixels
  float pxPerFrame = 1;    // current zoom, to keep discs visible and outlines 1 px wide
  float opacity = 1;
  bool outline = true;
};

class GlRenderer : protected QOpenGLExtraFunctions {
 public:
  GlRenderer() = default;
  ~GlRenderer();
  /// Compiles the programs; false (with `error`) when the context cannot run them.
  bool initialize(QString* error);
  bool ready() const { return ready_; }

  /// Uploads RGBA8 pixels as a mip-mapped texture; returns its name (0 on failure).
  GLuint uploadTexture(const std::uint8_t* rgba, int width, int height);
  void deleteTexture(GLuint tex);
  /// Draws `tex` over `frameRect` (frame coordinates), `texelsPerPixel` texels to a screen
  /// pixel: mipmaps are sampled only where that minifies enough to alias (trilinear filtering
  /// costs a software rasteriser twice what bilinear does, over the whole window).
  void drawTexture(GLuint tex, const QRectF& frameRect, const QMatrix4x4& proj,
                   double texelsPerPixel = 1);
  /// Draws `tex` over `frameRect` with its own alpha times `opacity` (blending on): an overlay
  /// transparent where it shows nothing, e.g. a heatmap's unsearched locations.
  void drawOverlayTexture(GLuint tex, const QRectF& frameRect, const QMatrix4x4& proj, float opacity);
  /// Blending on (overlays) or off (opaque tiles: no framebuffer read per pixel).
  void setBlending(bool on) { on ? glEnable(GL_BLEND) : glDisable(GL_BLEND); }
  /// Nearest sampling for drawTexture (a draft frame mid-zoom, which the next frame replaces:
  /// half the cost of bilinear on a software rasteriser) or the usual filtering.
  void setDraftSampling(bool on) { draftSampling_ = on; }
  /// Whether the context renders in software (llvmpipe, softpipe, SwiftShader, ...).
  bool softwareRaster() const { return software_; }

  /// Instanced spots: centres (2 floats each), colours (4 bytes each), selected (1 byte each)
  /// come from the given buffer objects; `count` instances.
  void drawSpots(GLuint centres, GLuint colors, GLuint selected, int count,
                 const QMatrix4x4& proj, const SpotStyle& style);

  /// Whether spots may be painted by the CPU (spot_splat.h): Auto on a software rasteriser
  /// (llvmpipe, softpipe, SwiftShader, ...), where that is faster once many small discs are in
  /// view; Never on a GPU. STAMP_SPOT_SPLAT=0 / 1 forces Never / Always (tests compare both).
  enum class SpotPainting { Never, Auto, Always };
  SpotPainting spotPainting() const { return painting_; }
  /// The current viewport's size in device pixels.
  QSize viewportSize();
  /// Uploads premultiplied RGBA8 pixels (rows top-down) of the viewport's size into `tex`
  /// (created when 0, reshaped when `texSize` differs; nothing uploaded when `rgba` is null:
  /// `tex` already holds them) and draws them 1:1 over the viewport ("over" blending), or in
  /// place of what the framebuffer held when `opaque`.
  void drawViewportImage(GLuint& tex, QSize& texSize, const std::uint8_t* rgba, const QSize& size,
                         bool opaque = false);

  /// A GL buffer holding `bytes` bytes (created or refilled).
  GLuint uploadBuffer(GLuint existing, const void* data, std::size_t bytes);
  void deleteBuffer(GLuint buf);

 private:
  bool buildPrograms(QString* error);
  void bindQuad(QOpenGLShaderProgram& prog, GLuint tex, const QRectF& frameRect, const QMatrix4x4& proj);
  void drawBoundQuad();
  void drawSpotPoints(QOpenGLShaderProgram& prog, const QMatrix4x4& proj, float sizePx, int count);
  std::unique_ptr<QOpenGLShaderProgram> tileProgram_, overlayProgram_, spotProgram_,
      spotPointProgram_;
  float maxPointSize_ = 1;
  SpotPainting painting_ = SpotPainting::Never;
  bool software_ = false, draftSampling_ = false;
  // One VAO per spot program: their attribute locations and divisors differ.
  GLuint quadVbo_ = 0, tileVao_ = 0, spotVao_ = 0, spotPointVao_ = 0;
  bool ready_ = false;
};

}  // namespace stamp::widgets
