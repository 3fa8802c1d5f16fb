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

 protected:
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

// The index of the display among `scene`'s features that `layer` (a waveform or spectrum
// layer) shows. Throws InputError at the layer's kind when they hold none for it: features
// analysed for another scene.
int display_of(const LayerDescription& layer, const Scene& scene);

// The layer of kind `layer.kind` (not "stage", which the canvas draws itself) for a canvas
// drawing `scene` on `cr` with `evaluator`; `stem` is the bound stem's index, or -1.
std::unique_ptr<PlacedLayer> make_layer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator,
                                        int stem, cairo_t* cr);

}  // namespace stemviz
