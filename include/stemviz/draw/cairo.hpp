// Ownership of Cairo handles: every surface and context is a unique_ptr whose deleter
// releases it.
#pragma once

#include <cairo.h>

#include <memory>
#include <string>

namespace stemviz {

struct CairoSurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using CairoSurfacePtr = std::unique_ptr<cairo_surface_t, CairoSurfaceDeleter>;
using CairoPtr = std::unique_ptr<cairo_t, CairoDeleter>;

// An ARGB32 image surface; throws Failure when Cairo cannot make it.
[[nodiscard]] CairoSurfacePtr make_image_surface(int width, int height);

// A context drawing on `surface`; throws Failure when Cairo cannot make it.
[[nodiscard]] CairoPtr make_context(cairo_surface_t* surface);

// The version of Cairo this binary runs with ("1.16.0"), for job manifests: it decides
// the pixels.
std::string cairo_version();

}  // namespace stemviz
