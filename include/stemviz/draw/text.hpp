// Text in pictures (plot lanes, scene labels, contact-sheet stamps): Pango layouts in the
// project's font, with fallback fonts for scripts and emoji it lacks.
#pragma once

#include <pango/pangocairo.h>

#include <memory>
#include <string>

namespace stemviz {

struct PangoLayoutDeleter {
  void operator()(PangoLayout* layout) const { g_object_unref(layout); }
};
using PangoLayoutPtr = std::unique_ptr<PangoLayout, PangoLayoutDeleter>;

// A layout of `text` in `pixels`-high DejaVu Sans for `cr`; bytes that are not UTF-8
// (possible in file names) become U+FFFD.
PangoLayoutPtr text_layout(cairo_t* cr, const std::string& text, double pixels,
                           PangoWeight weight = PANGO_WEIGHT_NORMAL);

// Changes the height of `layout`'s font to `pixels`.
void set_text_size(PangoLayout* layout, double pixels, PangoWeight weight = PANGO_WEIGHT_NORMAL);

// The version of Pango this binary runs with ("1.50.12"), for job manifests: it decides
// the pixels of text.
std::string pango_version();

}  // namespace stemviz
