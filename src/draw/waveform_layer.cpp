#include <stemviz/draw/waveform_layer.hpp>

#include <stemviz/scene/scene.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace stemviz {

WaveformLayerDrawer::WaveformLayerDrawer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator)
    : PlacedLayer(layer, evaluator),
      scene_(&scene),
      wave_(std::get<WaveformLayer>(layer.details)),
      display_(display_of(layer, scene)),
      frames_(trace_frames(wave_, scene.timeline().fps.to_double())),
      columns_(scene.features().displays()[static_cast<std::size_t>(display_)].columns),
      line_width_(evaluator.compile(wave_.line_width)),
      gain_(evaluator.compile(wave_.gain)) {}

bool WaveformLayerDrawer::prepare(const LayerFrame& frame, double box_width, double box_height, double& width,
                                  double& height) {
  // Centred on the frame: frames_ / 2 frames before it, the rest from it on.
  read_display_frames(scene_->features(), display_, frame.index - frames_ / 2, frames_, trace_);
  const double scale = frame.height / 1080.0;
  line_px_ = std::max(0.1, line_width_()) * scale;
  gain_now_ = std::max(0.0, gain_());
  // Without a box of its own, a waveform takes 0.8 of the picture's width and 0.2 of its height.
  width = box_width > 0.0 ? box_width : frame.width * 0.8;
  height = box_height > 0.0 ? box_height : frame.height * 0.2;
  return true;
}

void WaveformLayerDrawer::paint(cairo_t* cr, double width, double height) {
  const std::size_t points = trace_.size() / 2;
  if (points == 0) return;
  const auto low = [&](std::size_t i) { return std::clamp(trace_[2 * i] * gain_now_, -1.0, 1.0); };
  const auto high = [&](std::size_t i) { return std::clamp(trace_[2 * i + 1] * gain_now_, -1.0, 1.0); };
  const auto loudest = [&](std::size_t i) { return std::max(std::abs(low(i)), std::abs(high(i))); };
  const double step = width / static_cast<double>(points);
  const double middle = height / 2.0;
  const auto x = [&](std::size_t i) { return (static_cast<double>(i) + 0.5) * step; };
  cairo_set_source_rgb(cr, wave_.colour.r, wave_.colour.g, wave_.colour.b);
  switch (wave_.style) {
    case WaveStyle::line:
      for (std::size_t i = 0; i < points; ++i) cairo_line_to(cr, x(i), middle - (low(i) + high(i)) / 2.0 * middle);
      cairo_set_line_width(cr, line_px_);
      cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke(cr);
      return;
    case WaveStyle::filled:
    case WaveStyle::mirrored: {
      // The top edge left to right, then the bottom one back; a column at least a hairline
      // tall, so silence shows as a line.
      const bool mirrored = wave_.style == WaveStyle::mirrored;
      const double hair = 0.5;
      for (std::size_t i = 0; i < points; ++i)
        cairo_line_to(cr, x(i), std::min(middle - hair, middle - (mirrored ? loudest(i) : high(i)) * middle));
      for (std::size_t i = points; i-- > 0;)
        cairo_line_to(cr, x(i), std::max(middle + hair, middle - (mirrored ? -loudest(i) : low(i)) * middle));
      cairo_close_path(cr);
      cairo_fill(cr);
      return;
    }
    case WaveStyle::radial: {
      // Outwards from a circle, clockwise from the top: the ring between the circle and the
      // trace, at least the line's width.
      const double half = std::min(width, height) / 2.0;
      const double ring = wave_.inner * half;
      const double cx = width / 2.0, cy = height / 2.0;
      for (std::size_t i = 0; i < points; ++i) {
        const double angle =
            -std::numbers::pi / 2.0 + 2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(points);
        const double r = ring + line_px_ + loudest(i) * std::max(0.0, half - ring - line_px_);
        cairo_line_to(cr, cx + r * std::cos(angle), cy + r * std::sin(angle));
      }
      cairo_close_path(cr);
      cairo_new_sub_path(cr);
      cairo_arc_negative(cr, cx, cy, ring, 2.0 * std::numbers::pi, 0.0);
      cairo_close_path(cr);
      cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
      cairo_fill(cr);
      cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
      return;
    }
  }
}

}  // namespace stemviz
