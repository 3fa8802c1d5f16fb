// The `waveform` layer: the analysis's trace (DisplayRequest::Kind::trace) of a stem or the
// mix in its box. Each frame reads only the frames its span covers from the scene's
// features, so it never depends on the frames drawn before it; it draws straight onto the
// canvas, its content changing every frame.
#pragma once

#include <stemviz/draw/layer.hpp>

#include <cstdint>
#include <vector>

namespace stemviz {

// The samples of `seconds` centred on the frame's time, across the box from left to right
// (around its circle, clockwise from the top, for `radial`), full scale at the box's edge
// times `gain`.
class WaveformLayerDrawer final : public PlacedLayer {
 public:
  // `layer` holds a WaveformLayer, whose trace `scene`'s features hold.
  WaveformLayerDrawer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator);

 protected:
  bool prepare(const LayerFrame& frame, double box_width, double box_height, double& width, double& height) override;
  void paint(cairo_t* cr, double width, double height) override;
  bool redrawn_every_frame() const override { return true; }
  double overhang() const override { return line_px_; }

 private:
  const Scene* scene_;
  WaveformLayer wave_;
  int display_ = 0;
  std::int64_t frames_ = 1;   // frames the trace spans
  int columns_ = 1;           // per frame
  std::vector<float> trace_;  // this frame's: frames_ x columns_ x (smallest, largest)
  Value line_width_, gain_;
  double line_px_ = 0.0, gain_now_ = 1.0;
};

}  // namespace stemviz
