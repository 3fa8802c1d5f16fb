#include <stemviz/draw/plot.hpp>

#include <stemviz/draw/cairo.hpp>
#include <stemviz/draw/text.hpp>
#include <stemviz/scene/palette.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

namespace stemviz {

namespace {

constexpr double kLabelWidth = 180.0;  // pixels left of the lanes for stem names
constexpr double kTopMargin = 12.0;
constexpr double kAxisHeight = 34.0;
constexpr double kRightMargin = 16.0;
constexpr const char* kFont = "DejaVu Sans";

// Seconds between time-axis ticks: the first step that leaves room for a label.
double tick_step(double seconds, double pixels) {
  for (const double step : {0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0}) {
    if (step / seconds * pixels >= 70.0) return step;
  }
  return 1200.0;
}

std::string time_label(double seconds, double step) {
  if (step < 1.0) return fmt::format("{:.2f}", seconds);
  const auto whole = static_cast<long>(std::lround(seconds));
  return fmt::format("{}:{:02}", whole / 60, whole % 60);
}

// Draws `text` as text_layout() lays it out, from `x`, centred on `centre_y`, cut with an
// ellipsis to `width`.
void draw_label(cairo_t* cr, const std::string& text, double x, double centre_y, double pixels, double width) {
  const auto layout = text_layout(cr, text, pixels);
  pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_ellipsize(layout.get(), PANGO_ELLIPSIZE_END);
  int layout_width = 0, layout_height = 0;
  pango_layout_get_pixel_size(layout.get(), &layout_width, &layout_height);
  cairo_move_to(cr, x, centre_y - layout_height / 2.0);
  pango_cairo_show_layout(cr, layout.get());
}

}  // namespace

int missing_glyphs(const std::string& text) {
  CairoSurfacePtr surface = make_image_surface(8, 8);
  CairoPtr cr(cairo_create(surface.get()));
  return pango_layout_get_unknown_glyphs_count(text_layout(cr.get(), text, 14.0).get());
}

void write_feature_plot(const std::filesystem::path& path, const std::vector<std::string>& stem_names,
                        const Timeline& timeline, const FeatureTrack& features, const PlotSize& size) {
  const int stem_count = features.stem_count();
  const int height = static_cast<int>(kTopMargin + kAxisHeight) + stem_count * size.lane_height;
  CairoSurfacePtr surface = make_image_surface(size.width, height);
  CairoPtr owner(cairo_create(surface.get()));
  cairo_t* cr = owner.get();
  cairo_set_source_rgb(cr, 0.075, 0.085, 0.12);
  cairo_paint(cr);
  cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);

  const double plot_left = kLabelWidth;
  const double plot_width = size.width - kLabelWidth - kRightMargin;
  const double seconds = std::max(timeline.duration_seconds(), 1e-3);
  const std::int64_t frames = features.frame_count();
  const auto frames_d = static_cast<double>(frames);
  const auto column_frames = [&](int column) {
    // Frames [first, end) that fall in pixel column `column`.
    const auto first = static_cast<std::int64_t>(std::floor(static_cast<double>(column) / plot_width * frames_d));
    const auto end = static_cast<std::int64_t>(std::floor(static_cast<double>(column + 1) / plot_width * frames_d));
    return std::pair{first, std::max(end, first + 1)};
  };
  const int columns = static_cast<int>(plot_width);

  for (int s = 0; s < stem_count; ++s) {
    const double top = kTopMargin + s * size.lane_height;
    const double base = top + size.lane_height - 6.0;
    const double range = size.lane_height - 14.0;
    const Colour colour = stem_colour(s, stem_count);
    // Lane background, alternating so neighbouring lanes separate.
    cairo_set_source_rgb(cr, s % 2 ? 0.095 : 0.11, s % 2 ? 0.105 : 0.12, s % 2 ? 0.15 : 0.165);
    cairo_rectangle(cr, plot_left, top, plot_width, size.lane_height);
    cairo_fill(cr);

    // The level as a filled envelope; each pixel column shows the largest level in it,
    // so no hit disappears between pixels.
    cairo_move_to(cr, plot_left, base);
    for (int column = 0; column < columns; ++column) {
      const auto [first, end] = column_frames(column);
      float level = 0.0f;
      for (std::int64_t f = first; f < std::min(end, frames); ++f) level = std::max(level, features.at(s, f).level);
      cairo_line_to(cr, plot_left + column + 0.5, base - level * range);
    }
    cairo_line_to(cr, plot_left + plot_width, base);
    cairo_close_path(cr);
    cairo_set_source_rgba(cr, colour.r, colour.g, colour.b, 0.85);
    cairo_fill(cr);

    // Onsets: a tick at the top of the lane, longer for stronger onsets.
    cairo_set_source_rgb(cr, 0.95, 0.95, 0.95);
    cairo_set_line_width(cr, 1.0);
    for (std::int64_t f = 0; f < frames; ++f) {
      const float onset = features.at(s, f).onset;
      if (onset <= 0.0f) continue;
      const double x = plot_left + std::floor((static_cast<double>(f) + 0.5) / frames_d * plot_width) + 0.5;
      cairo_move_to(cr, x, top + 2.0);
      cairo_line_to(cr, x, top + 2.0 + 4.0 + 8.0 * onset);
    }
    cairo_stroke(cr);

    // The stem's name, in its colour.
    cairo_set_source_rgb(cr, colour.r, colour.g, colour.b);
    draw_label(cr, stem_names[static_cast<std::size_t>(s)], 10.0, top + size.lane_height / 2.0, 14.0,
               kLabelWidth - 20.0);
  }

  // Time axis with gridlines through the lanes.
  const double axis_y = kTopMargin + stem_count * size.lane_height;
  const double step = tick_step(seconds, plot_width);
  cairo_set_font_size(cr, 12.0);
  for (double t = 0.0; t <= seconds + 1e-9; t += step) {
    const double x = std::floor(plot_left + t / seconds * plot_width) + 0.5;
    cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, 0.12);
    cairo_move_to(cr, x, kTopMargin);
    cairo_line_to(cr, x, axis_y + 5.0);
    cairo_stroke(cr);
    const std::string text = time_label(t, step);
    cairo_text_extents_t extents;
    cairo_text_extents(cr, text.c_str(), &extents);
    cairo_set_source_rgb(cr, 0.75, 0.77, 0.82);
    cairo_move_to(cr, std::min(x - extents.x_advance / 2.0, size.width - extents.x_advance - 2.0), axis_y + 22.0);
    cairo_show_text(cr, text.c_str());
  }
  cairo_set_source_rgb(cr, 0.75, 0.77, 0.82);
  cairo_move_to(cr, 10.0, axis_y + 22.0);
  cairo_show_text(cr, step < 1.0 ? "seconds" : "m:ss");

  cairo_surface_flush(surface.get());
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
    throw Failure(fmt::format("cannot draw the plot: {}", cairo_status_to_string(cairo_status(cr))));
  }
  const cairo_status_t written = cairo_surface_write_to_png(surface.get(), path.c_str());
  if (written != CAIRO_STATUS_SUCCESS) {
    throw Failure(fmt::format("cannot write {}: {}", path.string(), cairo_status_to_string(written)));
  }
}

}  // namespace stemviz
