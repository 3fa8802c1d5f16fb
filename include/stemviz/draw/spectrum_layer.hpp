// The `spectrum` layer: the analysis's log-band spectrum (DisplayRequest::Kind::spectrum) of
// a stem or the mix in its box, with peak marks taken from the last `peak_hold` seconds'
// frames read from the scene's features (never from what earlier frames drew). It draws
// straight onto the canvas, its content changing every frame.
#pragma once

#include <stemviz/draw/layer.hpp>

#include <cstdint>
#include <vector>

namespace stemviz {

// The bands from the lowest frequency to the highest, left to right (clockwise from the top
// for `radial`), on a dB scale from `floor_db` to the source's loudest band.
class SpectrumLayerDrawer final : public PlacedLayer {
 public:
  // `layer` holds a SpectrumLayer, whose spectrum `scene`'s features hold.
  SpectrumLayerDrawer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator);

 protected:
  bool prepare(const LayerFrame& frame, double box_width, double box_height, double& width, double& height) override;
  void paint(cairo_t* cr, double width, double height) override;
  bool redrawn_every_frame() const override { return true; }
  double overhang() const override { return line_px_; }

 private:
  // Band `band`'s colour: the gradient's at its place.
  Colour colour(int band) const;
  // Fills (or strokes, for `line`) the bands from `level`, 0..1 each.
  void paint_levels(cairo_t* cr, double width, double height, const std::vector<double>& level, bool marks);

  const Scene* scene_;
  SpectrumLayer spectrum_;
  int display_ = 0;
  std::int64_t hold_frames_ = 0;
  std::vector<float> read_;         // the frames read: hold_frames_ + 1 x bands
  std::vector<double> now_, peak_;  // per band, 0..1 on the dB scale
  Value line_width_;
  double line_px_ = 0.0, scale_ = 1.0;
};

}  // namespace stemviz
