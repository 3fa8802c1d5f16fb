// Scene stage: the classic look. One pyramid per stem whose apex rises with the stem's
// loudness, mirrored below the floor, the whole layout slowly turning in front of a
// perspective camera; flat-shaded, antialiased, drawn with Cairo in painter's order.
#pragma once

#include <stemviz/analysis.hpp>
#include <stemviz/timeline.hpp>

#include <cairo.h>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

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

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

struct Colour {
  double r = 0, g = 0, b = 0;  // each 0..1, sRGB
};

// Stem `stem`'s colour among `stem_count`: evenly spaced hues starting at blue, so
// neighbouring stems are easy to tell apart. Plots use the same colours as the video.
Colour stem_colour(int stem, int stem_count);

// A triangle as it will be drawn: pixel coordinates, shaded colour, opacity.
struct ScreenFace {
  std::array<double, 6> xy{};  // x0 y0 x1 y1 x2 y2 in pixels, y down
  Colour colour;
  double alpha = 1.0;
  double depth = 0.0;          // distance along the view direction, for painter's order
  int stem = 0;
  bool mirror = false;         // part of a stem's mirror image below the floor
};

// A rectangle of pixels, [x0, x1) x [y0, y1); empty when x0 >= x1 or y0 >= y1.
struct PixelBox {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

struct SceneFrame {
  double seconds = 0.0;        // animation time of the frame
  const float* loudness = nullptr;  // per stem, 0..1
};

class ClassicScene {
 public:
  // Lays out `stem_count` (1..32) stems for a `width` x `height` picture.
  ClassicScene(int stem_count, int width, int height);

  int width() const { return width_; }
  int height() const { return height_; }
  int stem_count() const { return static_cast<int>(positions_.size()); }
  const Colour& stem_colour(int stem) const { return colours_[static_cast<std::size_t>(stem)]; }

  // The visible faces of one frame in drawing order (back to front) into `faces`, which is
  // cleared first; reuse it across frames to keep allocations out of the frame loop.
  void build_faces(const SceneFrame& frame, std::vector<ScreenFace>& faces) const;
  // Paints the background into `cr`, covering the whole picture.
  void draw_background(cairo_t* cr) const;
  // Draws `faces` (from build_faces) over whatever `cr` holds.
  void draw_faces(cairo_t* cr, const std::vector<ScreenFace>& faces) const;
  // The pixels draw_faces may touch for `faces`, clipped to the picture.
  PixelBox covered_box(const std::vector<ScreenFace>& faces) const;

 private:
  struct Camera {
    Vec3 position, right, up, forward;
    double focal_px = 1.0;  // pixels per unit of x/z at the image plane
  };
  struct Projected {
    double x, y, depth;
  };
  Projected project(const Vec3& p) const;
  Camera place_camera(double max_height) const;
  void add_pyramid(int stem, double height, double angle, bool mirror,
                   std::vector<ScreenFace>& faces) const;

  int width_;
  int height_;
  std::vector<Vec3> positions_;  // base centre of each stem's pyramid, before turning
  std::vector<Colour> colours_;
  Camera camera_;
  double line_width_px_;
};

// One worker's drawing surface: renders whole frames of the scene, reusing its buffers.
class FrameCanvas {
 public:
  explicit FrameCanvas(const ClassicScene& scene);

  // Draws frame `frame` of the song; the pixels stay valid until the next call.
  void render(const FeatureTrack& features, const Timeline& timeline, std::int64_t frame);
  // Premultiplied ARGB32 in native byte order (B, G, R, A on little-endian machines).
  const std::uint8_t* pixels() const { return pixels_; }
  int stride() const { return stride_; }

 private:
  const ClassicScene* scene_;
  CairoSurfacePtr surface_;
  CairoPtr cr_;
  std::vector<std::uint8_t> background_;
  PixelBox dirty_;  // where the last frame drew over the background
  std::vector<ScreenFace> faces_;
  std::vector<float> loudness_;
  std::uint8_t* pixels_ = nullptr;
  int stride_ = 0;
};

}  // namespace stemviz
