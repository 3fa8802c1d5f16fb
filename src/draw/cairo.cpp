#include <stemviz/draw/cairo.hpp>

#include <stemviz/util/error.hpp>

#include <fmt/format.h>

namespace stemviz {

CairoSurfacePtr make_image_surface(int width, int height) {
  CairoSurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    throw Failure(fmt::format("cannot create a {}x{} drawing surface: {}", width, height,
                              cairo_status_to_string(cairo_surface_status(surface.get()))));
  }
  return surface;
}

CairoPtr make_context(cairo_surface_t* surface) {
  CairoPtr cr(cairo_create(surface));
  if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) {
    throw Failure("cannot create a Cairo context: " + std::string(cairo_status_to_string(cairo_status(cr.get()))));
  }
  return cr;
}

std::string cairo_version() { return cairo_version_string(); }

}  // namespace stemviz
