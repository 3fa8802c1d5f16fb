// The `meters` layer: one level meter per stem (a bar on a dim track, a peak mark, the
// stem's name), in the stems' colours. Levels are the frame's features, on the `level`
// scale (0..1) or in dB; a peak mark is the highest level of the last `peak_hold` seconds,
// taken from those frames' features, never from what earlier frames drew.
#pragma once

#include <stemviz/analysis/features.hpp>
#include <stemviz/draw/layer.hpp>
#include <stemviz/draw/text.hpp>

#include <cstdint>
#include <vector>

namespace stemviz {

class MetersLayerDrawer final : public PlacedLayer {
 public:
  // `layer` holds a MetersLayer whose stems are among `scene`'s; `cr` is the canvas's
  // context, whose font options the labels take.
  MetersLayerDrawer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator, cairo_t* cr);
  ~MetersLayerDrawer() override;

 protected:
  bool prepare(const LayerFrame& frame, double box_width, double box_height, double& width, double& height) override;
  void paint(cairo_t* cr, double width, double height) override;
  bool redrawn_every_frame() const override { return true; }
  // A label wider than its meter reaches past the box's side.
  double overhang() const override { return label_overhang_; }

 private:
  // Brings window_ to the frames [frame - hold_frames_, frame] (silence outside the song).
  void follow(const LayerFrame& frame);
  // Stem `stem`'s meter value (0..1) in `features`.
  double value(const StemFrameFeatures& features) const;

  const Scene* scene_;
  MetersLayer meters_;
  std::vector<int> stems_;  // the stems shown, in order
  std::vector<Colour> colours_;
  std::int64_t hold_frames_ = 0;
  // The meter values of the last hold_frames_ + 1 frames, frame-major, oldest first.
  std::vector<float> window_;
  std::int64_t window_last_ = -1;   // the frame the window ends at; -1 none
  std::int64_t window_count_ = 0;   // frames in it
  FeatureTrack read_;               // rows read from the scene's features, reused
  std::vector<double> now_, peak_;  // per meter, this frame
  Value label_size_;
  double label_px_ = 0.0, laid_out_px_ = -1.0, label_room_ = 0.0, label_overhang_ = 0.0;
  std::vector<PangoLayoutPtr> labels_;
  double scale_ = 1.0;  // pixels per pixel at 1080 lines
};

}  // namespace stemviz
