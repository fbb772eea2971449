// Rendering benchmark: frame time of our SlideView (instanced spots on the GPU) against a
// QGraphicsView holding one QGraphicsEllipseItem per spot, which is how most Qt viewers draw
// overlays. Same window size (1920x1080), same spots (a grid, no slide image, so only the
// overlay is measured), same pan steps and recolours. Prints figures; asserts nothing.
// Run under a real X server (xvfb-run -a -s "-screen 0 1920x1080x24"): Mesa llvmpipe here.
#include <QApplication>
#include <QGraphicsEllipseItem>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QOpenGLFunctions>
#include <QOpenGLShaderProgram>
#include <QOpenGLWidget>
#include <QScrollBar>
#include <QThread>
#include <QWindow>
#include <QSurfaceFormat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench_util.h"
#include "slide/slide_reader.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

using namespace stamp;

namespace {

struct Grid {
  std::vector<QPointF> centres;
  widgets::Layer layer;
};

// `spots` spots in rows of `cols`, `pitch` frame pixels apart (16:9 overall by default).
Grid makeGrid(int spots, int cols = 0, double pitch = 100.0) {
  Grid g;
  if (cols <= 0) cols = int(std::ceil(std::sqrt(spots * 16.0 / 9.0)));
  g.layer.name = "gradient";
  for (int i = 0; i < spots; ++i) {
    g.centres.emplace_back((i % cols + 0.5) * pitch, (i / cols + 0.5) * pitch);
    g.layer.values.push_back(float(i % cols));
  }
  g.layer.vmin = 0;
  g.layer.vmax = cols;
  g.layer.opacity = 0.85f;
  return g;
}

// Shows `w` and lets the window system map and expose it before anything is timed.
void settle(QWidget& w) {
  w.show();
  for (int i = 0; i < 30; ++i) {
    QApplication::processEvents();
    QThread::msleep(10);
  }
}

// Seconds per frame of `step(i)` followed by `present()`, a synchronous repaint that includes
// getting the frame to the window (and glFinish for GL, so the GPU work is inside the time).
template <class Step, class Present>
double frameTime(int frames, Step step, Present present) {
  present();
  const double t0 = bench::now();
  for (int i = 0; i < frames; ++i) {
    step(i);
    present();
  }
  return (bench::now() - t0) / frames;
}

// A QWidget repainted now: raster widgets paint and flush; a QOpenGLWidget paints into its
// FBO and the window composes it.
auto repaintOf(QWidget& w, bool gl) {
  return [&w, gl] {
    w.repaint();
    if (!gl) return;
    static_cast<QOpenGLWidget&>(w).makeCurrent();
    QOpenGLContext::currentContext()->functions()->glFinish();
  };
}

// The floor of any QOpenGLWidget here: a frame that only clears (FBO + composition).
struct ClearOnly : QOpenGLWidget {
  void paintGL() override {
    auto* f = context()->functions();
    f->glClearColor(0.1f, 0.1f, 0.1f, 1);
    f->glClear(GL_COLOR_BUFFER_BIT);
  }
};

double emptyGlFrame() {
  ClearOnly w;
  w.resize(1920, 1080);
  settle(w);
  const double t = frameTime(60, [](int) {}, repaintOf(w, true));
  w.hide();
  return t;
}

// The floor of GL at all here: a bare native window with its own context that clears and
// swaps, no FBO and no composition (what a QOpenGLWindow does at best). With `filter` set, it
// also draws one window-sized RGBA8 texture with that filter: the least a frame full of slide
// tiles can cost.
double bareWindowFrame(GLint filter = 0) {
  QWindow win;
  win.setSurfaceType(QSurface::OpenGLSurface);
  win.resize(1920, 1080);
  win.show();
  QOpenGLContext ctx;
  if (!ctx.create() || !ctx.makeCurrent(&win)) return 0;
  auto* f = ctx.extraFunctions();
  QOpenGLShaderProgram prog;
  GLuint tex = 0, vao = 0, vbo = 0;
  if (filter) {
    prog.addShaderFromSourceCode(QOpenGLShader::Vertex, "#version 150 core\nin vec2 corner; out vec2 uv;"
        "void main() { uv = corner; gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0); }");
    prog.addShaderFromSourceCode(QOpenGLShader::Fragment, "#version 150 core\nin vec2 uv;"
        "uniform sampler2D tex; out vec4 frag; void main() { frag = texture(tex, uv); }");
    prog.bindAttributeLocation("corner", 0);
    prog.link();
    std::vector<std::uint8_t> px(1900 * 1070 * 4);  // not 1:1, as tiles rarely are
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = (i % 4 == 3) ? 255 : std::uint8_t(i * 7);
    f->glGenTextures(1, &tex);
    f->glBindTexture(GL_TEXTURE_2D, tex);
    f->glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, 1900, 1070, 0, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    f->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
    f->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
    const float quad[] = {0, 0, 1, 0, 0, 1, 1, 1};
    f->glGenBuffers(1, &vbo);
    f->glBindBuffer(GL_ARRAY_BUFFER, vbo);
    f->glBufferData(GL_ARRAY_BUFFER, sizeof quad, quad, GL_STATIC_DRAW);
    f->glGenVertexArrays(1, &vao);
    f->glBindVertexArray(vao);
    f->glEnableVertexAttribArray(0);
    f->glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
  }
  auto frame = [&] {
    ctx.makeCurrent(&win);
    f->glViewport(0, 0, 1920, 1080);
    f->glClearColor(0.1f, 0.1f, 0.1f, 1);
    f->glClear(GL_COLOR_BUFFER_BIT);
    if (filter) {
      prog.bind();
      f->glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    }
    ctx.swapBuffers(&win);
    f->glFinish();
  };
  for (int i = 0; i < 10; ++i) frame(), QApplication::processEvents();
  const int frames = 60;
  const double t0 = bench::now();
  for (int i = 0; i < frames; ++i) frame();
  const double t = (bench::now() - t0) / frames;
  if (filter) {
    f->glDeleteTextures(1, &tex);
    f->glDeleteBuffers(1, &vbo);
    f->glDeleteVertexArrays(1, &vao);
  }
  return t;
}

struct Ours {
  double pan = 0, recolour = 0;
  bool painted = false;  // spots painted by the CPU (software GL, many discs) rather than GL
};

// Our view over the grid; `painting` is STAMP_SPOT_SPLAT ("" = the view decides).
Ours measureOurs(const Grid& g, int frames, const char* painting) {
  qputenv("STAMP_SPOT_SPLAT", painting);
  widgets::LayerModel layers;
  widgets::SlideView view;
  view.resize(1920, 1080);
  view.setLayerModel(&layers);
  view.setSpots(g.centres, 80.0);
  layers.addLayer(g.layer);
  settle(view);
  view.fitToView();
  // The view draws into its native GL window and swaps (no widget composition).
  auto present = [&] { view.renderNow(); };
  Ours o;
  o.pan = frameTime(frames, [&](int i) { view.panBy({i % 2 ? 7.0 : -7.0, 3.0}); }, present);
  o.recolour = frameTime(frames, [&](int i) {
    layers.setColorMap(0, i % 2 ? widgets::ColorMapId::Magma : widgets::ColorMapId::Viridis);
  }, present);
  o.painted = view.spots().lastPainted();
  view.hide();
  qunsetenv("STAMP_SPOT_SPLAT");
  return o;
}

void benchOne(int spots) {
  Grid g = makeGrid(spots);
  const int frames = spots > 20000 ? 20 : 60;
  const Ours ours = measureOurs(g, frames, "");
  // The same frames with every disc a GL point (what a GPU gets), when ours painted them.
  const Ours points = ours.painted ? measureOurs(g, frames, "0") : ours;
  const double oursPan = ours.pan, oursRecolour = ours.recolour;

  // QGraphicsView with one ellipse item per spot.
  QGraphicsScene scene;
  std::vector<QGraphicsEllipseItem*> items;
  items.reserve(g.centres.size());
  for (std::size_t i = 0; i < g.centres.size(); ++i) {
    auto* e = scene.addEllipse(g.centres[i].x() - 40, g.centres[i].y() - 40, 80, 80, QPen(Qt::black, 0));
    const auto c = g.layer.colorOf(i);
    e->setBrush(QColor(c.r, c.g, c.b, 217));
    items.push_back(e);
  }
  // Room around the spots so that the scroll bars can pan while the whole grid is in view.
  const QRectF spotsRect = scene.itemsBoundingRect();
  scene.setSceneRect(spotsRect.adjusted(-spotsRect.width(), -spotsRect.height(), spotsRect.width(),
                                        spotsRect.height()));
  QGraphicsView gv(&scene);
  gv.resize(1920, 1080);
  settle(gv);
  gv.fitInView(spotsRect, Qt::KeepAspectRatio);
  // The items are drawn by the viewport: that is the widget to repaint.
  QWidget& port = *gv.viewport();
  const double qgvPan = frameTime(frames, [&](int i) {
    gv.horizontalScrollBar()->setValue(gv.horizontalScrollBar()->value() + (i % 2 ? 7 : -7));
  }, repaintOf(port, false));
  widgets::Layer other = g.layer;
  const double qgvRecolour = frameTime(frames, [&](int i) {
    other.colorMap = i % 2 ? widgets::ColorMapId::Magma : widgets::ColorMapId::Viridis;
    for (std::size_t k = 0; k < items.size(); ++k) {
      const auto c = other.colorOf(k);
      items[k]->setBrush(QColor(c.r, c.g, c.b, 217));
    }
  }, repaintOf(port, false));

  std::printf("\n%d spots, 1920x1080, whole grid in view (%d frames each; spots %s)\n", spots,
              frames, ours.painted ? "painted by the CPU" : "drawn as GL points");
  if (ours.painted) {
    bench::row("  pan frame, SlideView, GL points (STAMP_SPOT_SPLAT=0)", points.pan * 1e3, "ms");
    bench::row("  recolour frame, SlideView, GL points", points.recolour * 1e3, "ms");
  }
  bench::row("  pan frame, SlideView (native GL window)", oursPan * 1e3, "ms");
  bench::row("  pan frame, QGraphicsView (ellipse items)", qgvPan * 1e3, "ms");
  bench::row("  pan: QGraphicsView time / ours", qgvPan / oursPan, "x");
  bench::row("  recolour frame, SlideView", oursRecolour * 1e3, "ms");
  bench::row("  recolour frame, QGraphicsView", qgvRecolour * 1e3, "ms");
  bench::row("  recolour: QGraphicsView time / ours", qgvRecolour / oursRecolour, "x");
}

// The same frames over a real slide whose tiles fill the window: what a user pans over.
void benchOverSlide(int spots, const char* path) {
  auto opened = core::slide::openSlide(path);
  if (!opened.ok()) {
    std::printf("\n(slide row skipped: %s)\n", opened.error().describe().c_str());
    return;
  }
  std::shared_ptr<core::slide::SlideReader> reader = std::move(opened.value());
  const double w = double(reader->level(0).width), h = double(reader->level(0).height);
  const double pitch = std::sqrt(w * h / spots);
  Grid g = makeGrid(spots, int(std::ceil(w / pitch)), pitch);
  widgets::LayerModel layers;
  widgets::SlideView view;
  view.resize(1920, 1080);
  view.setLayerModel(&layers);
  view.setImage(reader, 1.0, std::nullopt, std::nullopt);
  view.setSpots(g.centres, 0.8 * pitch);
  layers.addLayer(g.layer);
  settle(view);
  view.setZoom(1.05 * std::max(1920 / w, 1080 / h));  // the slide covers the whole window
  view.centreOn({w / 2, h / 2});
  for (int i = 0; i < 500 && !view.tilesComplete(); ++i) {
    QApplication::processEvents();
    view.renderNow();
    QThread::msleep(20);
  }
  auto present = [&] { view.renderNow(); };
  using Path = widgets::FrameCache::Path;
  const double pan = frameTime(60, [&](int i) { view.panBy({i % 2 ? 7.0 : -7.0, 3.0}); }, present);
  const bool panShifted = view.lastFramePath() == Path::Shifted;
  const double recolour = frameTime(60, [&](int i) {
    layers.setColorMap(0, i % 2 ? widgets::ColorMapId::Magma : widgets::ColorMapId::Viridis);
  }, present);
  const bool recolourReused = view.lastFramePath() == Path::Reused;
  // Zoom steps (a wheel's smooth zoom): every frame draws the tiles afresh, straight into the
  // window (caching mid-zoom would only cost), and repaints the spots. After the first, they
  // are drafts (nearest sampling); the baseline draws every one bilinear.
  const double zoom0 = view.transform().zoom;
  auto zoomSteps = [&] {
    return frameTime(60, [&](int i) { view.setZoom(zoom0 * (i % 2 ? 1.0 : 1.03)); }, present);
  };
  const double zoomDraft = zoomSteps();
  const bool drafted = view.lastFrameWasDraft();
  view.setZoomDrafts(false);
  const double zoomFull = zoomSteps();
  view.setZoomDrafts(true);
  view.setZoom(zoom0);
  view.centreOn({w / 2, h / 2});
  present();
  // The same pans with a query heatmap over the whole slide (24 x 18 cells, translucent).
  QImage heat(24, 18, QImage::Format_RGBA8888);
  for (int y = 0; y < heat.height(); ++y)
    for (int x = 0; x < heat.width(); ++x) heat.setPixelColor(x, y, QColor(10 * x, 255 - 12 * y, 90, 200));
  view.setHeatmap(heat, QRectF(0, 0, w, h));
  const double heatPan = frameTime(60, [&](int i) { view.panBy({i % 2 ? 7.0 : -7.0, 3.0}); }, present);
  view.clearHeatmap();
  std::printf("\n%d spots over %s (%.0f x %.0f px, tiles fill the window; %s; slide image %s;"
              " spots %s)\n", spots, path, w, h,
              view.tilesComplete() ? "all tiles on screen" : "TILES STILL LOADING",
              panShifted && recolourReused ? "from the frame cache" : "REDRAWN",
              view.spots().lastPainted() ? "painted by the CPU" : "drawn as GL points");
  bench::row("  pan frame, SlideView", pan * 1e3, "ms");
  bench::row("  recolour frame, SlideView", recolour * 1e3, "ms");
  bench::row("  pan frame with a heatmap over the slide, SlideView", heatPan * 1e3, "ms");
  bench::row(drafted ? "  zoom step frame (3%), SlideView, drafts" : "  zoom step frame (3%), SlideView, NOT DRAFTED",
             zoomDraft * 1e3, "ms");
  bench::row("  zoom step frame (3%), SlideView, every frame bilinear", zoomFull * 1e3, "ms");
  bench::row("  zoom: bilinear time / drafts", zoomFull / zoomDraft, "x");
}

}  // namespace

int main(int argc, char** argv) {
  QSurfaceFormat format;
  format.setVersion(3, 2);
  format.setProfile(QSurfaceFormat::CoreProfile);
  QSurfaceFormat::setDefaultFormat(format);
  QApplication app(argc, argv);
  std::printf("renderer: %s\n", std::getenv("LIBGL_ALWAYS_SOFTWARE") ? "Mesa llvmpipe (software)" : "default");
  bench::row("empty QOpenGLWidget frame at 1920x1080 (the floor)", emptyGlFrame() * 1e3, "ms");
  bench::row("bare GL window, clear + swap at 1920x1080 (no widget)", bareWindowFrame() * 1e3, "ms");
  bench::row("bare GL window + one window-sized texture, bilinear", bareWindowFrame(GL_LINEAR) * 1e3, "ms");
  bench::row("bare GL window + one window-sized texture, nearest", bareWindowFrame(GL_NEAREST) * 1e3, "ms");
  // Spot counts may be given (e.g. `bench_render 100000` to profile one case).
  std::vector<int> counts;
  for (int i = 1; i < argc; ++i) counts.push_back(std::atoi(argv[i]));
  if (counts.empty()) counts = {5000, 100000};
  for (int spots : counts) benchOne(spots);
  // A real slide when the shared data is there (run from the repository root), else skipped.
  const char* slide = std::getenv("STAMP_BENCH_SLIDE");
  for (int spots : {5000, 100000})  // Visium; Visium HD-like bins
    benchOverSlide(spots, slide ? slide : "../shared/data/slides/CMU-1-Small-Region.svs");
  return 0;
}
