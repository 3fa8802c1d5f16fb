// Faces as they are drawn: a triangle or quad in pixels, shaded, with its outline; cut to a
// band around the picture and filled with Cairo.
#pragma once

#include <stemviz/draw/cairo.hpp>
#include <stemviz/scene/scene_file.hpp>

#include <array>

namespace stemviz {

// A face as it will be drawn: a triangle or quad in pixels, shaded, with its outline.
struct ScreenFace {
  std::array<double, 8> xy{};              // x0 y0 x1 y1 ... in pixels, y down
  int corners = 3;                         // 3 or 4
  Colour colour;                           // fill, when not per_vertex
  std::array<Colour, 4> corner_colours{};  // fill at each corner, when per_vertex
  std::array<double, 4> corner_alpha{};
  bool per_vertex = false;
  double alpha = 1.0;   // fill opacity, 0..1
  bool stroke = false;  // draw the outline
  Colour edge;
  double edge_alpha = 1.0;
  double edge_width = 1.0;  // pixels
  double depth = 0.0;       // distance along the view direction, for painter's order
  int stem = 0;
  bool mirror = false;  // part of a stem's mirror image below the floor
};

// A face's corners (`corners` x y pairs in `xy`) cut to the box {x0, y0, x1, y1}, into
// `out`; returns how many corners are left (fewer than 3: nothing of the face is inside).
// Faces lie in front of the camera, so they are convex: each side of the box adds at most
// one corner (past 8, corners are dropped). Corners already inside come out unchanged.
int clip_to_box(const std::array<double, 8>& xy, int corners, const std::array<double, 4>& box,
                std::array<double, 16>& out);

// A rectangle of pixels, [x0, x1) x [y0, y1); empty when x0 >= x1 or y0 >= y1.
struct PixelBox {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// The smallest box holding both `a` and `b`; an empty box adds nothing.
inline PixelBox box_around(const PixelBox& a, const PixelBox& b) {
  if (a.x1 <= a.x0 || a.y1 <= a.y0) return b;
  if (b.x1 <= b.x0 || b.y1 <= b.y0) return a;
  return {a.x0 < b.x0 ? a.x0 : b.x0, a.y0 < b.y0 ? a.y0 : b.y0, a.x1 > b.x1 ? a.x1 : b.x1, a.y1 > b.y1 ? a.y1 : b.y1};
}

// Colours of faces shaded per vertex: a surface of the picture's size (a third picture's
// worth of memory per canvas), made at the first such face, and the box the last one wrote.
struct BlendScratch {
  CairoSurfacePtr surface;
  PixelBox written;
};

// Draws `face` on `cr`, a `width` x `height` picture: cut to a band around the picture (see
// clip_to_box), filled with its colour or, shaded per vertex, with its corners' colours
// blended in `scratch` (corner_blend.hpp), then outlined when it has an outline.
void draw_face(cairo_t* cr, const ScreenFace& face, int width, int height, BlendScratch& scratch);

}  // namespace stemviz
