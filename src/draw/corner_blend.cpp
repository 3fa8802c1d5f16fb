#include <stemviz/draw/corner_blend.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

namespace stemviz {

namespace {

struct Point {
  double x, y;
};

Point operator-(Point a, Point b) { return {a.x - b.x, a.y - b.y}; }
double cross(Point a, Point b) { return a.x * b.y - a.y * b.x; }

// Colour channels red, green, blue, alpha, each 0..1, not premultiplied.
using Rgba = std::array<double, 4>;

// One pixel: clamped to 0..1 (the blend runs on past the face's edges into the antialiased
// rim), premultiplied and rounded to 8 bits as cairo does.
inline std::uint32_t premultiplied(float r, float g, float b, float a) {
  const auto unit = [](float v) { return std::min(1.0f, std::max(0.0f, v)); };
  const float alpha = unit(a) * 255.0f;
  const auto level = [&](float v) {
    return static_cast<std::uint32_t>(static_cast<std::int32_t>(unit(v) * alpha + 0.5f));
  };
  return static_cast<std::uint32_t>(static_cast<std::int32_t>(alpha + 0.5f)) << 24 | level(r) << 16 | level(g) << 8 |
         level(b);
}

// A run of `n` pixels whose colour changes linearly: `start` at the first, plus `step` per
// pixel. The colour at each pixel is computed afresh rather than summed step by step, so
// that the compiler can do several pixels at once (see src/draw/CMakeLists.txt for the flag that
// lets it); in single precision the error stays far below one level.
void fill_linear(std::uint32_t* out, int n, const std::array<float, 4>& start, const std::array<float, 4>& step) {
  const float r = start[0], g = start[1], b = start[2], a = start[3];
  const float dr = step[0], dg = step[1], db = step[2], da = step[3];
  for (int i = 0; i < n; ++i) {
    const auto t = static_cast<float>(i);
    out[i] = premultiplied(r + t * dr, g + t * dg, b + t * db, a + t * da);
  }
}

// The x range of the face within the band of pixel rows [top, bottom]: the extreme points
// of a polygon cut by a band lie on its edges, so clipping each edge to the band finds
// them. False when the face misses the band.
bool span_in_band(const std::array<Point, 4>& corners, int count, double top, double bottom, double& left,
                  double& right) {
  left = std::numeric_limits<double>::infinity();
  right = -left;
  for (int k = 0; k < count; ++k) {
    Point a = corners[static_cast<std::size_t>(k)];
    Point b = corners[static_cast<std::size_t>((k + 1) % count)];
    if (a.y > b.y) std::swap(a, b);
    if (b.y < top || a.y > bottom) continue;
    const double rise = b.y - a.y;
    const auto x_at = [&](double y) { return rise > 0.0 ? a.x + (b.x - a.x) * ((y - a.y) / rise) : a.x; };
    const double x0 = rise > 0.0 ? x_at(std::max(a.y, top)) : a.x;
    const double x1 = rise > 0.0 ? x_at(std::min(b.y, bottom)) : b.x;
    left = std::min({left, x0, x1});
    right = std::max({right, x0, x1});
  }
  return left <= right;
}

double clamped01(double v) { return std::min(1.0, std::max(0.0, v)); }  // NaN becomes 0

// A quad's blend, a row of pixels at a time. The bilinear coordinates (u, v) of a point p
// solve p = q0 + u e + v f + u v g; eliminating u leaves k2 v^2 + k1 v + k0 = 0, whose k1
// and k0 change linearly along a row. Of its two roots (one when the quad is a
// parallelogram, k2 = 0) the one inside the quad is taken, at the antialiased rim the one
// nearest to it.
class QuadBlend {
 public:
  QuadBlend(const std::array<Point, 4>& q, const std::array<Rgba, 4>& colours)
      : q0_(q[0]),
        e_(q[1] - q[0]),
        f_(q[3] - q[0]),
        g_{q[0].x - q[1].x + q[2].x - q[3].x, q[0].y - q[1].y + q[2].y - q[3].y},
        k2_(cross(g_, f_)),
        colours_(colours) {}

  // Pixels x0 .. x0 + n - 1 of the row whose centres lie at height `y`. The exact blend is
  // taken every kKnotSpacing pixels and drawn linearly between: along a row it curves so
  // gently that the difference stays within a level (tests/unit/test_corner_blend.cpp), for
  // a ninth of the cost.
  void row(double y, int x0, int n, std::uint32_t* out) const {
    std::array<float, 4> from = at({x0 + 0.5, y});
    for (int i = 0; i < n;) {
      const int run = std::min(kKnotSpacing, n - 1 - i);
      if (run == 0) {
        fill_linear(out + i, 1, from, {});
        break;
      }
      const std::array<float, 4> to = at({x0 + i + run + 0.5, y});
      std::array<float, 4> step;
      for (std::size_t k = 0; k < 4; ++k) step[k] = (to[k] - from[k]) / static_cast<float>(run);
      fill_linear(out + i, run, from, step);
      from = to;
      i += run;
    }
  }

 private:
  // Takes root v (and its u) when it lies nearer to the unit square than the best so far;
  // a root that is not a number is never taken.
  void nearer(Point h, double v, double& u_best, double& v_best, double& distance) const {
    // h - f v = u (e + g v): u by projection onto e + g v, exact at the root.
    const Point along = {e_.x + g_.x * v, e_.y + g_.y * v};
    const Point rest = {h.x - f_.x * v, h.y - f_.y * v};
    const double u = (rest.x * along.x + rest.y * along.y) / (along.x * along.x + along.y * along.y);
    const double away = std::max(0.0, std::max(-u, u - 1.0)) + std::max(0.0, std::max(-v, v - 1.0));
    const bool take = away < distance && u == u && v == v;
    u_best = take ? u : u_best;
    v_best = take ? v : v_best;
    distance = take ? away : distance;
  }

  static constexpr int kKnotSpacing = 16;

  // The blend at point p.
  std::array<float, 4> at(Point p) const {
    const Point h = p - q0_;
    const double k1 = cross(e_, f_) + cross(h, g_), k0 = cross(h, e_);
    const double root = std::sqrt(std::max(0.0, k1 * k1 - 4.0 * k0 * k2_));
    const double q = -0.5 * (k1 + std::copysign(root, k1));
    double u = 0.0, v = 0.0, distance = std::numeric_limits<double>::infinity();
    nearer(h, k0 / q, u, v, distance);
    nearer(h, q / k2_, u, v, distance);
    // Not clamped to the quad: a knot just past its edge (at the antialiased rim) must carry
    // on the blend of the pixels inside, which are drawn from it. Far off it is held, for
    // quads that are all but flat.
    u = std::clamp(u, -0.5, 1.5), v = std::clamp(v, -0.5, 1.5);
    const double w0 = (1.0 - u) * (1.0 - v), w1 = u * (1.0 - v), w2 = u * v, w3 = (1.0 - u) * v;
    std::array<float, 4> colour;
    for (std::size_t k = 0; k < 4; ++k) {
      colour[k] =
          static_cast<float>(w0 * colours_[0][k] + w1 * colours_[1][k] + w2 * colours_[2][k] + w3 * colours_[3][k]);
    }
    return colour;
  }

  Point q0_, e_, f_, g_;
  double k2_;
  const std::array<Rgba, 4>& colours_;
};

}  // namespace

PixelBox blend_corner_colours(const ScreenFace& face, std::uint8_t* image, int stride, int width, int height) {
  const int count = face.corners == 3 ? 3 : 4;
  std::array<Point, 4> corners{};
  std::array<Rgba, 4> colours{};
  double top = std::numeric_limits<double>::infinity(), bottom = -top;
  for (int k = 0; k < count; ++k) {
    const auto at = static_cast<std::size_t>(k);
    corners[at] = {face.xy[2 * at], face.xy[2 * at + 1]};
    const Colour& c = face.corner_colours[at];
    colours[at] = {clamped01(c.r), clamped01(c.g), clamped01(c.b), clamped01(face.corner_alpha[at])};
    if (!std::isfinite(corners[at].x) || !std::isfinite(corners[at].y)) return {};
    top = std::min(top, corners[at].y);
    bottom = std::max(bottom, corners[at].y);
  }

  // A triangle's blend is linear in x and y: its gradient from the corners.
  Rgba ddx{}, ddy{};
  if (count == 3) {
    const Point e1 = corners[1] - corners[0], e2 = corners[2] - corners[0];
    const double area = cross(e1, e2);
    for (std::size_t c = 0; c < 4; ++c) {
      const double d1 = colours[1][c] - colours[0][c], d2 = colours[2][c] - colours[0][c];
      // A face with no area covers no pixel centre; its rim shows the first corner's colour.
      ddx[c] = area != 0.0 ? (d1 * e2.y - d2 * e1.y) / area : 0.0;
      ddy[c] = area != 0.0 ? (d2 * e1.x - d1 * e2.x) / area : 0.0;
    }
  }

  std::optional<QuadBlend> quad;
  if (count == 4) quad.emplace(corners, colours);

  // Antialiasing covers a pixel only where the face overlaps its square. Cairo rounds the
  // corners to 1/256 pixel, which moves every point of a convex face by as little: bands
  // and spans grow by a little more, so that no pixel of the rounded face is missed.
  constexpr double kSlack = 1.0 / 128.0;
  const int y0 = static_cast<int>(std::clamp(std::floor(top - kSlack), 0.0, static_cast<double>(height)));
  const int y1 = static_cast<int>(std::clamp(std::ceil(bottom + kSlack) + 1.0, 0.0, static_cast<double>(height)));
  PixelBox written{width, height, 0, 0};
  for (int y = y0; y < y1; ++y) {
    double left = 0.0, right = 0.0;
    if (!span_in_band(corners, count, y - kSlack, y + 1.0 + kSlack, left, right)) continue;
    const int x0 = static_cast<int>(std::clamp(std::floor(left - kSlack), 0.0, static_cast<double>(width)));
    const int x1 = static_cast<int>(std::clamp(std::ceil(right + kSlack) + 1.0, 0.0, static_cast<double>(width)));
    if (x0 >= x1) continue;
    written = {std::min(written.x0, x0), std::min(written.y0, y), std::max(written.x1, x1),
               std::max(written.y1, y + 1)};
    auto* row = reinterpret_cast<std::uint32_t*>(image + static_cast<std::ptrdiff_t>(y) * stride);
    // Colours are taken at pixel centres, as cairo samples its sources.
    const Point centre = {x0 + 0.5, y + 0.5};
    if (count == 3) {
      std::array<float, 4> start{}, step{};
      for (std::size_t k = 0; k < 4; ++k) {
        start[k] =
            static_cast<float>(colours[0][k] + ddx[k] * (centre.x - corners[0].x) + ddy[k] * (centre.y - corners[0].y));
        step[k] = static_cast<float>(ddx[k]);
      }
      fill_linear(row + x0, x1 - x0, start, step);
    } else {
      quad->row(centre.y, x0, x1 - x0, row + x0);
    }
  }
  if (written.x0 >= written.x1) return {};
  return written;
}

}  // namespace stemviz
