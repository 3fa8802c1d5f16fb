#include <stemviz/scene.hpp>

#include <stemviz/corner_blend.hpp>
#include <stemviz/error.hpp>
#include <stemviz/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <optional>

namespace stemviz {

namespace {

constexpr int kDefaultRowLength = 8;  // a row of more stems wraps into balanced rows

Vec3 operator-(const Vec3& a, const Vec3& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
Vec3 operator+(const Vec3& a, const Vec3& b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
Vec3 operator*(const Vec3& a, double s) { return {a.x * s, a.y * s, a.z * s}; }
double dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
Vec3 normalize(const Vec3& v) {
  const double length = std::sqrt(dot(v, v));
  return length > 0.0 ? v * (1.0 / length) : Vec3{0, 1, 0};
}
Vec3 rotate_y(const Vec3& p, double angle) {
  const double c = std::cos(angle), s = std::sin(angle);
  return {p.x * c + p.z * s, p.y, -p.x * s + p.z * c};
}
double radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

Colour hsv(double hue_degrees, double saturation, double value) {
  const double hue = std::fmod(std::fmod(hue_degrees, 360.0) + 360.0, 360.0) / 60.0;
  const double chroma = value * saturation;
  const double x = chroma * (1.0 - std::abs(std::fmod(hue, 2.0) - 1.0));
  const double m = value - chroma;
  const int sector = static_cast<int>(hue) % 6;
  const std::array<Colour, 6> sectors = {Colour{chroma, x, 0}, {x, chroma, 0}, {0, chroma, x},
                                         {0, x, chroma},       {x, 0, chroma}, {chroma, 0, x}};
  const Colour c = sectors[static_cast<std::size_t>(sector)];
  return {c.r + m, c.g + m, c.b + m};
}

double ease(Ease kind, double u) {
  switch (kind) {
    case Ease::linear: return u;
    case Ease::in: return u * u * u;
    case Ease::out: return 1.0 - std::pow(1.0 - u, 3.0);
    case Ease::in_out: return u < 0.5 ? 4.0 * u * u * u : 1.0 - std::pow(-2.0 * u + 2.0, 3.0) / 2.0;
    case Ease::step: return u < 1.0 ? 0.0 : 1.0;
  }
  return u;
}

// A Number made ready to evaluate: a constant, or a compiled expression.
class Value {
 public:
  Value() = default;
  Value(const Number& number, const VariableSet& variables, double* values) : constant_(number.constant) {
    if (!number.expression.empty()) {
      expression_ = compile_expression(number.expression, number.where, variables, values, number.scope);
    }
  }
  double operator()() const { return expression_ ? expression_->evaluate() : constant_; }

 private:
  double constant_ = 0.0;
  std::optional<Expression> expression_;
};

struct Camera {
  Vec3 position, right, up, forward;
  double focal_px = 1.0;  // pixels per unit of x/z at the image plane
};

struct Projected {
  double x, y, depth;
};

Projected project(const Camera& camera, const Vec3& p, int width, int height) {
  const Vec3 v = p - camera.position;
  const double depth = dot(v, camera.forward);
  return {width / 2.0 + dot(v, camera.right) / depth * camera.focal_px,
          height / 2.0 - dot(v, camera.up) / depth * camera.focal_px, depth};
}

// The corners and faces of one shape in its own frame: base centred on the origin, up +y.
struct Mesh {
  std::vector<Vec3> vertices;
  std::vector<std::array<int, 4>> faces;  // vertex indices; the 4th is -1 for a triangle
};

void build_mesh(Shape shape, double size, double height, Mesh& mesh) {
  mesh.vertices.clear();
  mesh.faces.clear();
  const auto box = [&](double half, double top) {
    for (const double y : {0.0, top}) {
      mesh.vertices.insert(mesh.vertices.end(),
                           {{-half, y, -half}, {half, y, -half}, {half, y, half}, {-half, y, half}});
    }
    mesh.faces = {{0, 1, 2, 3}, {4, 5, 6, 7}, {0, 1, 5, 4}, {1, 2, 6, 5}, {2, 3, 7, 6}, {3, 0, 4, 7}};
  };
  switch (shape) {
    case Shape::pyramid: {
      const double half = size / 2.0;
      mesh.vertices = {{-half, 0, -half}, {half, 0, -half}, {half, 0, half}, {-half, 0, half}, {0, height, 0}};
      mesh.faces = {{0, 1, 4, -1}, {1, 2, 4, -1}, {2, 3, 4, -1}, {3, 0, 4, -1}, {0, 1, 2, 3}};
      break;
    }
    case Shape::prism: {
      const double radius = size / 2.0;
      for (const double y : {0.0, height}) {
        for (int k = 0; k < 3; ++k) {
          const double a = 2.0 * std::numbers::pi * k / 3.0;
          mesh.vertices.push_back({radius * std::sin(a), y, radius * std::cos(a)});
        }
      }
      mesh.faces = {{0, 1, 2, -1}, {3, 4, 5, -1}, {0, 1, 4, 3}, {1, 2, 5, 4}, {2, 0, 3, 5}};
      break;
    }
    case Shape::cube: box(height / 2.0, height); break;
    case Shape::bar: box(size / 2.0, height); break;
  }
}

}  // namespace

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

Colour stem_colour(int stem, int stem_count) { return hsv(205.0 + 360.0 * stem / stem_count, 0.68, 0.96); }

Colour palette_colour(const std::string& palette, int stem, int stem_count) {
  const double u = stem_count > 1 ? static_cast<double>(stem) / (stem_count - 1) : 0.0;
  if (palette == "warm") return hsv(350.0 + 60.0 * u, 0.78, 0.98);
  if (palette == "cool") return hsv(165.0 + 110.0 * u, 0.62, 0.95);
  if (palette == "pastel") return hsv(205.0 + 360.0 * stem / stem_count, 0.38, 0.97);
  if (palette == "mono") return hsv(215.0, 0.18, 0.62 + 0.34 * (1.0 - u));
  return stem_colour(stem, stem_count);
}

// Evaluates a scene's expressions for one frame and builds what it shows. One per worker:
// it owns the variables' values, which the compiled expressions read.
class SceneEvaluator {
 public:
  SceneEvaluator(const SceneDescription& d, const VariableSet& variables)
      : values_(static_cast<std::size_t>(variables.size()), 0.0) {
    double* v = values_.data();
    const auto value = [&](const Number& number) { return Value(number, variables, v); };
    azimuth_ = value(d.camera.azimuth);
    elevation_ = value(d.camera.elevation);
    fov_ = value(d.camera.fov);
    orbit_ = value(d.camera.orbit);
    if (d.camera.distance) distance_ = value(*d.camera.distance);
    if (d.camera.position) {
      const auto& p = *d.camera.position;
      position_ = std::array<Value, 3>{value(p[0]), value(p[1]), value(p[2])};
    }
    for (std::size_t k = 0; k < 3; ++k) target_[k] = value(d.camera.target[k]);
    for (const CameraKey& key : d.camera.keys) {
      const auto add = [&](std::vector<Key>& track, const std::optional<Number>& number) {
        if (number) track.push_back({key.at, key.ease, value(*number)});
      };
      add(azimuth_keys_, key.azimuth);
      add(elevation_keys_, key.elevation);
      add(distance_keys_, key.distance);
      add(fov_keys_, key.fov);
    }
    ambient_ = value(d.ambient);
    for (const LightDescription& light : d.lights) {
      lights_.push_back({{value(light.direction[0]), value(light.direction[1]), value(light.direction[2])},
                         value(light.intensity),
                         light.colour});
    }
    spacing_ = value(d.layout.spacing);
    if (d.layout.radius) radius_ = value(*d.layout.radius);
    turn_ = value(d.layout.turn);
    for (const auto& position : d.layout.positions) positions_.push_back({value(position[0]), value(position[1])});
    floor_opacity_ = value(d.floor.opacity);
    floor_margin_ = value(d.floor.margin);
    size_ = value(d.object.size);
    height_ = value(d.object.height);
    rotate_y_ = value(d.object.rotate_y);
    lift_ = value(d.object.lift);
    mirror_opacity_ = value(d.object.mirror_opacity);
    edge_width_ = value(d.object.edge_width);
    label_size_ = value(d.object.label_size);
    shader_.emplace(d.shader, variables, v);
    const auto slot = [&](const char* name) { return *variables.find(name); };
    t_ = slot("t"), frame_ = slot("frame"), fps_ = slot("fps"), n_ = slot("n"), duration_ = slot("duration");
    i_ = slot("i"), level_ = slot("level"), rms_ = slot("rms"), peak_ = slot("peak"), db_ = slot("db");
    onset_ = slot("onset"), hit_ = slot("hit"), onsets_ = slot("onsets"), flux_ = slot("flux"),
    centroid_ = slot("centroid"), band0_ = slot("band0");
    nx_ = slot("nx"), lx_ = slot("lx"), vx_ = slot("vx"), ndotl_ = slot("ndotl"), ndotv_ = slot("ndotv");
    diffuse_ = slot("diffuse"), highlight_ = slot("highlight"), ambient_slot_ = slot("ambient");
    base_r_ = slot("base_r"), mirror_ = slot("mirror"), h_ = slot("h");
  }

  void set_frame(double t, double frame, double fps, int stems, double duration) {
    values_[at(t_)] = t;
    values_[at(frame_)] = frame;
    values_[at(fps_)] = fps;
    values_[at(n_)] = stems;
    values_[at(duration_)] = duration;
    // Lights depend on the frame only: evaluate them once here, not for every face.
    frame_lights_.clear();
    for (const Light& light : lights_) {
      frame_lights_.push_back({normalize({light.direction[0](), light.direction[1](), light.direction[2]()}),
                               std::max(0.0, light.intensity()), light.colour});
    }
    ambient_now_ = ambient_();
  }

  void set_stem(int stem, const StemFrameFeatures& f, double hit, double onsets) {
    values_[at(i_)] = stem;
    values_[at(hit_)] = hit;
    values_[at(onsets_)] = onsets;
    values_[at(level_)] = f.level;
    values_[at(rms_)] = f.rms;
    values_[at(peak_)] = f.peak;
    values_[at(db_)] = f.db;
    values_[at(onset_)] = f.onset;
    values_[at(flux_)] = f.flux;
    values_[at(centroid_)] = f.centroid_hz;
    for (int band = 0; band < kMaxBands; ++band) values_[at(band0_ + band)] = f.bands[static_cast<std::size_t>(band)];
  }

  // Every stem's feature set to `value`, for framing the camera around the extremes.
  void set_stem_extreme(int stem, float value) {
    StemFrameFeatures f;
    f.level = f.rms = f.peak = f.onset = f.flux = value;
    f.db = value > 0 ? 0.0f : kSilenceDb;
    f.centroid_hz = value * 20000.0f;
    f.bands.fill(value);
    set_stem(stem, f, value, value);
  }

  double time() const { return values_[at(t_)]; }

  struct CameraPose {
    double azimuth, elevation, fov;
    std::optional<double> distance;
    Vec3 target;
  };
  CameraPose camera_pose() const {
    CameraPose pose;
    pose.target = {target_[0](), target_[1](), target_[2]()};
    double azimuth = 0.0, elevation = 0.0;
    std::optional<double> distance;
    if (position_) {
      // A camera placed at a point: the same pose as seen from the target.
      const Vec3 offset = Vec3{(*position_)[0](), (*position_)[1](), (*position_)[2]()} - pose.target;
      const double length = std::max(0.01, std::sqrt(dot(offset, offset)));
      azimuth = std::atan2(offset.x, offset.z) * 180.0 / std::numbers::pi;
      elevation = std::asin(std::clamp(offset.y / length, -1.0, 1.0)) * 180.0 / std::numbers::pi;
      distance = length;
    } else {
      azimuth = azimuth_();
      elevation = elevation_();
      if (distance_) distance = (*distance_)();
    }
    pose.azimuth = keyed(azimuth_keys_, azimuth) + orbit_() * time();
    pose.elevation = std::clamp(keyed(elevation_keys_, elevation), -89.0, 89.0);
    pose.fov = std::clamp(keyed(fov_keys_, fov_()), 1.0, 170.0);
    if (distance) pose.distance = std::max(0.01, keyed(distance_keys_, *distance));
    return pose;
  }

  static Camera make_camera(const CameraPose& pose, double distance, int height) {
    const double az = radians(pose.azimuth), el = radians(pose.elevation);
    const Vec3 direction{std::cos(el) * std::sin(az), std::sin(el), std::cos(el) * std::cos(az)};
    Camera camera;
    camera.position = pose.target + direction * distance;
    camera.forward = normalize(pose.target - camera.position);
    camera.right = normalize(cross(camera.forward, Vec3{0, 1, 0}));
    camera.up = cross(camera.right, camera.forward);
    camera.focal_px = (height / 2.0) / std::tan(radians(pose.fov) / 2.0);
    return camera;
  }

  // Where each stem stands on the floor this frame, before the layout turns, and the radius
  // of the floor under them.
  void layout(const SceneDescription& d, int stems, std::vector<Vec3>& positions) const {
    positions.clear();
    const double spacing = spacing_();
    const LayoutDescription& l = d.layout;
    switch (l.kind) {
      case LayoutKind::row:
      case LayoutKind::grid: {
        int columns = l.columns;
        if (columns <= 0) {
          columns = l.kind == LayoutKind::row ? kDefaultRowLength
                                              : static_cast<int>(std::ceil(std::sqrt(static_cast<double>(stems))));
        }
        const int rows = (stems + columns - 1) / columns;
        // A row layout balances its rows (7 + 6, not 8 + 5); a grid fills rows in order.
        if (l.kind == LayoutKind::row) columns = (stems + rows - 1) / rows;
        for (int stem = 0; stem < stems; ++stem) {
          const int row = stem / columns;
          const int in_row = std::min(columns, stems - row * columns);
          positions.push_back(
              {((stem % columns) - (in_row - 1) / 2.0) * spacing, 0.0, (row - (rows - 1) / 2.0) * spacing});
        }
        break;
      }
      case LayoutKind::ring: {
        const double radius = radius_     ? (*radius_)()
                              : stems > 1 ? spacing / (2.0 * std::sin(std::numbers::pi / stems))
                                          : 0.0;
        for (int stem = 0; stem < stems; ++stem) {
          const double a = 2.0 * std::numbers::pi * stem / stems;
          positions.push_back({radius * std::sin(a), 0.0, radius * std::cos(a)});
        }
        break;
      }
      case LayoutKind::polygon: {
        const int sides = polygon_sides(d, stems);
        const double side = stems * spacing / sides;  // objects `spacing` apart along the edges
        const double radius = radius_ ? (*radius_)() : side / (2.0 * std::sin(std::numbers::pi / sides));
        const auto corner = [&](int k) {
          const double a = 2.0 * std::numbers::pi * k / sides;
          return Vec3{radius * std::sin(a), 0.0, radius * std::cos(a)};
        };
        for (int stem = 0; stem < stems; ++stem) {
          const double u = static_cast<double>(stem) * sides / stems;
          const int k = static_cast<int>(std::floor(u));
          const double f = u - k;
          positions.push_back(corner(k) * (1.0 - f) + corner(k + 1) * f);
        }
        break;
      }
      case LayoutKind::positions:
        for (int stem = 0; stem < stems; ++stem) {
          const auto& p = positions_[static_cast<std::size_t>(stem)];
          positions.push_back({p[0](), 0.0, p[1]()});
        }
        break;
    }
  }

  static int polygon_sides(const SceneDescription& d, int stems) {
    return d.layout.sides > 0 ? d.layout.sides : std::max(3, stems);
  }

  double turn() const { return radians(turn_()); }

  struct ObjectValues {
    double size, height, rotate_y, lift, mirror_opacity, edge_width, label_size;
  };
  ObjectValues object() const {
    return {std::max(0.0, size_()),
            std::max(0.0, height_()),
            radians(rotate_y_()),
            lift_(),
            std::clamp(mirror_opacity_(), 0.0, 1.0),
            std::max(0.0, edge_width_()),
            std::max(1.0, label_size_())};
  }

  double floor_opacity() const { return std::clamp(floor_opacity_(), 0.0, 1.0); }
  double floor_margin() const { return std::max(0.0, floor_margin_()); }

  // Shades one point of a face with normal `normal` seen from `camera`.
  ShaderRun::Result shade(const Vec3& normal, const Vec3& point, const Vec3& eye, const Colour& base, bool mirror,
                          double height_fraction) {
    const Vec3 view = normalize(eye - point);
    double diffuse = 0.0, highlight = 0.0;
    Colour tinted{};  // the diffuse light in each channel, lights' colours included
    Vec3 key{0, 1, 0};
    for (std::size_t k = 0; k < frame_lights_.size(); ++k) {
      const FrameLight& light = frame_lights_[k];
      if (k == 0) key = light.direction;
      const double facing = light.intensity * std::max(0.0, dot(normal, light.direction));
      diffuse += facing * (light.colour.r + light.colour.g + light.colour.b) / 3.0;
      tinted.r += facing * light.colour.r;
      tinted.g += facing * light.colour.g;
      tinted.b += facing * light.colour.b;
      highlight = std::max(highlight, std::max(0.0, dot(normal, normalize(light.direction + view))));
    }
    double* v = values_.data();
    v[nx_] = normal.x, v[nx_ + 1] = normal.y, v[nx_ + 2] = normal.z;
    v[lx_] = key.x, v[lx_ + 1] = key.y, v[lx_ + 2] = key.z;
    v[vx_] = view.x, v[vx_ + 1] = view.y, v[vx_ + 2] = view.z;
    v[ndotl_] = dot(normal, key);
    v[ndotv_] = dot(normal, view);
    v[diffuse_] = diffuse;
    v[diffuse_ + 1] = tinted.r, v[diffuse_ + 2] = tinted.g, v[diffuse_ + 3] = tinted.b;
    v[highlight_] = highlight;
    v[ambient_slot_] = ambient_now_;
    v[base_r_] = base.r, v[base_r_ + 1] = base.g, v[base_r_ + 2] = base.b;
    v[mirror_] = mirror ? 1.0 : 0.0;
    v[h_] = height_fraction;
    return shader_->run();
  }

  // Buffers the frame loop reuses, so that drawing a frame allocates nothing.
  struct Scratch {
    std::vector<Vec3> positions;  // each stem's place on the floor
    Mesh mesh;                    // the current object in its own frame
    std::vector<Vec3> world;      // its corners in the world
  } scratch;

 private:
  struct Key {
    double at;
    Ease ease;
    Value value;
  };
  struct Light {
    std::array<Value, 3> direction;
    Value intensity;
    Colour colour;
  };
  struct FrameLight {
    Vec3 direction;  // unit, towards the light
    double intensity;
    Colour colour;
  };

  static std::size_t at(int slot) { return static_cast<std::size_t>(slot); }

  // The value of a keyed camera property at the current time: held before the first and
  // after the last key, eased between keys; `base` when no key sets it.
  double keyed(const std::vector<Key>& keys, double base) const {
    if (keys.empty()) return base;
    const double t = time();
    if (t <= keys.front().at) return keys.front().value();
    for (std::size_t k = 1; k < keys.size(); ++k) {
      if (t < keys[k].at) {
        const double u = (t - keys[k - 1].at) / (keys[k].at - keys[k - 1].at);
        const double from = keys[k - 1].value(), to = keys[k].value();
        return from + (to - from) * ease(keys[k].ease, u);
      }
    }
    return keys.back().value();
  }

  std::vector<double> values_;  // never resized: compiled expressions point into it
  Value azimuth_, elevation_, fov_, orbit_;
  std::optional<Value> distance_;
  std::optional<std::array<Value, 3>> position_;
  std::array<Value, 3> target_;
  std::vector<Key> azimuth_keys_, elevation_keys_, distance_keys_, fov_keys_;
  Value ambient_;
  std::vector<Light> lights_;
  std::vector<FrameLight> frame_lights_;  // lights_ evaluated for the current frame
  double ambient_now_ = 0.0;
  Value spacing_;
  std::optional<Value> radius_;
  Value turn_;
  std::vector<std::array<Value, 2>> positions_;
  Value floor_opacity_, floor_margin_;
  Value size_, height_, rotate_y_, lift_, mirror_opacity_, edge_width_, label_size_;
  std::optional<ShaderRun> shader_;
  int t_, frame_, fps_, n_, duration_;
  int i_, level_, rms_, peak_, db_, onset_, hit_, onsets_, flux_, centroid_, band0_;
  int nx_, lx_, vx_, ndotl_, ndotv_, diffuse_, highlight_, ambient_slot_, base_r_, mirror_, h_;
};

CairoSurfacePtr make_image_surface(int width, int height) {
  CairoSurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    throw Failure(fmt::format("cannot create a {}x{} drawing surface: {}", width, height,
                              cairo_status_to_string(cairo_surface_status(surface.get()))));
  }
  return surface;
}

Scene::Scene(SceneDescription description, std::vector<std::string> stem_names, const FeatureSource& features,
             const Timeline& timeline, int width, int height)
    : Scene(std::move(description), std::move(stem_names), nullptr, &features, timeline, width, height) {}

Scene::Scene(SceneDescription description, std::vector<std::string> stem_names, const FeatureTrack& features,
             const Timeline& timeline, int width, int height)
    : Scene(std::move(description), std::move(stem_names), std::make_unique<FeatureTrackSource>(features), nullptr,
            timeline, width, height) {}

Scene::Scene(SceneDescription description, std::vector<std::string> stem_names, std::unique_ptr<FeatureSource> owned,
             const FeatureSource* features, const Timeline& timeline, int width, int height)
    : description_(std::move(description)),
      stem_names_(std::move(stem_names)),
      width_(width),
      height_(height),
      owned_features_(std::move(owned)),
      features_(owned_features_ ? owned_features_.get() : features),
      timeline_(timeline),
      variables_(scene_variables()) {
  add_shader_names(description_.shader, variables_);
  const int stems = stem_count();
  const ObjectDescription& object = description_.object;
  for (int stem = 0; stem < stems; ++stem) {
    colours_.push_back(object.colours.empty() ? palette_colour(object.palette, stem, stems)
                                              : object.colours[static_cast<std::size_t>(stem) % object.colours.size()]);
  }
  const LayoutDescription& layout = description_.layout;
  if (layout.kind == LayoutKind::positions && static_cast<int>(layout.positions.size()) < stems) {
    throw InputError(
        fmt::format("{}: 'positions' in [layout] has {} entries for {} stems; add one "
                    "[x, z] per stem or use kind = \"grid\"",
                    layout.positions_where.to_string(), layout.positions.size(), stems));
  }
  if (!description_.camera.distance && !description_.camera.position) fitted_distance_ = fit_distance();
  // `hit` and `onsets` need every earlier frame: run them over the whole song once, keeping
  // where each block starts, so a frame's value never depends on where its chunk starts.
  constexpr double kHitSeconds = 0.15;
  fade_ = std::exp(-1.0 / (timeline.fps.to_double() * kHitSeconds));
  const std::int64_t frames = features_->frame_count();
  const int known = std::min(stems, features_->stem_count());
  const std::int64_t blocks = (frames + kFeatureBlockFrames - 1) / kFeatureBlockFrames;
  block_starts_.resize(static_cast<std::size_t>(blocks) * static_cast<std::size_t>(stems));
  std::vector<OnsetState> states(static_cast<std::size_t>(stems));
  FeatureTrack block;
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t first = b * kFeatureBlockFrames;
    const std::int64_t count = std::min(kFeatureBlockFrames, frames - first);
    std::copy(states.begin(), states.end(), block_starts_.begin() + b * stems);
    features_->read(first, count, block);
    for (int stem = 0; stem < known; ++stem) {
      for (std::int64_t frame = 0; frame < count; ++frame) {
        step_onsets(states[static_cast<std::size_t>(stem)], block.at(stem, frame).onset);
      }
    }
  }
}

const OnsetState& Scene::onset_state_before_block(int stem, std::int64_t block) const {
  return block_starts_[static_cast<std::size_t>(block * stem_count() + stem)];
}

OnsetState Scene::onset_state_after(int stem, std::int64_t frame, const FeatureTrack& block) const {
  const std::int64_t first = block_start(frame);
  OnsetState state = onset_state_before_block(stem, frame / kFeatureBlockFrames);
  for (std::int64_t f = first; f <= frame; ++f) step_onsets(state, block.at(stem, f - first).onset);
  return state;
}

// Stem `stem`'s state after `frame` (within the song), reading its block for it.
OnsetState Scene::onset_state(int stem, std::int64_t frame) const {
  const std::int64_t first = block_start(frame);
  FeatureTrack block;
  features_->read(first, frame - first + 1, block);
  return onset_state_after(stem, frame, block);
}

float Scene::hit(int stem, std::int64_t frame) const {
  if (frame < 0 || frame >= features_->frame_count() || stem >= features_->stem_count()) return 0.0f;
  return onset_state(stem, frame).hit();
}

float Scene::onsets(int stem, std::int64_t frame) const {
  const std::int64_t frames = features_->frame_count();
  if (frame < 0 || stem >= features_->stem_count() || frames == 0) return 0.0f;
  return onset_state(stem, std::min(frame, frames - 1)).onsets();
}

Scene::~Scene() = default;

std::string Scene::label(int stem) const {
  std::string text = description_.object.label;
  for (const auto& [field, value] :
       {std::pair<std::string, std::string>{"{name}", stem_name(stem)}, {"{index}", std::to_string(stem + 1)}}) {
    for (auto at = text.find(field); at != std::string::npos; at = text.find(field, at + value.size())) {
      text.replace(at, field.size(), value);
    }
  }
  return text;
}

double Scene::fit_distance() const {
  // Frame the objects at their largest wherever the camera and layout go during the song:
  // camera and layout values depend only on time, and object sizes on time and features,
  // so sampling the song's time (and each camera key) with every feature at 0 and at 1
  // finds every place they reach, and the camera comes as close as that allows.
  SceneEvaluator evaluator(description_, variables_);
  const int stems = stem_count();
  const double fps = timeline_.fps.to_double(), duration = timeline_.duration_seconds();
  // How far each stem reaches from its place on the floor, and how high and low, with its
  // features at both extremes, at the time the evaluator is set to.
  struct Reach {
    double radius = 0, low = 0, high = 0;
  };
  const auto reach_of = [&](int stem) {
    Reach r;
    for (const float feature : {0.0f, 1.0f}) {
      evaluator.set_stem_extreme(stem, feature);
      const auto o = evaluator.object();
      r.radius = std::max(r.radius, (description_.object.shape == Shape::cube ? o.height : o.size) * 0.75);
      r.high = std::max(r.high, o.lift + o.height);
      r.low = std::min(r.low, std::min(o.lift, 0.0));
    }
    if (description_.object.mirror) r.low = std::min(r.low, -r.high);
    return r;
  };
  std::vector<double> times;
  const int samples = static_cast<int>(std::clamp(duration * 4.0, 60.0, 720.0));
  for (int k = 0; k <= samples; ++k) times.push_back(duration * k / samples);
  for (const CameraKey& key : description_.camera.keys) times.push_back(key.at);
  struct View {
    SceneEvaluator::CameraPose pose;
    std::vector<Vec3> points;
  };
  std::vector<View> views;
  std::vector<Vec3> positions;
  for (const double t : times) {
    evaluator.set_frame(t, t * fps, fps, stems, duration);
    View view{evaluator.camera_pose(), {}};
    evaluator.layout(description_, stems, positions);
    const double turn = evaluator.turn();
    for (int stem = 0; stem < stems; ++stem) {
      const Reach r = reach_of(stem);
      const Vec3 centre = rotate_y(positions[static_cast<std::size_t>(stem)], turn);
      for (int k = 0; k < 6; ++k) {
        const double a = 2.0 * std::numbers::pi * k / 6.0;
        const Vec3 around = centre + Vec3{r.radius * std::sin(a), 0.0, r.radius * std::cos(a)};
        view.points.push_back(around + Vec3{0, r.low, 0});
        view.points.push_back(around + Vec3{0, r.high, 0});
      }
    }
    views.push_back(std::move(view));
  }
  const double margin = description_.camera.margin;
  const auto fits = [&](double distance) {
    for (const View& view : views) {
      const Camera camera = SceneEvaluator::make_camera(view.pose, distance, height_);
      for (const Vec3& point : view.points) {
        const Projected p = project(camera, point, width_, height_);
        if (p.depth <= 0.1) return false;
        if (std::abs(p.x - width_ / 2.0) > margin * width_ / 2.0) return false;
        if (std::abs(p.y - height_ / 2.0) > (margin - 0.02) * height_ / 2.0) return false;
      }
    }
    return true;
  };
  double near = 0.2, far = 10000.0;
  for (int i = 0; i < 40; ++i) {
    const double mid = std::sqrt(near * far);  // bisect in ratio: distances span decades
    (fits(mid) ? far : near) = mid;
  }
  return far;
}

struct FrameCanvas::Label {
  PangoLayoutPtr layout;
  double size = 0.0;      // pixels, this frame
  double laid_out = 0.0;  // pixels the layout's font has: set again only when size changes
  double x = 0.0, y = 0.0;
  bool visible = false;
};

FrameCanvas::FrameCanvas(const Scene& scene, int only_stem)
    : scene_(&scene),
      only_stem_(only_stem),
      evaluator_(std::make_unique<SceneEvaluator>(scene.description(), scene.variables())),
      surface_(make_image_surface(scene.width(), scene.height())),
      cr_(cairo_create(surface_.get())) {
  if (cairo_status(cr_.get()) != CAIRO_STATUS_SUCCESS) {
    throw Failure("cannot create a Cairo context: " + std::string(cairo_status_to_string(cairo_status(cr_.get()))));
  }
  pixels_ = cairo_image_surface_get_data(surface_.get());
  stride_ = cairo_image_surface_get_stride(surface_.get());
  // The background never changes: paint it once and copy it in for every frame.
  draw_background();
  cairo_surface_flush(surface_.get());
  background_.assign(pixels_, pixels_ + static_cast<std::size_t>(stride_) * static_cast<std::size_t>(scene.height()));
  dirty_ = {0, 0, 0, 0};
  if (!scene.description().object.label.empty() && only_stem_ < 0) {
    for (int stem = 0; stem < scene.stem_count(); ++stem) {
      auto label = std::make_unique<Label>();
      label->laid_out = 1.0;  // draw_labels() sets the frame's size
      label->layout = text_layout(cr_.get(), scene.label(stem), label->laid_out);
      labels_.push_back(std::move(label));
    }
  }
}

FrameCanvas::~FrameCanvas() = default;

void FrameCanvas::draw_background() {
  cairo_t* cr = cr_.get();
  const Background& background = scene_->description().background;
  cairo_save(cr);
  cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
  if (background.transparent || only_stem_ >= 0) {
    cairo_set_source_rgba(cr, 0, 0, 0, 0);
    cairo_paint(cr);
  } else if (background.colours.size() == 1) {
    const Colour& c = background.colours.front();
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_paint(cr);
  } else {
    auto gradient = std::unique_ptr<cairo_pattern_t, decltype(&cairo_pattern_destroy)>(
        cairo_pattern_create_linear(0, 0, 0, scene_->height()), cairo_pattern_destroy);
    for (std::size_t k = 0; k < background.colours.size(); ++k) {
      const Colour& c = background.colours[k];
      cairo_pattern_add_color_stop_rgb(gradient.get(), background.stops[k], c.r, c.g, c.b);
    }
    cairo_set_source(cr, gradient.get());
    cairo_paint(cr);
  }
  cairo_restore(cr);
}

void FrameCanvas::follow_features(std::int64_t frame) {
  const FeatureSource& features = scene_->features();
  const std::int64_t frames = features.frame_count();
  if (frames == 0) return;
  const std::int64_t at = std::clamp<std::int64_t>(frame, 0, frames - 1);
  const std::int64_t first = Scene::block_start(at);
  if (first != block_first_) {
    // A read that throws leaves neither a half-loaded block nor a state to step on from.
    block_first_ = -1;
    onset_frame_ = kNoFrame;
    features.read(first, std::min(Scene::kFeatureBlockFrames, frames - first), block_);
    block_first_ = first;
  }
  if (at == onset_frame_) return;
  const int known = std::min(scene_->stem_count(), features.stem_count());
  onset_states_.resize(static_cast<std::size_t>(scene_->stem_count()));
  // Frames in order (as a chunk draws them) step the state once; any other frame starts
  // again from its block's start, which lies in the block just loaded.
  const bool next = onset_frame_ == at - 1;
  for (int stem = 0; stem < known; ++stem) {
    OnsetState& state = onset_states_[static_cast<std::size_t>(stem)];
    if (next)
      scene_->step_onsets(state, block_.at(stem, at - first).onset);
    else
      state = scene_->onset_state_after(stem, at, block_);
  }
  onset_frame_ = at;
}

void FrameCanvas::render(std::int64_t frame) {
  const Scene& scene = *scene_;
  const Timeline& timeline = scene.timeline();
  follow_features(frame);
  const std::int64_t frames = scene.features().frame_count();
  const bool in_song = frame >= 0 && frame < frames;
  const SceneDescription& d = scene.description();
  SceneEvaluator& e = *evaluator_;
  const int stems = scene.stem_count();
  const int width = scene.width(), height = scene.height();
  const double scale_px = height / 1080.0;  // sizes in the scene are pixels at 1080 lines
  e.set_frame(timeline.frame_time(frame), static_cast<double>(frame), timeline.fps.to_double(), stems,
              timeline.duration_seconds());

  const SceneEvaluator::CameraPose pose = e.camera_pose();
  const Camera camera = SceneEvaluator::make_camera(pose, pose.distance.value_or(scene.fitted_distance()), height);
  std::vector<Vec3>& positions = e.scratch.positions;
  e.layout(d, stems, positions);
  const double turn = e.turn();

  faces_.clear();
  Mesh& mesh = e.scratch.mesh;
  std::vector<Vec3>& world = e.scratch.world;
  double floor_radius = 0.0;
  for (int stem = 0; stem < stems; ++stem) {
    if (only_stem_ >= 0 && stem != only_stem_) continue;
    // Before the song everything is silent; after it the features are too, and `onsets`
    // keeps its last value.
    const bool known = stem < scene.features().stem_count() && frame >= 0 && frames > 0;
    const OnsetState onset = known ? onset_states_[static_cast<std::size_t>(stem)] : OnsetState{};
    e.set_stem(stem, in_song ? block_.at(stem, frame - block_first_) : StemFrameFeatures{},
               in_song ? onset.hit() : 0.0f, onset.onsets());
    const SceneEvaluator::ObjectValues o = e.object();
    const Vec3 centre = rotate_y(positions[static_cast<std::size_t>(stem)], turn);
    floor_radius = std::max(
        floor_radius, std::hypot(centre.x, centre.z) + (d.object.shape == Shape::cube ? o.height : o.size) * 0.71);
    if (!labels_.empty()) {
      Label& label = *labels_[static_cast<std::size_t>(stem)];
      const Projected p = project(camera, centre, width, height);
      label.visible = p.depth > 0.1;
      label.x = p.x;
      label.y = p.y + o.size * camera.focal_px / std::max(0.1, p.depth) * 0.35 + 4.0 * scale_px;
      label.size = o.label_size * scale_px;
    }
    build_mesh(d.object.shape, o.size, o.height, mesh);
    const Colour& base = scene.stem_colour(stem);
    for (const bool mirror : {true, false}) {
      if (mirror && !d.object.mirror) continue;
      const double sign = mirror ? -1.0 : 1.0;
      world.clear();
      Vec3 inside{};
      for (const Vec3& vertex : mesh.vertices) {
        const Vec3 local = rotate_y(vertex, o.rotate_y + turn);
        world.push_back(centre + Vec3{local.x, sign * (local.y + o.lift), local.z});
        inside = inside + world.back();
      }
      inside = inside * (1.0 / static_cast<double>(world.size()));
      for (const auto& indices : mesh.faces) {
        const int corners = indices[3] < 0 ? 3 : 4;
        Vec3 middle{};
        for (int k = 0; k < corners; ++k)
          middle = middle + world[static_cast<std::size_t>(indices[static_cast<std::size_t>(k)])];
        middle = middle * (1.0 / corners);
        const Vec3& a = world[static_cast<std::size_t>(indices[0])];
        const Vec3& b = world[static_cast<std::size_t>(indices[1])];
        const Vec3& c = world[static_cast<std::size_t>(indices[2])];
        const Vec3 raw = cross(b - a, c - a);
        if (dot(raw, raw) < 1e-18) continue;  // a flat object (height 0) has no side faces
        Vec3 normal = normalize(raw);
        if (dot(normal, middle - inside) < 0.0) normal = normal * -1.0;
        // Faces turned away are hidden behind the front ones of a closed shape: skipping
        // them halves the drawing work. A two-sided shader draws them anyway.
        const bool facing = dot(normal, camera.position - middle) > 0.0;
        if (!facing && !d.shader.two_sided) continue;
        ScreenFace face;
        face.corners = corners;
        face.stem = stem;
        face.mirror = mirror;
        bool behind = false;
        for (int k = 0; k < corners; ++k) {
          const Projected p =
              project(camera, world[static_cast<std::size_t>(indices[static_cast<std::size_t>(k)])], width, height);
          // Written so that a depth that is not a number (an expression's overflow) counts too.
          if (!(p.depth > 0.05) || !std::isfinite(p.x) || !std::isfinite(p.y)) behind = true;
          face.xy[static_cast<std::size_t>(2 * k)] = p.x;
          face.xy[static_cast<std::size_t>(2 * k + 1)] = p.y;
        }
        if (behind) continue;  // no near-plane clipping: a face reaching behind the camera is left out
        face.depth = project(camera, middle, width, height).depth;
        if (!std::isfinite(face.depth)) continue;  // the painter's sort needs an order
        const double top = std::max(1e-9, o.height);
        const auto fraction = [&](const Vec3& p) { return std::clamp((sign * p.y - o.lift) / top, 0.0, 1.0); };
        const double opacity = mirror ? o.mirror_opacity : 1.0;
        const ShaderRun::Result shaded = e.shade(normal, middle, camera.position, base, mirror, fraction(middle));
        face.colour = {shaded.r, shaded.g, shaded.b};
        face.alpha = shaded.a * opacity;
        // A shader's own outline shows in the reflection too; the scene's plain one does not.
        face.stroke = shaded.edge_set ? shaded.edge_a > 0.0 : !mirror && d.object.edges;
        face.edge = {shaded.edge_r, shaded.edge_g, shaded.edge_b};
        face.edge_alpha = shaded.edge_a * opacity;
        face.edge_width = o.edge_width * scale_px;
        if (d.shader.per_vertex) {
          face.per_vertex = true;
          for (int k = 0; k < corners; ++k) {
            const Vec3& p = world[static_cast<std::size_t>(indices[static_cast<std::size_t>(k)])];
            const ShaderRun::Result at = e.shade(normal, p, camera.position, base, mirror, fraction(p));
            face.corner_colours[static_cast<std::size_t>(k)] = {at.r, at.g, at.b};
            face.corner_alpha[static_cast<std::size_t>(k)] = at.a * opacity;
          }
        }
        if (face.alpha <= 0.0 && !face.per_vertex && !(face.stroke && face.edge_alpha > 0.0)) continue;
        faces_.push_back(face);
      }
    }
  }
  // Painter's order: the reflection lies under the floor, so it goes first; within each
  // layer the farthest face first. Ties break on stem so the order is fully determined.
  std::sort(faces_.begin(), faces_.end(), [](const ScreenFace& a, const ScreenFace& b) {
    if (a.mirror != b.mirror) return a.mirror;
    if (a.depth != b.depth) return a.depth > b.depth;
    return a.stem < b.stem;
  });

  floor_xy_.clear();
  if (d.floor.shape != FloorShape::none && only_stem_ < 0) {
    const int sides = d.floor.shape == FloorShape::disc ? 96 : SceneEvaluator::polygon_sides(d, stems);
    const double radius = floor_radius + e.floor_margin();
    for (int k = 0; k < sides; ++k) {
      const double a = 2.0 * std::numbers::pi * k / sides + (d.floor.shape == FloorShape::polygon ? turn : 0.0);
      const Projected p = project(camera, {radius * std::sin(a), 0.0, radius * std::cos(a)}, width, height);
      if (p.depth <= 0.05) {
        floor_xy_.clear();
        break;
      }
      floor_xy_.push_back(p.x);
      floor_xy_.push_back(p.y);
    }
  }

  cairo_surface_flush(surface_.get());
  // Only the previous frame's drawing covered the background: restore just that box, which
  // is a fraction of the picture, instead of copying the whole background every frame.
  const std::size_t row_bytes = static_cast<std::size_t>(dirty_.x1 - dirty_.x0) * 4;
  for (int y = dirty_.y0; y < dirty_.y1; ++y) {
    const std::size_t offset =
        static_cast<std::size_t>(y) * static_cast<std::size_t>(stride_) + static_cast<std::size_t>(dirty_.x0) * 4;
    std::memcpy(pixels_ + offset, background_.data() + offset, row_bytes);
  }
  cairo_surface_mark_dirty(surface_.get());
  draw_faces(true);
  draw_floor();
  // Labels lie on the floor: objects in front of them may cover them.
  draw_labels();
  draw_faces(false);
  cairo_surface_flush(surface_.get());

  // The box this frame drew into, for the next frame to restore.
  double x0 = width, y0 = height, x1 = 0, y1 = 0, widest = 0;
  const auto cover = [&](double x, double y) {
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  };
  for (const ScreenFace& face : faces_) {
    for (int k = 0; k < face.corners; ++k)
      cover(face.xy[static_cast<std::size_t>(2 * k)], face.xy[static_cast<std::size_t>(2 * k + 1)]);
    widest = std::max(widest, face.edge_width);
  }
  for (std::size_t k = 0; k + 1 < floor_xy_.size(); k += 2) cover(floor_xy_[k], floor_xy_[k + 1]);
  const bool labelled = !labels_.empty();
  // Strokes reach half a line width past the vertices and antialiasing one more pixel.
  const double margin = widest + 2.0;
  const auto clamp_to = [](double v, int limit) {
    return static_cast<int>(std::clamp(v, 0.0, static_cast<double>(limit)));
  };
  if (labelled) {
    dirty_ = {0, 0, width, height};  // text can reach anywhere; restore it all
  } else if (x1 < x0) {
    dirty_ = {};
  } else {
    dirty_ = {clamp_to(std::floor(x0 - margin), width), clamp_to(std::floor(y0 - margin), height),
              clamp_to(std::ceil(x1 + margin), width), clamp_to(std::ceil(y1 + margin), height)};
  }
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

void FrameCanvas::draw_faces(bool mirror) {
  cairo_t* cr = cr_.get();
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (const ScreenFace& face : faces_) {
    if (face.mirror == mirror) draw_face(cr, face, scene_->width(), scene_->height(), blend_);
  }
}

void FrameCanvas::draw_floor() {
  if (floor_xy_.size() < 6) return;
  cairo_t* cr = cr_.get();
  const FloorDescription& floor = scene_->description().floor;
  cairo_move_to(cr, floor_xy_[0], floor_xy_[1]);
  for (std::size_t k = 2; k + 1 < floor_xy_.size(); k += 2) cairo_line_to(cr, floor_xy_[k], floor_xy_[k + 1]);
  cairo_close_path(cr);
  const double opacity = evaluator_->floor_opacity();
  cairo_set_source_rgba(cr, floor.colour.r, floor.colour.g, floor.colour.b, opacity);
  cairo_fill_preserve(cr);
  cairo_set_line_width(cr, std::max(1.0, scene_->height() / 720.0));
  cairo_set_source_rgba(cr, floor.colour.r, floor.colour.g, floor.colour.b, std::min(1.0, opacity * 2.5));
  cairo_stroke(cr);
}

void FrameCanvas::draw_labels() {
  cairo_t* cr = cr_.get();
  const Colour& colour = scene_->description().object.label_colour;
  for (const auto& label : labels_) {
    if (!label->visible) continue;
    if (label->size != label->laid_out) {
      set_text_size(label->layout.get(), label->size);
      label->laid_out = label->size;
    }
    int text_width = 0, text_height = 0;
    pango_layout_get_pixel_size(label->layout.get(), &text_width, &text_height);
    cairo_move_to(cr, label->x - text_width / 2.0, label->y);
    cairo_set_source_rgb(cr, colour.r, colour.g, colour.b);
    pango_cairo_show_layout(cr, label->layout.get());
  }
}

}  // namespace stemviz
