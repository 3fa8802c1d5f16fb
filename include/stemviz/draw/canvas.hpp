// The canvas: one worker's drawing surface, which draws whole frames of a Scene. Every
// frame is a pure function of (description, features, frame index): the expressions are
// evaluated, the objects built (stage.hpp), and everything drawn with Cairo in painter's
// order, antialiased: reflections, floor, labels, objects; with the scene's [[layers]] in
// their order around that stage.
#pragma once

#include <stemviz/analysis/features.hpp>
#include <stemviz/draw/cairo.hpp>
#include <stemviz/draw/face.hpp>
#include <stemviz/draw/stage.hpp>
#include <stemviz/scene/scene.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace stemviz {

class SceneEvaluator;
class PlacedLayer;

// One worker's drawing surface: evaluates and draws whole frames, reusing its buffers.
class FrameCanvas {
 public:
  // The whole picture; or with `only_stem` (0 .. stem_count() - 1) one layer: that stem's
  // object and its reflection on a transparent background, no floor and no labels.
  explicit FrameCanvas(const Scene& scene, int only_stem = -1);
  ~FrameCanvas();

  // Draws frame `frame` of the song; the pixels stay valid until the next call. Throws
  // Failure when the scene's features cannot be read.
  void draw(std::int64_t frame);
  // Premultiplied ARGB32 in native byte order (B, G, R, A on little-endian machines).
  const std::uint8_t* pixels() const { return pixels_; }
  int stride() const { return stride_; }
  cairo_surface_t* surface() const { return surface_.get(); }
  // The faces of the last frame, in drawing order.
  const std::vector<ScreenFace>& faces() const { return faces_; }
  // The pixels the last frame may have drawn over the background.
  PixelBox covered_box() const;

 private:
  void draw_background();
  // Draws the 3D stage at `frame` (the evaluator set to it) and returns the box it covers.
  PixelBox draw_stage(std::int64_t frame);
  // Sets the evaluator's stem variables to stem `stem`'s at `frame`.
  void bind_stem(int stem, std::int64_t frame);
  // Loads the block holding `frame` (clamped to the song) and brings onset_states_ to it.
  void follow_features(std::int64_t frame);
  // Evaluates each stem's object at `frame` into faces_, places the labels, and outlines
  // the floor.
  void build_stage(std::int64_t frame, const StageView& view);
  // Copies the background over what the previous frame drew.
  void restore_background();
  void draw_faces(bool mirror);
  void draw_floor();
  void draw_labels();
  // The box the frame just drawn covers, for the next frame to restore.
  PixelBox drawn_box() const;

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
  // Where the last frame drew over the background, box by box (the stage's, each layer's).
  std::vector<PixelBox> dirty_boxes_;
  StageScratch stage_;
  std::vector<ScreenFace> faces_;
  std::vector<double> floor_xy_;  // the floor outline in pixels, when the scene has one
  struct Label;
  std::vector<std::unique_ptr<Label>> labels_;
  // What a frame draws, in order: the scene's [[layers]], or the stage alone.
  struct Layer {
    std::unique_ptr<PlacedLayer> placed;  // null for the stage
    int stem = -1;                        // the bound stem, or -1
  };
  std::vector<Layer> layers_;
  std::uint8_t* pixels_ = nullptr;
  int stride_ = 0;
};

}  // namespace stemviz
