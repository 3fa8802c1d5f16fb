// Scene stage: draws frames of a scene description (scene_file.hpp). Every frame is a pure
// function of (description, features, frame index): the expressions are evaluated, the
// objects built, shaded by the scene's shader, projected by a perspective camera and drawn
// with Cairo in painter's order, antialiased.
#pragma once

#include <stemviz/analysis.hpp>
#include <stemviz/scene_file.hpp>
#include <stemviz/timeline.hpp>

#include <cairo.h>

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace stemviz {

struct CairoSurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using CairoSurfacePtr = std::unique_ptr<cairo_surface_t, CairoSurfaceDeleter>;
using CairoPtr = std::unique_ptr<cairo_t, CairoDeleter>;

// An ARGB32 image surface; throws Failure when Cairo cannot make it.
[[nodiscard]] CairoSurfacePtr make_image_surface(int width, int height);

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

// Stem `stem`'s colour among `stem_count` in the "spectrum" palette: evenly spaced hues
// starting at blue, so neighbouring stems are easy to tell apart. Plots use these colours.
Colour stem_colour(int stem, int stem_count);

// Stem `stem`'s colour in a named palette (spectrum, warm, cool, pastel, mono).
Colour palette_colour(const std::string& palette, int stem, int stem_count);

// A face as it will be drawn: a triangle or quad in pixels, shaded, with its outline.
struct ScreenFace {
  std::array<double, 8> xy{};              // x0 y0 x1 y1 ... in pixels, y down
  int corners = 3;                         // 3 or 4
  Colour colour;                           // fill, when not per_vertex
  std::array<Colour, 4> corner_colours{};  // fill at each corner, when per_vertex
  std::array<double, 4> corner_alpha{};
  bool per_vertex = false;
  double alpha = 1.0;   // fill opacity, 0..1
  bool stroke = false;  // draw the outline
  Colour edge;
  double edge_alpha = 1.0;
  double edge_width = 1.0;  // pixels
  double depth = 0.0;       // distance along the view direction, for painter's order
  int stem = 0;
  bool mirror = false;  // part of a stem's mirror image below the floor
};

// A face's corners (`corners` x y pairs in `xy`) cut to the box {x0, y0, x1, y1}, into
// `out`; returns how many corners are left (fewer than 3: nothing of the face is inside).
// Faces lie in front of the camera, so they are convex: each side of the box adds at most
// one corner (past 8, corners are dropped). Corners already inside come out unchanged.
int clip_to_box(const std::array<double, 8>& xy, int corners, const std::array<double, 4>& box,
                std::array<double, 16>& out);

// A rectangle of pixels, [x0, x1) x [y0, y1); empty when x0 >= x1 or y0 >= y1.
struct PixelBox {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// Colours of faces shaded per vertex: a surface of the picture's size (a third picture's
// worth of memory per canvas), made at the first such face, and the box the last one wrote.
struct BlendScratch {
  CairoSurfacePtr surface;
  PixelBox written;
};

// Draws `face` on `cr`, a `width` x `height` picture: cut to a band around the picture (see
// clip_to_box), filled with its colour or, shaded per vertex, with its corners' colours
// blended in `scratch` (corner_blend.hpp), then outlined when it has an outline.
void draw_face(cairo_t* cr, const ScreenFace& face, int width, int height, BlendScratch& scratch);

class SceneEvaluator;

// The running sums behind the scene variables `hit` and `onsets` for one stem, after some
// frame: the onsets' strengths so far, fading with a 0.15 s time constant, and in all.
struct OnsetState {
  double fading = 0.0;
  double total = 0.0;
  // `hit`: the latest onsets' strength, fading, at most 1.
  float hit() const { return static_cast<float>(fading < 1.0 ? fading : 1.0); }
  // `onsets`: every onset so far, each counted in smoothly over the same time.
  float onsets() const { return static_cast<float>(total - fading); }
};

// A scene made ready for one song and picture size; shared read-only by every worker.
class Scene {
 public:
  // Frames read their features a block of this many at a time (one canvas keeps one block),
  // and the scene keeps each stem's OnsetState at the start of every block: a render's
  // memory then grows with the song by a few bytes per block, not by the feature table.
  static constexpr std::int64_t kFeatureBlockFrames = 256;
  // The first frame of the block holding `frame` (>= 0).
  static constexpr std::int64_t block_start(std::int64_t frame) {
    return frame / kFeatureBlockFrames * kFeatureBlockFrames;
  }

  // Prepares `description` for stems named `stem_names` (1..32) with `features` (which must
  // outlive the scene) on `timeline`, in a `width` x `height` picture. Reads the features
  // through once, for the onset states. Throws InputError when the layout cannot hold the
  // stems, Failure when the features cannot be read.
  Scene(SceneDescription description, std::vector<std::string> stem_names, const FeatureSource& features,
        const Timeline& timeline, int width, int height);
  // The same with the whole song's features in memory.
  Scene(SceneDescription description, std::vector<std::string> stem_names, const FeatureTrack& features,
        const Timeline& timeline, int width, int height);
  ~Scene();

  int width() const { return width_; }
  int height() const { return height_; }
  int stem_count() const { return static_cast<int>(stem_names_.size()); }
  const Timeline& timeline() const { return timeline_; }
  const FeatureSource& features() const { return *features_; }
  // What the scene variables `hit` and `onsets` read for stem `stem` at `frame` (OnsetState);
  // both 0 before the song, `hit` 0 after it. Each call reads a block of features: a canvas
  // keeps its own running state instead.
  float hit(int stem, std::int64_t frame) const;
  float onsets(int stem, std::int64_t frame) const;
  // Stem `stem`'s state after `frame` (within the song), stepped from the start of the
  // block holding it through `block`, that block's features (as FeatureSource::read gives
  // them from its first frame).
  OnsetState onset_state_after(int stem, std::int64_t frame, const FeatureTrack& block) const;
  // Adds one frame's onset strength to `state`. Every state, whichever frame it started
  // from, is stepped by this one function, so a frame's values never depend on the chunk.
  void step_onsets(OnsetState& state, float onset) const {
    state.fading = state.fading * fade_ + onset;
    state.total += onset;
  }
  const SceneDescription& description() const { return description_; }
  const VariableSet& variables() const { return variables_; }
  const std::string& stem_name(int stem) const { return stem_names_[static_cast<std::size_t>(stem)]; }
  const Colour& stem_colour(int stem) const { return colours_[static_cast<std::size_t>(stem)]; }
  // The label text under stem `stem`, or empty.
  std::string label(int stem) const;
  // The camera distance that keeps every object in the picture, when the scene sets none.
  double fitted_distance() const { return fitted_distance_; }

 private:
  double fit_distance() const;

  // Reads `owned` when given, else `features`.
  Scene(SceneDescription description, std::vector<std::string> stem_names, std::unique_ptr<FeatureSource> owned,
        const FeatureSource* features, const Timeline& timeline, int width, int height);
  OnsetState onset_state(int stem, std::int64_t frame) const;
  // Stem `stem`'s state before the first frame of block `block`.
  const OnsetState& onset_state_before_block(int stem, std::int64_t block) const;

  SceneDescription description_;
  std::vector<std::string> stem_names_;
  int width_, height_;
  std::unique_ptr<FeatureSource> owned_features_;  // when made from a FeatureTrack
  const FeatureSource* features_;
  Timeline timeline_;
  VariableSet variables_;
  double fade_ = 0.0;                     // how much of `fading` is left after one frame
  std::vector<OnsetState> block_starts_;  // block-major: stem_count() per block
  std::vector<Colour> colours_;
  double fitted_distance_ = 10.0;
};

// One worker's drawing surface: evaluates and draws whole frames, reusing its buffers.
class FrameCanvas {
 public:
  // The whole picture; or with `only_stem` (0 .. stem_count() - 1) one layer: that stem's
  // object and its reflection on a transparent background, no floor and no labels.
  explicit FrameCanvas(const Scene& scene, int only_stem = -1);
  ~FrameCanvas();

  // Draws frame `frame` of the song; the pixels stay valid until the next call. Throws
  // Failure when the scene's features cannot be read.
  void render(std::int64_t frame);
  // Premultiplied ARGB32 in native byte order (B, G, R, A on little-endian machines).
  const std::uint8_t* pixels() const { return pixels_; }
  int stride() const { return stride_; }
  cairo_surface_t* surface() const { return surface_.get(); }
  // The faces of the last frame, in drawing order.
  const std::vector<ScreenFace>& faces() const { return faces_; }
  // The pixels the last frame may have drawn over the background.
  PixelBox covered_box() const { return dirty_; }

 private:
  void draw_background();
  // Loads the block holding `frame` (clamped to the song) and brings onset_states_ to it.
  void follow_features(std::int64_t frame);
  void draw_faces(bool mirror);
  void draw_floor();
  void draw_labels();

  const Scene* scene_;
  int only_stem_ = -1;
  std::unique_ptr<SceneEvaluator> evaluator_;
  CairoSurfacePtr surface_;
  CairoPtr cr_;
  std::vector<std::uint8_t> background_;
  // The block of features holding the frame last drawn, and each stem's onset state after
  // that frame; the next frame in order steps it once.
  FeatureTrack block_;
  std::int64_t block_first_ = -1;
  std::vector<OnsetState> onset_states_;
  static constexpr std::int64_t kNoFrame = std::numeric_limits<std::int64_t>::min();  // not even -1
  std::int64_t onset_frame_ = kNoFrame;
  BlendScratch blend_;
  PixelBox dirty_;  // where the last frame drew over the background
  std::vector<ScreenFace> faces_;
  std::vector<double> floor_xy_;  // the floor outline in pixels, when the scene has one
  struct Label;
  std::vector<std::unique_ptr<Label>> labels_;
  std::uint8_t* pixels_ = nullptr;
  int stride_ = 0;
};

}  // namespace stemviz
