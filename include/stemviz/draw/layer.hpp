// 2D layers (scene/layers.hpp) on a canvas: each kind's drawing behind one interface, placed
// in fractions of the picture and blended with its opacity and blend mode here, once for
// every kind. A layer draws its content into a picture of its own only when the content
// changes (a new string, size or frame of a trace), and each frame combines that picture
// with the canvas: a title costs a copy of its pixels per frame, not the drawing of its
// glyphs and outline. A new kind is a file pair in draw/ and one line in make_layer()'s table.
#pragma once

#include <stemviz/analysis/features.hpp>
#include <stemviz/draw/cairo.hpp>
#include <stemviz/draw/face.hpp>
#include <stemviz/scene/evaluator.hpp>
#include <stemviz/scene/layers.hpp>

#include <cairo.h>

#include <cstdint>
#include <memory>
#include <string>

namespace stemviz {

class Scene;

// What a layer draws at one frame; the evaluator holds the frame's (and the bound stem's)
// variables.
struct LayerFrame {
  std::int64_t index = 0;     // the frame
  double time = 0.0;          // its time, seconds since the song's start
  int width = 0, height = 0;  // the picture, pixels
  // The canvas's block of features, frames [block_first, block_first + block->frame_count()),
  // holding this frame when it lies in the song; null before the features are read.
  const FeatureTrack* block = nullptr;
  std::int64_t block_first = 0;
};

// A 2D layer made ready for one canvas: it keeps what does not change between frames (a
// text layout, a scaled image), so a frame costs only what changed.
class PlacedLayer {
 public:
  PlacedLayer(const LayerDescription& layer, SceneEvaluator& evaluator);
  virtual ~PlacedLayer() = default;
  PlacedLayer(const PlacedLayer&) = delete;
  PlacedLayer& operator=(const PlacedLayer&) = delete;

  // Draws the layer at the evaluator's current frame onto `cr` and returns the pixels it
  // may have covered, clamped to the picture.
  PixelBox draw(cairo_t* cr, const LayerFrame& frame);
  // True when the layer, drawn at this frame, paints every pixel of the picture opaquely (an
  // opaque video or picture filling a box over all of it, at full opacity, blended normally,
  // unmoved): what lies under it need not be drawn. Evaluates the layer's numbers.
  bool covers_picture(const LayerFrame& frame);

 protected:
  // True when the content fills its whole box with opaque pixels, whatever the frame.
  virtual bool opaque_fill() const { return false; }
  // Brings the content to this frame and gives its own size in pixels, given the box's size
  // where the scene sets it (0 where it does not). True when its pixels may differ from
  // those of the frame prepared before (always true the first time).
  virtual bool prepare(const LayerFrame& frame, double box_width, double box_height, double& width, double& height) = 0;
  // Draws the content with its box's top-left corner at (0, 0), `width` x `height` pixels,
  // on a transparent picture.
  virtual void paint(cairo_t* cr, double width, double height) = 0;
  // True for content that changes every frame (meters): drawn straight onto the canvas
  // when it is opaque and blended normally, rather than into its own picture first.
  virtual bool redrawn_every_frame() const { return false; }
  // This frame's opacity of the content (a lyric fading in), 0..1, times the layer's; read
  // after prepare().
  virtual double content_opacity() const { return 1.0; }
  // How far past its box the content may draw (an outline), pixels.
  virtual double overhang() const { return 0.0; }
  // This frame's scale and turn (radians, clockwise) of the content about its box's
  // centre, applied as it is combined with the canvas; 1 and 0 unless the kind moves.
  virtual void motion(double& scale, double& radians) {
    scale = 1.0;
    radians = 0.0;
  }

 private:
  // Draws the content into its own picture, `picture_width` x `picture_height` with the
  // box `margin` pixels in, growing that picture when it is too small.
  void refresh_content(int picture_width, int picture_height, int margin, double width, double height);

  std::array<Value, 2> position_;
  std::optional<Value> width_, height_;
  Value opacity_;
  Anchor anchor_;
  Blend blend_;
  // The content's picture: grown, never shrunk, and drawn again only when it changed.
  CairoSurfacePtr content_;
  CairoPtr content_cr_;
  int content_capacity_width_ = 0, content_capacity_height_ = 0;
  int content_width_ = -1, content_height_ = -1;  // of what content_ holds; -1: nothing yet
};

// The size of a picture's box (an image's, a video's frame), pixels: the box where the scene
// gives both sides; one side and the picture's aspect where it gives one (`box_width` or
// `box_height` 0 where it does not); else the picture's own `width` x `height` pixels at
// 1080 lines, scaled with the frame's height.
void picture_box(int width, int height, const LayerFrame& frame, double box_width, double box_height, double& out_width,
                 double& out_height);
// The scale of a `width` x `height` picture in a box of `box_width` x `box_height` under
// `fit`: the same both ways for contain (all of it in the box) and cover (the box filled).
void fit_scale(Fit fit, int width, int height, double box_width, double box_height, double& sx, double& sy);

// The index of the display among `scene`'s features that `layer` (a waveform or spectrum
// layer) shows; the Scene has checked that there is one.
int display_of(const LayerDescription& layer, const Scene& scene);

// The layer of kind `layer.kind` (not "stage", which the canvas draws itself) for a canvas
// drawing `scene` on `cr` with `evaluator`; `stem` is the bound stem's index, or -1.
std::unique_ptr<PlacedLayer> make_layer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator,
                                        int stem, cairo_t* cr);

}  // namespace stemviz
