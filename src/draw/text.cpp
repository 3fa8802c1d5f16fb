#include <stemviz/draw/text.hpp>

namespace stemviz {

namespace {

constexpr const char* kFont = "DejaVu Sans";

struct FontDescriptionDeleter {
  void operator()(PangoFontDescription* font) const { pango_font_description_free(font); }
};
struct GlibStringDeleter {
  void operator()(gchar* text) const { g_free(text); }
};

}  // namespace

void set_text_size(PangoLayout* layout, double pixels, PangoWeight weight) {
  const std::unique_ptr<PangoFontDescription, FontDescriptionDeleter> font(pango_font_description_from_string(kFont));
  pango_font_description_set_absolute_size(font.get(), pixels * PANGO_SCALE);
  pango_font_description_set_weight(font.get(), weight);
  pango_layout_set_font_description(layout, font.get());
}

PangoLayoutPtr text_layout(cairo_t* cr, const std::string& text, double pixels, PangoWeight weight) {
  const std::unique_ptr<gchar, GlibStringDeleter> valid(
      g_utf8_make_valid(text.c_str(), static_cast<gssize>(text.size())));
  PangoLayoutPtr layout(pango_cairo_create_layout(cr));
  set_text_size(layout.get(), pixels, weight);
  pango_layout_set_text(layout.get(), valid.get(), -1);
  return layout;
}

std::string pango_version() { return pango_version_string(); }

}  // namespace stemviz
