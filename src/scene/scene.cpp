#include <stemviz/scene/scene.hpp>

#include <stemviz/scene/evaluator.hpp>
#include <stemviz/scene/geometry.hpp>
#include <stemviz/scene/palette.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace stemviz {

Scene::Scene(SceneDescription description, std::vector<std::string> stem_names, const FeatureSource& features,
             const Timeline& timeline, int width, int height, SceneInputs inputs)
    : Scene(std::move(description), std::move(stem_names), nullptr, &features, timeline, width, height) {
  inputs_ = std::move(inputs);
}

Scene::Scene(SceneDescription description, std::vector<std::string> stem_names, const FeatureTrack& features,
             const Timeline& timeline, int width, int height, SceneInputs inputs)
    : Scene(std::move(description), std::move(stem_names), std::make_unique<FeatureTrackSource>(features), nullptr,
            timeline, width, height) {
  inputs_ = std::move(inputs);
}

const Picture* Scene::picture(const std::string& name) const {
  const auto found = inputs_.pictures.find(name);
  return found == inputs_.pictures.end() ? nullptr : &found->second;
}

const VideoSource* Scene::video(const std::string& name) const {
  const auto found = inputs_.videos.find(name);
  return found == inputs_.videos.end() ? nullptr : &found->second;
}

const Lyrics* Scene::lyrics(const std::string& name) const {
  const auto found = inputs_.lyrics.find(name);
  return found == inputs_.lyrics.end() ? nullptr : &found->second;
}

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
  colours_.push_back({0xdb / 255.0, 0xe0 / 255.0, 0xf0 / 255.0});  // the mix's
  rows_ = std::min(stems + 1, std::max(stems, features_->stem_count()));
  const LayoutDescription& layout = description_.layout;
  if (layout.kind == LayoutKind::positions && static_cast<int>(layout.positions.size()) < stems) {
    throw InputError(
        fmt::format("{}: 'positions' in [layout] has {} entries for {} stems; add one "
                    "[x, z] per stem or use kind = \"grid\"",
                    layout.positions_where.to_string(), layout.positions.size(), stems));
  }
  check_layer_stems(description_.layers, stem_names_);
  // Features analysed for another scene lack what this one's layers read: said here, once
  // per scene, rather than by each canvas.
  const auto analysed_for_another = [](const SourceSpot& where, const std::string& what) {
    return InputError(
        fmt::format("{}: the features hold no {} (they were analysed for another scene); analyse the "
                    "stems again with this scene",
                    where.to_string(), what));
  };
  if (const std::optional<SourceSpot> mix = mix_features_wanted(description_.layers); mix && rows_ == stems)
    throw analysed_for_another(*mix, "row for the mix");
  for (const LayerDescription& layer : description_.layers) {
    const std::optional<DisplayRequest> request = display_request(layer, stem_names_, timeline.fps.to_double());
    if (request && find_display(*features_, *request) < 0)
      throw analysed_for_another(layer.where,
                                 layer.kind == "waveform" ? "trace for this layer" : "spectrum for this layer");
  }
  if (!description_.camera.distance && !description_.camera.position) fitted_distance_ = fit_distance();
  // `hit` and `onsets` need every earlier frame: run them over the whole song once, keeping
  // where each block starts, so a frame's value never depends on where its chunk starts.
  constexpr double kHitSeconds = 0.15;
  fade_ = std::exp(-1.0 / (timeline.fps.to_double() * kHitSeconds));
  const std::int64_t frames = features_->frame_count();
  const int known = std::min(rows_, features_->stem_count());
  const std::int64_t blocks = (frames + kFeatureBlockFrames - 1) / kFeatureBlockFrames;
  block_starts_.resize(static_cast<std::size_t>(blocks) * static_cast<std::size_t>(rows_));
  std::vector<OnsetState> states(static_cast<std::size_t>(rows_));
  FeatureTrack block;
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t first = b * kFeatureBlockFrames;
    const std::int64_t count = std::min(kFeatureBlockFrames, frames - first);
    std::copy(states.begin(), states.end(), block_starts_.begin() + b * rows_);
    features_->read(first, count, block);
    for (int stem = 0; stem < known; ++stem) {
      for (std::int64_t frame = 0; frame < count; ++frame) {
        step_onsets(states[static_cast<std::size_t>(stem)], block.at(stem, frame).onset);
      }
    }
  }
}

const OnsetState& Scene::onset_state_before_block(int stem, std::int64_t block) const {
  return block_starts_[static_cast<std::size_t>(block * rows_ + stem)];
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
    CameraPose pose;
    std::vector<Vec3> points;
  };
  std::vector<View> views;
  std::vector<Vec3> positions;
  for (const double t : times) {
    evaluator.set_frame(t, t * fps, fps, stems, duration, static_cast<double>(width_) / height_);
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
      const Camera camera = make_camera(view.pose, distance, height_);
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

}  // namespace stemviz
