#include <stemviz/scene/evaluator.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace stemviz {

namespace {

constexpr int kDefaultRowLength = 8;  // a row of more stems wraps into balanced rows

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

}  // namespace

SceneEvaluator::SceneEvaluator(const SceneDescription& d, const VariableSet& variables)
    : variables_(&variables), values_(static_cast<std::size_t>(variables.size()), 0.0) {
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
  aspect_ = slot("aspect");
  i_ = slot("i"), level_ = slot("level"), rms_ = slot("rms"), peak_ = slot("peak"), db_ = slot("db");
  onset_ = slot("onset"), hit_ = slot("hit"), onsets_ = slot("onsets"), flux_ = slot("flux"),
  centroid_ = slot("centroid"), band0_ = slot("band0");
  nx_ = slot("nx"), lx_ = slot("lx"), vx_ = slot("vx"), ndotl_ = slot("ndotl"), ndotv_ = slot("ndotv");
  diffuse_ = slot("diffuse"), highlight_ = slot("highlight"), ambient_slot_ = slot("ambient");
  base_r_ = slot("base_r"), mirror_ = slot("mirror"), h_ = slot("h");
}

void SceneEvaluator::set_frame(double t, double frame, double fps, int stems, double duration, double aspect) {
  values_[at(t_)] = t;
  values_[at(frame_)] = frame;
  values_[at(fps_)] = fps;
  values_[at(n_)] = stems;
  values_[at(duration_)] = duration;
  values_[at(aspect_)] = aspect;
  // Lights depend on the frame only: evaluate them once here, not for every face.
  frame_lights_.clear();
  for (const Light& light : lights_) {
    frame_lights_.push_back({normalize({light.direction[0](), light.direction[1](), light.direction[2]()}),
                             std::max(0.0, light.intensity()), light.colour});
  }
  ambient_now_ = ambient_();
}

void SceneEvaluator::set_stem(int stem, const StemFrameFeatures& f, double hit, double onsets) {
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

void SceneEvaluator::set_stem_extreme(int stem, float value) {
  StemFrameFeatures f;
  f.level = f.rms = f.peak = f.onset = f.flux = value;
  f.db = value > 0 ? 0.0f : kSilenceDb;
  f.centroid_hz = value * 20000.0f;
  f.bands.fill(value);
  set_stem(stem, f, value, value);
}

CameraPose SceneEvaluator::camera_pose() const {
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

void SceneEvaluator::layout(const SceneDescription& d, int stems, std::vector<Vec3>& positions) const {
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

ShaderRun::Result SceneEvaluator::shade(const Vec3& normal, const Vec3& point, const Vec3& eye, const Colour& base,
                                        bool mirror, double height_fraction) {
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

double SceneEvaluator::keyed(const std::vector<Key>& keys, double base) const {
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

}  // namespace stemviz
