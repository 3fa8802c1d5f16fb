#include <stemviz/draw/corner_blend.hpp>

#include <doctest/doctest.h>

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace stemviz;

namespace {

constexpr int kWidth = 320, kHeight = 200;
constexpr std::uint32_t kUntouched = 0x12345678;

struct Picture {
  CairoSurfacePtr surface = make_image_surface(kWidth, kHeight);
  std::uint32_t at(int x, int y) const {
    const std::uint8_t* data = cairo_image_surface_get_data(surface.get());
    const int stride = cairo_image_surface_get_stride(surface.get());
    return reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride)[x];
  }
};

ScreenFace face_of(std::vector<double> xy, std::vector<Colour> colours, std::vector<double> alpha) {
  ScreenFace face;
  face.corners = static_cast<int>(xy.size() / 2);
  face.per_vertex = true;
  std::copy(xy.begin(), xy.end(), face.xy.begin());
  std::copy(colours.begin(), colours.end(), face.corner_colours.begin());
  std::copy(alpha.begin(), alpha.end(), face.corner_alpha.begin());
  return face;
}

void outline(cairo_t* cr, const ScreenFace& face) {
  cairo_move_to(cr, face.xy[0], face.xy[1]);
  for (std::size_t k = 1; k < static_cast<std::size_t>(face.corners); ++k)
    cairo_line_to(cr, face.xy[2 * k], face.xy[2 * k + 1]);
  cairo_close_path(cr);
}

// How much of each pixel the face covers, in alpha: an opaque fill of its outline.
Picture coverage(const ScreenFace& face) {
  Picture cover;
  cairo_t* cr = cairo_create(cover.surface.get());
  outline(cr, face);
  cairo_set_source_rgba(cr, 1, 1, 1, 1);
  cairo_fill(cr);
  cairo_destroy(cr);
  cairo_surface_flush(cover.surface.get());
  return cover;
}

// The face's blended colours, on a picture whose pixels all start as kUntouched; `box`
// gets what blend_corner_colours returns.
Picture blended(const ScreenFace& face, PixelBox& box) {
  Picture colours;
  cairo_surface_t* source = colours.surface.get();
  auto* data = reinterpret_cast<std::uint32_t*>(cairo_image_surface_get_data(source));
  std::fill(data, data + kWidth * kHeight, kUntouched);
  box = blend_corner_colours(face, cairo_image_surface_get_data(source), cairo_image_surface_get_stride(source), kWidth,
                             kHeight);
  cairo_surface_mark_dirty(source);
  return colours;
}

// The face filled with cairo's own mesh gradient: a triangle as a patch whose fourth corner
// repeats the first.
Picture with_cairo_mesh(const ScreenFace& face) {
  Picture picture;
  cairo_pattern_t* mesh = cairo_pattern_create_mesh();
  cairo_mesh_pattern_begin_patch(mesh);
  for (unsigned k = 0; k < 4; ++k) {
    const std::size_t from = face.corners == 3 && k == 3 ? 0 : k;
    if (k == 0)
      cairo_mesh_pattern_move_to(mesh, face.xy[0], face.xy[1]);
    else
      cairo_mesh_pattern_line_to(mesh, face.xy[2 * from], face.xy[2 * from + 1]);
    const Colour& c = face.corner_colours[from];
    cairo_mesh_pattern_set_corner_color_rgba(mesh, k, c.r, c.g, c.b, face.corner_alpha[from]);
  }
  cairo_mesh_pattern_end_patch(mesh);
  cairo_t* cr = cairo_create(picture.surface.get());
  outline(cr, face);
  cairo_set_source(cr, mesh);
  cairo_fill(cr);
  cairo_destroy(cr);
  cairo_pattern_destroy(mesh);
  cairo_surface_flush(picture.surface.get());
  return picture;
}

// The face filled as the canvas fills it: the blended colours as the source, cut to the
// outline.
Picture with_blend(const ScreenFace& face) {
  PixelBox box;
  const Picture colours = blended(face, box);
  cairo_surface_t* source = colours.surface.get();
  Picture picture;
  cairo_t* cr = cairo_create(picture.surface.get());
  outline(cr, face);
  cairo_set_source_surface(cr, source, 0, 0);
  cairo_fill(cr);
  cairo_destroy(cr);
  cairo_surface_flush(picture.surface.get());
  return picture;
}

struct Difference {
  double mean = 0.0;          // levels per channel, over the whole picture
  double share_within = 0.0;  // of the pixels the face covers fully, those within 3 levels
};

Difference compare(const Picture& a, const Picture& b, const ScreenFace& face) {
  // Which pixels the face covers fully: an opaque fill of its outline at 255.
  const Picture cover = coverage(face);
  Difference difference;
  double total = 0.0;
  int inside = 0, within = 0;
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      int most = 0;
      for (int shift = 0; shift < 32; shift += 8) {
        const int d =
            std::abs(static_cast<int>((a.at(x, y) >> shift) & 255) - static_cast<int>((b.at(x, y) >> shift) & 255));
        total += d;
        most = std::max(most, d);
      }
      if ((cover.at(x, y) >> 24) == 255) ++inside, within += most <= 3;
    }
  }
  difference.mean = total / (4.0 * kWidth * kHeight);
  difference.share_within = inside > 0 ? static_cast<double>(within) / inside : 1.0;
  return difference;
}

}  // namespace

TEST_SUITE("corner blend") {
  TEST_CASE("faces come out as cairo's mesh gradients draw them") {
    const Colour red{1, 0, 0}, green{0, 1, 0}, blue{0, 0, 1}, white{1, 1, 1}, dark{0.1, 0.1, 0.2};
    const std::vector<ScreenFace> faces = {
        face_of({20, 10, 300, 40, 150, 190}, {red, green, blue}, {1, 1, 1}),
        face_of({300, 190, 10, 150, 160, 5}, {white, dark, red}, {0.9, 0.3, 1}),  // turning the other way
        face_of({5, 100, 315, 96, 200, 104}, {blue, white, green}, {1, 1, 1}),    // a sliver
        face_of({30, 20, 290, 40, 250, 180, 60, 170}, {red, green, blue, white}, {1, 1, 1, 1}),  // seen in perspective
        face_of({40, 30, 240, 30, 280, 170, 80, 170}, {dark, white, red, blue}, {1, 0.5, 1, 0.2}),  // a parallelogram
        face_of({10, 10, 310, 10, 200, 80, 120, 80}, {green, red, white, dark},
                {1, 1, 1, 1}),  // a trapezoid, far side short
    };
    for (const ScreenFace& face : faces) {
      CAPTURE(face.xy[0]);
      CAPTURE(face.corners);
      const Difference d = compare(with_cairo_mesh(face), with_blend(face), face);
      // Cairo colours a pixel with whichever point of its patch it stepped on last, not the
      // pixel's centre: where the blend changes by tens of levels per pixel (the sliver) it
      // is that far off; elsewhere the two agree within a few levels.
      CHECK(d.mean < 0.15);
      if (&face != &faces[2]) CHECK(d.share_within > 0.99);
    }
  }

  TEST_CASE("a quad's blend is the bilinear one at every pixel centre") {
    // The reference finds each centre's (u, v) by Newton's method on the forward map
    // p(u, v) = (1-u)(1-v) q0 + u(1-v) q1 + u v q2 + (1-u) v q3.
    const std::vector<ScreenFace> quads = {
        face_of({30, 20, 290, 40, 250, 180, 60, 170}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}}, {1, 1, 1, 1}),
        face_of({10, 10, 310, 10, 200, 80, 120, 80}, {{0, 1, 0}, {1, 0, 0}, {1, 1, 1}, {0.1, 0.1, 0.2}},
                {1, 0.4, 1, 0.7}),
        face_of({300, 190, 20, 180, 40, 15, 250, 60}, {{0, 0, 1}, {1, 1, 0}, {0, 1, 1}, {1, 0, 1}}, {1, 1, 1, 1}),
    };
    for (const ScreenFace& face : quads) {
      CAPTURE(face.xy[0]);
      PixelBox box;
      const Picture colours = blended(face, box);
      const Picture cover = coverage(face);
      const auto& q = face.xy;
      int checked = 0, most = 0;
      for (int y = 0; y < kHeight; ++y) {
        for (int x = 0; x < kWidth; ++x) {
          if ((cover.at(x, y) >> 24) != 255) continue;
          double u = 0.5, v = 0.5;
          for (int step = 0; step < 30; ++step) {
            const double px = (1 - u) * (1 - v) * q[0] + u * (1 - v) * q[2] + u * v * q[4] + (1 - u) * v * q[6];
            const double py = (1 - u) * (1 - v) * q[1] + u * (1 - v) * q[3] + u * v * q[5] + (1 - u) * v * q[7];
            const double xu = (1 - v) * (q[2] - q[0]) + v * (q[4] - q[6]),
                         yu = (1 - v) * (q[3] - q[1]) + v * (q[5] - q[7]);
            const double xv = (1 - u) * (q[6] - q[0]) + u * (q[4] - q[2]),
                         yv = (1 - u) * (q[7] - q[1]) + u * (q[5] - q[3]);
            const double det = xu * yv - xv * yu, rx = x + 0.5 - px, ry = y + 0.5 - py;
            u += (rx * yv - ry * xv) / det;
            v += (xu * ry - yu * rx) / det;
          }
          const double w[4] = {(1 - u) * (1 - v), u * (1 - v), u * v, (1 - u) * v};
          double r = 0, g = 0, b = 0, a = 0;
          for (std::size_t k = 0; k < 4; ++k) {
            r += w[k] * face.corner_colours[k].r, g += w[k] * face.corner_colours[k].g;
            b += w[k] * face.corner_colours[k].b, a += w[k] * face.corner_alpha[k];
          }
          const std::uint32_t got = colours.at(x, y);
          const long want[4] = {std::lround(b * a * 255), std::lround(g * a * 255), std::lround(r * a * 255),
                                std::lround(a * 255)};
          for (int c = 0; c < 4; ++c)
            most = std::max(most, static_cast<int>(std::labs(static_cast<long>((got >> (8 * c)) & 255) - want[c])));
          ++checked;
        }
      }
      CHECK(checked > 5000);
      // Between the exact knots every few pixels the blend is drawn linearly: within a level.
      CHECK(most <= 1);
    }
  }

  TEST_CASE("only the pixels the face can touch are written, and all of those are") {
    const ScreenFace face = face_of({30.3, 20.7, 290.2, 44.9, 250.5, 180.1, 60.8, 170.4},
                                    {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}}, {1, 1, 1, 1});
    PixelBox box;
    const Picture colours = blended(face, box);
    CHECK(box.x0 <= 30);
    CHECK(box.y0 <= 20);
    CHECK(box.x1 >= 291);
    CHECK(box.y1 >= 181);
    const Picture cover = coverage(face);
    int written = 0, covered_unwritten = 0, outside_box = 0;
    for (int y = 0; y < kHeight; ++y) {
      for (int x = 0; x < kWidth; ++x) {
        const bool was_written = colours.at(x, y) != kUntouched;
        written += was_written;
        if ((cover.at(x, y) >> 24) > 0 && !was_written) ++covered_unwritten;
        if (was_written && (x < box.x0 || x >= box.x1 || y < box.y0 || y >= box.y1)) ++outside_box;
      }
    }
    CHECK(covered_unwritten == 0);
    CHECK(outside_box == 0);
    // Rows are cut to the face, not to its box: well under the box's pixels are written.
    CHECK(written < (box.x1 - box.x0) * (box.y1 - box.y0) * 9 / 10);
  }

  TEST_CASE("a face far larger than the picture is blended only inside it, exactly") {
    // Corners millions of pixels away, as an object just in front of the camera gives.
    const ScreenFace face = face_of({-4e6, -3e6, 5e6, -2e6, 1e5, 6e6}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, {1, 1, 1});
    PixelBox box;
    const Picture colours = blended(face, box);
    CHECK(box.x0 == 0);
    CHECK(box.y0 == 0);
    CHECK(box.x1 == kWidth);
    CHECK(box.y1 == kHeight);
    // Barycentric weights of the picture's middle pixel centre, worked out independently.
    const double px = 160.5, py = 100.5;
    const double x0 = -4e6, y0 = -3e6, x1 = 5e6, y1 = -2e6, x2 = 1e5, y2 = 6e6;
    const double area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
    const double w1 = ((px - x0) * (y2 - y0) - (x2 - x0) * (py - y0)) / area;
    const double w2 = ((x1 - x0) * (py - y0) - (px - x0) * (y1 - y0)) / area;
    const double w0 = 1.0 - w1 - w2;
    const std::uint32_t pixel = colours.at(160, 100);
    CHECK((pixel >> 24) == 255);
    CHECK(std::abs(static_cast<int>((pixel >> 16) & 255) - static_cast<int>(std::lround(w0 * 255))) <= 1);
    CHECK(std::abs(static_cast<int>((pixel >> 8) & 255) - static_cast<int>(std::lround(w1 * 255))) <= 1);
    CHECK(std::abs(static_cast<int>(pixel & 255) - static_cast<int>(std::lround(w2 * 255))) <= 1);
  }

  TEST_CASE("a face that misses the picture or has no number for a corner writes nothing") {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    for (const ScreenFace& face :
         {face_of({-50, -50, -10, -40, -30, -5}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, {1, 1, 1}),
          face_of({10, 10, nan, 40, 150, 190}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, {1, 1, 1}),
          face_of({10, 10, 90, 40, 150, inf, 20, 30}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}}, {1, 1, 1, 1})}) {
      PixelBox box;
      const Picture colours = blended(face, box);
      CHECK(box.x0 >= box.x1);
      int touched = 0;
      for (int y = 0; y < kHeight; ++y) {
        for (int x = 0; x < kWidth; ++x) touched += colours.at(x, y) != kUntouched;
      }
      CHECK(touched == 0);
    }
  }
}
