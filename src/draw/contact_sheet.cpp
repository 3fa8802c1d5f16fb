#include <stemviz/draw/contact_sheet.hpp>

#include <stemviz/draw/text.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace stemviz {

std::string clock_time(double seconds) {
  const int minutes = static_cast<int>(seconds / 60.0);
  return fmt::format("{}:{:05.2f}", minutes, seconds - 60.0 * minutes);
}

CairoSurfacePtr draw_contact_sheet(FrameCanvas& canvas, const Scene& scene, int columns, int rows) {
  const Timeline& timeline = scene.timeline();
  const double tile_width = static_cast<double>(scene.width()) / columns;
  const double scale = tile_width / scene.width();
  const double tile_height = scene.height() * scale;
  const int gap = 2;
  CairoSurfacePtr sheet = make_image_surface(scene.width() + gap * (columns - 1),
                                             static_cast<int>(std::ceil(tile_height * rows)) + gap * (rows - 1));
  CairoPtr cr = make_context(sheet.get());
  cairo_set_source_rgb(cr.get(), 0.0, 0.0, 0.0);
  cairo_paint(cr.get());
  const PangoLayoutPtr text = text_layout(cr.get(), "", std::max(9.0, tile_height / 12.0), PANGO_WEIGHT_BOLD);
  const int tiles = columns * rows;
  for (int k = 0; k < tiles; ++k) {
    throw_if_cancelled();
    const double seconds = (k + 0.5) * timeline.duration_seconds() / tiles;
    const std::int64_t frame = timeline.frame_at(seconds);
    canvas.draw(frame);
    const double x = (k % columns) * (tile_width + gap), y = (k / columns) * (tile_height + gap);
    cairo_save(cr.get());
    cairo_translate(cr.get(), x, y);
    cairo_scale(cr.get(), scale, scale);
    cairo_set_source_surface(cr.get(), canvas.surface(), 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr.get()), CAIRO_FILTER_GOOD);
    cairo_paint(cr.get());
    cairo_restore(cr.get());
    const std::string stamp = clock_time(timeline.frame_time(frame));
    pango_layout_set_text(text.get(), stamp.c_str(), static_cast<int>(stamp.size()));
    const double pad = tile_height / 30.0;
    cairo_move_to(cr.get(), x + pad + 1, y + pad + 1);
    cairo_set_source_rgba(cr.get(), 0, 0, 0, 0.8);
    pango_cairo_show_layout(cr.get(), text.get());
    cairo_move_to(cr.get(), x + pad, y + pad);
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    pango_cairo_show_layout(cr.get(), text.get());
  }
  cairo_surface_flush(sheet.get());
  return sheet;
}

}  // namespace stemviz
