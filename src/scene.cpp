#include <stemviz/scene.hpp>

#include <stemviz/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

namespace stemviz {

namespace {

// Scene constants, in world units: one layout cell is 1 x 1.
constexpr double kBaseHalf = 0.34;         // half the side of a pyramid's square base
constexpr double kMinHeight = 0.10;        // apex height of a silent stem
constexpr double kHeightRange = 1.20;      // added apex height at full loudness
constexpr int kMaxColumns = 8;             // more stems than this wrap into rows
constexpr double kTurnDegPerSecond = 9.0;  // the layout turns once every 40 s
constexpr double kStartAngleDeg = 18.0;    // so the first frame is not seen exactly edge-on
constexpr double kElevationDeg = 13.0;     // camera above the floor
constexpr double kVerticalFovDeg = 32.0;
constexpr double kMirrorAlpha = 0.32;      // mirror images read as a reflection in the floor

Vec3 operator-(const Vec3& a, const Vec3& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
Vec3 operator+(const Vec3& a, const Vec3& b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
Vec3 operator*(const Vec3& a, double s) { return {a.x * s, a.y * s, a.z * s}; }
double dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
Vec3 normalize(const Vec3& v) { return v * (1.0 / std::sqrt(dot(v, v))); }

Vec3 rotate_y(const Vec3& p, double cos_a, double sin_a) {
  return {p.x * cos_a + p.z * sin_a, p.y, -p.x * sin_a + p.z * cos_a};
}

double radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

}  // namespace

Colour stem_colour(int stem, int stem_count) {
  const double hue = std::fmod(205.0 + 360.0 * stem / stem_count, 360.0) / 60.0;
  const double saturation = 0.68, value = 0.96;
  const double chroma = value * saturation;
  const double x = chroma * (1.0 - std::abs(std::fmod(hue, 2.0) - 1.0));
  const double m = value - chroma;
  const int sector = static_cast<int>(hue) % 6;
  const std::array<Colour, 6> sectors = {Colour{chroma, x, 0}, {x, chroma, 0}, {0, chroma, x},
                                         {0, x, chroma},       {x, 0, chroma}, {chroma, 0, x}};
  const Colour c = sectors[static_cast<std::size_t>(sector)];
  return {c.r + m, c.g + m, c.b + m};
}

CairoSurfacePtr make_image_surface(int width, int height) {
  CairoSurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    throw Failure(fmt::format("cannot create a {}x{} drawing surface: {}", width, height,
                              cairo_status_to_string(cairo_surface_status(surface.get()))));
  }
  return surface;
}

ClassicScene::ClassicScene(int stem_count, int width, int height)
    : width_(width), height_(height), line_width_px_(std::max(1.0, height / 720.0)) {
  // Up to kMaxColumns stems stand in one row; more fill balanced rows front to back.
  const int rows = (stem_count + kMaxColumns - 1) / kMaxColumns;
  const int columns = (stem_count + rows - 1) / rows;
  for (int stem = 0; stem < stem_count; ++stem) {
    const int row = stem / columns;
    const int in_row = std::min(columns, stem_count - row * columns);
    const double x = (stem % columns) - (in_row - 1) / 2.0;
    const double z = row - (rows - 1) / 2.0;
    positions_.push_back({x, 0.0, z});
    colours_.push_back(stemviz::stem_colour(stem, stem_count));
  }
  camera_ = place_camera(kMinHeight + kHeightRange);
}

ClassicScene::Camera ClassicScene::place_camera(double max_height) const {
  // Frame the layout at every angle it turns through, with every stem at full loudness and
  // its mirror image at full depth: then nothing ever leaves the picture, and the camera
  // comes as close as that allows.
  const double elevation = radians(kElevationDeg);
  const Vec3 direction{0.0, std::sin(elevation), std::cos(elevation)};
  const double focal = (height_ / 2.0) / std::tan(radians(kVerticalFovDeg) / 2.0);
  const auto make = [&](double distance) {
    Camera camera;
    camera.position = direction * distance;
    camera.forward = normalize(Vec3{} - camera.position);
    camera.right = normalize(cross(camera.forward, Vec3{0, 1, 0}));
    camera.up = cross(camera.right, camera.forward);
    camera.focal_px = focal;
    return camera;
  };
  std::vector<Vec3> extremes;  // corners and apexes of the unturned layout
  for (const Vec3& centre : positions_) {
    for (const double dx : {-kBaseHalf, kBaseHalf}) {
      for (const double dz : {-kBaseHalf, kBaseHalf}) extremes.push_back(centre + Vec3{dx, 0, dz});
    }
    extremes.push_back(centre + Vec3{0, max_height, 0});
    extremes.push_back(centre + Vec3{0, -max_height, 0});
  }
  const auto fits = [&](const Camera& camera) {
    for (int step = 0; step < 180; ++step) {
      const double a = radians(step * 2.0);
      const double cos_a = std::cos(a), sin_a = std::sin(a);
      for (const Vec3& corner : extremes) {
        const Vec3 v = rotate_y(corner, cos_a, sin_a) - camera.position;
        const double depth = dot(v, camera.forward);
        if (depth <= 0.1) return false;
        if (std::abs(dot(v, camera.right) / depth * focal) > 0.90 * width_ / 2.0) return false;
        if (std::abs(dot(v, camera.up) / depth * focal) > 0.88 * height_ / 2.0) return false;
      }
    }
    return true;
  };
  double near = 0.5, far = 1000.0;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (near + far);
    (fits(make(mid)) ? far : near) = mid;
  }
  return make(far);
}

ClassicScene::Projected ClassicScene::project(const Vec3& p) const {
  const Vec3 v = p - camera_.position;
  const double depth = dot(v, camera_.forward);
  return {width_ / 2.0 + dot(v, camera_.right) / depth * camera_.focal_px,
          height_ / 2.0 - dot(v, camera_.up) / depth * camera_.focal_px, depth};
}

void ClassicScene::add_pyramid(int stem, double height, double angle, bool mirror,
                               std::vector<ScreenFace>& faces) const {
  static const Vec3 light = normalize(Vec3{-0.45, 0.8, 0.55});
  const double cos_a = std::cos(angle), sin_a = std::sin(angle);
  const Vec3 centre = rotate_y(positions_[static_cast<std::size_t>(stem)], cos_a, sin_a);
  const Vec3 apex = centre + Vec3{0.0, mirror ? -height : height, 0.0};
  const std::array<Vec3, 4> corners = {
      centre + rotate_y({-kBaseHalf, 0, -kBaseHalf}, cos_a, sin_a),
      centre + rotate_y({kBaseHalf, 0, -kBaseHalf}, cos_a, sin_a),
      centre + rotate_y({kBaseHalf, 0, kBaseHalf}, cos_a, sin_a),
      centre + rotate_y({-kBaseHalf, 0, kBaseHalf}, cos_a, sin_a)};
  const Colour& base = colours_[static_cast<std::size_t>(stem)];
  const Vec3 inside = centre + Vec3{0.0, (mirror ? -height : height) / 4.0, 0.0};
  for (std::size_t i = 0; i < corners.size(); ++i) {
    const Vec3& a = corners[i];
    const Vec3& b = corners[(i + 1) % corners.size()];
    Vec3 normal = normalize(cross(b - a, apex - a));
    const Vec3 middle = (a + b + apex) * (1.0 / 3.0);
    if (dot(normal, middle - inside) < 0.0) normal = normal * -1.0;
    // Back faces are hidden by the front ones of a closed pyramid: skipping them halves
    // the drawing work.
    if (dot(normal, camera_.position - middle) <= 0.0) continue;
    const double shade = 0.30 + 0.70 * std::max(0.0, dot(normal, light));
    ScreenFace face;
    const Projected pa = project(a), pb = project(b), pc = project(apex);
    face.xy = {pa.x, pa.y, pb.x, pb.y, pc.x, pc.y};
    face.colour = {base.r * shade, base.g * shade, base.b * shade};
    face.alpha = mirror ? kMirrorAlpha : 1.0;
    face.depth = project(middle).depth;
    face.stem = stem;
    face.mirror = mirror;
    faces.push_back(face);
  }
}

void ClassicScene::build_faces(const SceneFrame& frame, std::vector<ScreenFace>& faces) const {
  faces.clear();
  const double angle = radians(kStartAngleDeg + kTurnDegPerSecond * frame.seconds);
  for (int stem = 0; stem < stem_count(); ++stem) {
    const double loudness = std::clamp(static_cast<double>(frame.loudness[stem]), 0.0, 1.0);
    const double height = kMinHeight + kHeightRange * loudness;
    add_pyramid(stem, height, angle, true, faces);
    add_pyramid(stem, height, angle, false, faces);
  }
  // Painter's order: the reflection lies under the floor, so it goes first; within each
  // layer the farthest face first. Ties break on stem so the order is fully determined.
  std::sort(faces.begin(), faces.end(), [](const ScreenFace& a, const ScreenFace& b) {
    if (a.mirror != b.mirror) return a.mirror;
    if (a.depth != b.depth) return a.depth > b.depth;
    return a.stem < b.stem;
  });
}

void ClassicScene::draw_background(cairo_t* cr) const {
  // A dark vertical gradient with a faint band of light at the floor line.
  const double floor_y = project({0, 0, 0}).y / height_;
  auto gradient = std::unique_ptr<cairo_pattern_t, decltype(&cairo_pattern_destroy)>(
      cairo_pattern_create_linear(0, 0, 0, height_), cairo_pattern_destroy);
  cairo_pattern_add_color_stop_rgb(gradient.get(), 0.0, 0.055, 0.066, 0.105);
  cairo_pattern_add_color_stop_rgb(gradient.get(), std::clamp(floor_y, 0.0, 1.0), 0.095, 0.11, 0.16);
  cairo_pattern_add_color_stop_rgb(gradient.get(), 1.0, 0.02, 0.024, 0.04);
  cairo_set_source(cr, gradient.get());
  cairo_paint(cr);
}

PixelBox ClassicScene::covered_box(const std::vector<ScreenFace>& faces) const {
  if (faces.empty()) return {};
  double x0 = width_, y0 = height_, x1 = 0, y1 = 0;
  for (const ScreenFace& face : faces) {
    for (std::size_t i = 0; i < face.xy.size(); i += 2) {
      x0 = std::min(x0, face.xy[i]);
      x1 = std::max(x1, face.xy[i]);
      y0 = std::min(y0, face.xy[i + 1]);
      y1 = std::max(y1, face.xy[i + 1]);
    }
  }
  // Strokes reach half a line width past the vertices and antialiasing one more pixel.
  const double margin = line_width_px_ + 2.0;
  const auto clamp_to = [](double v, int limit) {
    return static_cast<int>(std::clamp(v, 0.0, static_cast<double>(limit)));
  };
  return {clamp_to(std::floor(x0 - margin), width_), clamp_to(std::floor(y0 - margin), height_),
          clamp_to(std::ceil(x1 + margin), width_), clamp_to(std::ceil(y1 + margin), height_)};
}

void ClassicScene::draw_faces(cairo_t* cr, const std::vector<ScreenFace>& faces) const {
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_width(cr, line_width_px_);
  for (const ScreenFace& face : faces) {
    cairo_move_to(cr, face.xy[0], face.xy[1]);
    cairo_line_to(cr, face.xy[2], face.xy[3]);
    cairo_line_to(cr, face.xy[4], face.xy[5]);
    cairo_close_path(cr);
    cairo_set_source_rgba(cr, face.colour.r, face.colour.g, face.colour.b, face.alpha);
    if (face.mirror) {
      cairo_fill(cr);
      continue;
    }
    // A thin lighter edge outlines each face and hides the antialiasing seam between
    // neighbouring faces.
    cairo_fill_preserve(cr);
    const Colour& c = face.colour;
    cairo_set_source_rgb(cr, std::min(1.0, c.r * 1.25 + 0.06), std::min(1.0, c.g * 1.25 + 0.06),
                         std::min(1.0, c.b * 1.25 + 0.06));
    cairo_stroke(cr);
  }
}

FrameCanvas::FrameCanvas(const ClassicScene& scene)
    : scene_(&scene),
      surface_(make_image_surface(scene.width(), scene.height())),
      cr_(cairo_create(surface_.get())),
      loudness_(static_cast<std::size_t>(scene.stem_count())) {
  if (cairo_status(cr_.get()) != CAIRO_STATUS_SUCCESS) {
    throw Failure("cannot create a Cairo context: " +
                  std::string(cairo_status_to_string(cairo_status(cr_.get()))));
  }
  pixels_ = cairo_image_surface_get_data(surface_.get());
  stride_ = cairo_image_surface_get_stride(surface_.get());
  // The background never changes: paint it once and copy it in for every frame.
  scene.draw_background(cr_.get());
  cairo_surface_flush(surface_.get());
  background_.assign(pixels_, pixels_ + static_cast<std::size_t>(stride_) * scene.height());
}

void FrameCanvas::render(const FeatureTrack& features, const Timeline& timeline,
                         std::int64_t frame) {
  for (int stem = 0; stem < scene_->stem_count(); ++stem) {
    loudness_[static_cast<std::size_t>(stem)] = features.at(stem, frame).level;
  }
  scene_->build_faces({timeline.frame_time(frame), loudness_.data()}, faces_);
  cairo_surface_flush(surface_.get());
  // Only the previous frame's shapes covered the background: restore just that box, which
  // is a fraction of the picture, instead of copying the whole background every frame.
  const std::size_t row_bytes = static_cast<std::size_t>(dirty_.x1 - dirty_.x0) * 4;
  for (int y = dirty_.y0; y < dirty_.y1; ++y) {
    const std::size_t offset = static_cast<std::size_t>(y) * stride_ + dirty_.x0 * 4;
    std::memcpy(pixels_ + offset, background_.data() + offset, row_bytes);
  }
  cairo_surface_mark_dirty(surface_.get());
  scene_->draw_faces(cr_.get(), faces_);
  cairo_surface_flush(surface_.get());
  dirty_ = scene_->covered_box(faces_);
}

}  // namespace stemviz
