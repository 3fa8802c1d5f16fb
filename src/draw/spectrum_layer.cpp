#include <stemviz/draw/spectrum_layer.hpp>

#include <stemviz/scene/scene.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace stemviz {

SpectrumLayerDrawer::SpectrumLayerDrawer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator)
    : PlacedLayer(layer, evaluator),
      scene_(&scene),
      spectrum_(std::get<SpectrumLayer>(layer.details)),
      display_(display_of(layer, scene)),
      hold_frames_(std::llround(spectrum_.peak_hold * scene.timeline().fps.to_double())),
      now_(static_cast<std::size_t>(spectrum_.bands)),
      peak_(static_cast<std::size_t>(spectrum_.bands)),
      line_width_(evaluator.compile(spectrum_.line_width)) {}

bool SpectrumLayerDrawer::prepare(const LayerFrame& frame, double box_width, double box_height, double& width,
                                  double& height) {
  // This frame and the hold's before it; silence outside the song.
  read_display_frames(scene_->features(), display_, frame.index - hold_frames_, hold_frames_ + 1, read_);
  const auto bands = static_cast<std::size_t>(spectrum_.bands);
  const auto on_scale = [&](float amplitude) {
    if (!(amplitude > 0.0f)) return 0.0;
    const double db = 20.0 * std::log10(static_cast<double>(amplitude));
    return std::clamp((db - spectrum_.floor_db) / -spectrum_.floor_db, 0.0, 1.0);
  };
  std::fill(peak_.begin(), peak_.end(), 0.0);
  for (std::size_t row = 0; row * bands < read_.size(); ++row) {
    for (std::size_t k = 0; k < bands; ++k) peak_[k] = std::max(peak_[k], on_scale(read_[row * bands + k]));
  }
  for (std::size_t k = 0; k < bands; ++k) now_[k] = on_scale(read_[read_.size() - bands + k]);
  scale_ = frame.height / 1080.0;
  line_px_ = std::max(0.1, line_width_()) * scale_;
  // Without a box of its own, a spectrum takes 0.8 of the picture's width and 0.3 of its height.
  width = box_width > 0.0 ? box_width : frame.width * 0.8;
  height = box_height > 0.0 ? box_height : frame.height * 0.3;
  return true;
}

Colour SpectrumLayerDrawer::colour(int band) const {
  const std::vector<Colour>& c = spectrum_.colours;
  if (c.size() == 1 || spectrum_.bands < 2) return c.front();
  const double at = static_cast<double>(band) / (spectrum_.bands - 1) * static_cast<double>(c.size() - 1);
  const auto below = std::min(static_cast<std::size_t>(at), c.size() - 2);
  const double t = at - static_cast<double>(below);
  const Colour& a = c[below];
  const Colour& b = c[below + 1];
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

void SpectrumLayerDrawer::paint_levels(cairo_t* cr, double width, double height, const std::vector<double>& level,
                                       bool marks) {
  const int bands = spectrum_.bands;
  const double count = bands;
  const double bar = width / (count + spectrum_.gap * (count - 1.0));
  const double step = bar * (1.0 + spectrum_.gap);
  const double mark = std::max(1.0, 3.0 * scale_);
  const double half = std::min(width, height) / 2.0;
  const double ring = spectrum_.inner * half;
  const bool one_colour = spectrum_.colours.size() == 1;
  for (int k = 0; k < bands; ++k) {
    const double v = level[static_cast<std::size_t>(k)];
    if (marks && v <= 0.0) continue;
    if (!one_colour) {
      Colour c = colour(k);
      if (marks) c = {0.5 + c.r / 2.0, 0.5 + c.g / 2.0, 0.5 + c.b / 2.0};
      cairo_set_source_rgb(cr, c.r, c.g, c.b);
    }
    const double x = k * step;
    switch (spectrum_.style) {
      case SpectrumStyle::bars:
      case SpectrumStyle::line:  // its marks are bars' marks
        if (marks)
          cairo_rectangle(cr, x, height - std::max(mark, v * height), bar, mark);
        else
          cairo_rectangle(cr, x, height - v * height, bar, v * height);
        break;
      case SpectrumStyle::mirrored: {
        const double reach = std::max(marks ? mark : 0.0, v * height / 2.0);
        if (marks) {
          cairo_rectangle(cr, x, height / 2.0 - reach, bar, mark);
          cairo_rectangle(cr, x, height / 2.0 + reach - mark, bar, mark);
        } else {
          cairo_rectangle(cr, x, height / 2.0 - reach, bar, 2.0 * reach);
        }
        break;
      }
      case SpectrumStyle::radial: {
        // A bar outwards from the circle, as wide as its share of the circle less the gap.
        const double angle = -std::numbers::pi / 2.0 + 2.0 * std::numbers::pi * (k + 0.5) / count;
        const double spread = std::numbers::pi / count / (1.0 + spectrum_.gap);
        const double room = std::max(0.0, half - ring);
        const double from = marks ? ring + std::max(mark, v * room) - mark : ring;
        const double to = marks ? from + mark : ring + v * room;
        const double a0 = angle - spread, a1 = angle + spread;
        const double cx = width / 2.0, cy = height / 2.0;
        cairo_move_to(cr, cx + from * std::cos(a0), cy + from * std::sin(a0));
        cairo_line_to(cr, cx + to * std::cos(a0), cy + to * std::sin(a0));
        cairo_line_to(cr, cx + to * std::cos(a1), cy + to * std::sin(a1));
        cairo_line_to(cr, cx + from * std::cos(a1), cy + from * std::sin(a1));
        cairo_close_path(cr);
        break;
      }
    }
    if (!one_colour) cairo_fill(cr);
  }
  if (one_colour) cairo_fill(cr);
}

void SpectrumLayerDrawer::paint(cairo_t* cr, double width, double height) {
  const Colour& first = spectrum_.colours.front();
  if (spectrum_.style == SpectrumStyle::line) {
    // A line through the bands' tops at their centres, in the gradient from left to right.
    const double count = spectrum_.bands;
    const double bar = width / (count + spectrum_.gap * (count - 1.0));
    const double step = bar * (1.0 + spectrum_.gap);
    for (int k = 0; k < spectrum_.bands; ++k)
      cairo_line_to(cr, k * step + bar / 2.0, height - now_[static_cast<std::size_t>(k)] * height);
    std::unique_ptr<cairo_pattern_t, decltype(&cairo_pattern_destroy)> gradient(
        cairo_pattern_create_linear(0.0, 0.0, width, 0.0), cairo_pattern_destroy);
    const std::size_t stops = spectrum_.colours.size();
    for (std::size_t k = 0; k < stops; ++k) {
      const Colour& c = spectrum_.colours[k];
      cairo_pattern_add_color_stop_rgb(
          gradient.get(), stops == 1 ? 0.0 : static_cast<double>(k) / static_cast<double>(stops - 1), c.r, c.g, c.b);
    }
    cairo_set_source(cr, gradient.get());
    cairo_set_line_width(cr, line_px_);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
  } else {
    cairo_set_source_rgb(cr, first.r, first.g, first.b);
    paint_levels(cr, width, height, now_, false);
  }
  if (hold_frames_ > 0) {
    cairo_set_source_rgb(cr, 0.5 + first.r / 2.0, 0.5 + first.g / 2.0, 0.5 + first.b / 2.0);
    paint_levels(cr, width, height, peak_, true);
  }
}

}  // namespace stemviz
