#include <stemviz/draw/face.hpp>

#include <stemviz/draw/corner_blend.hpp>

#include <algorithm>
#include <cstring>

namespace stemviz {

int clip_to_box(const std::array<double, 8>& xy, int corners, const std::array<double, 4>& box,
                std::array<double, 16>& out) {
  bool inside = true;
  for (std::size_t k = 0; k < static_cast<std::size_t>(corners); ++k) {
    inside = inside && xy[2 * k] >= box[0] && xy[2 * k] <= box[2] && xy[2 * k + 1] >= box[1] && xy[2 * k + 1] <= box[3];
  }
  std::copy(xy.begin(), xy.begin() + 2 * corners, out.begin());
  if (inside) return corners;
  int count = corners;
  std::array<double, 16> in{};
  // One side of the box at a time: keep what lies on its inner side, adding the crossings.
  for (int side = 0; side < 4 && count > 0; ++side) {
    const std::size_t axis = side % 2;  // 0: x, 1: y
    const double limit = box[static_cast<std::size_t>(side)];
    const bool below = side < 2;  // the inside lies above x0 / y0, below x1 / y1
    const auto keeps = [&](std::size_t k) { return below ? in[2 * k + axis] >= limit : in[2 * k + axis] <= limit; };
    in = out;
    std::size_t kept = 0;
    const auto add = [&](double x, double y) {
      if (kept == 8) return;  // only a face that is not convex could get here
      out[2 * kept] = x, out[2 * kept + 1] = y, ++kept;
    };
    for (std::size_t k = 0; k < static_cast<std::size_t>(count); ++k) {
      const std::size_t next = (k + 1) % static_cast<std::size_t>(count);
      if (keeps(k)) add(in[2 * k], in[2 * k + 1]);
      if (keeps(k) != keeps(next)) {
        const double t = (limit - in[2 * k + axis]) / (in[2 * next + axis] - in[2 * k + axis]);
        const double x = in[2 * k] + t * (in[2 * next] - in[2 * k]),
                     y = in[2 * k + 1] + t * (in[2 * next + 1] - in[2 * k + 1]);
        add(axis == 0 ? limit : x, axis == 1 ? limit : y);
      }
    }
    count = static_cast<int>(kept);
  }
  return count;
}

void draw_face(cairo_t* cr, const ScreenFace& face, int width, int height, BlendScratch& scratch) {
  // Cairo keeps path coordinates in 24.8 fixed point, which wraps past about 8 million
  // pixels: a face reaching that far (an object just in front of the camera) is first cut
  // to a band around the picture, wide enough that the cut edges' outline stays outside.
  const double band = face.edge_width + 16.0;
  std::array<double, 16> clipped{};
  const int corners = clip_to_box(face.xy, face.corners, {-band, -band, width + band, height + band}, clipped);
  if (corners < 3) return;
  cairo_move_to(cr, clipped[0], clipped[1]);
  for (std::size_t k = 1; k < static_cast<std::size_t>(corners); ++k)
    cairo_line_to(cr, clipped[2 * k], clipped[2 * k + 1]);
  cairo_close_path(cr);
  if (face.per_vertex) {
    // The face's pixels take colours blended from its corners; the fill below cuts them to
    // the face's outline with antialiasing. What the last face wrote is cleared first, so
    // a pixel the fill touches and the blend did not (none should) is transparent rather
    // than left over from another face or frame.
    if (!scratch.surface) scratch.surface = make_image_surface(width, height);
    cairo_surface_t* blend = scratch.surface.get();
    cairo_surface_flush(blend);
    std::uint8_t* data = cairo_image_surface_get_data(blend);
    const int stride = cairo_image_surface_get_stride(blend);
    const PixelBox& last = scratch.written;
    for (int y = last.y0; y < last.y1; ++y) {
      std::memset(data + static_cast<std::ptrdiff_t>(y) * stride + static_cast<std::ptrdiff_t>(last.x0) * 4, 0,
                  static_cast<std::size_t>(last.x1 - last.x0) * 4);
    }
    scratch.written = blend_corner_colours(face, data, stride, width, height);
    cairo_surface_mark_dirty(blend);
    cairo_set_source_surface(cr, blend, 0, 0);
  } else {
    cairo_set_source_rgba(cr, face.colour.r, face.colour.g, face.colour.b, face.alpha);
  }
  if (!face.stroke) {
    cairo_fill(cr);
    return;
  }
  // The outline also hides the antialiasing seam between neighbouring faces.
  cairo_fill_preserve(cr);
  cairo_set_line_width(cr, face.edge_width);
  cairo_set_source_rgba(cr, face.edge.r, face.edge.g, face.edge.b, face.edge_alpha);
  cairo_stroke(cr);
}

}  // namespace stemviz
