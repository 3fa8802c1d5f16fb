// Scene evaluation: a scene's numbers (constants and expressions) evaluated for one frame,
// one stem and one point of a face. One evaluator per worker: it owns the variables' values,
// which its compiled expressions read, so evaluating never allocates and never fails.
#pragma once

#include <stemviz/analysis/features.hpp>
#include <stemviz/scene/expression.hpp>
#include <stemviz/scene/geometry.hpp>
#include <stemviz/scene/scene_file.hpp>
#include <stemviz/scene/shader.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <vector>

namespace stemviz {

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

class SceneEvaluator {
 public:
  // Compiles every number of `d` against `variables` (scene_variables() and the shader's
  // own names), which must outlive the evaluator.
  SceneEvaluator(const SceneDescription& d, const VariableSet& variables);

  // The frame-wide variables: `t` seconds, `frame`, `fps`, `n` stems, `duration` seconds,
  // and the picture's `aspect` (width / height).
  void set_frame(double t, double frame, double fps, int stems, double duration, double aspect);
  // The per-stem variables of stem `stem` (0-based): its features, `hit` and `onsets`.
  void set_stem(int stem, const StemFrameFeatures& f, double hit, double onsets);
  // Every stem's feature set to `value`, for framing the camera around the extremes.
  void set_stem_extreme(int stem, float value);

  double time() const { return values_[at(t_)]; }

  // `number`, which is not one of the scene's own (a layer's, say), compiled against this
  // evaluator's variables: it reads what set_frame() and set_stem() set last.
  Value compile(const Number& number) { return Value(number, *variables_, values_.data()); }

  // The camera's pose at the current time: keys eased, the orbit applied.
  CameraPose camera_pose() const;

  // Where each stem stands on the floor this frame, before the layout turns.
  void layout(const SceneDescription& d, int stems, std::vector<Vec3>& positions) const;

  static int polygon_sides(const SceneDescription& d, int stems) {
    return d.layout.sides > 0 ? d.layout.sides : std::max(3, stems);
  }

  // The layout's turn this frame, radians.
  double turn() const { return radians(turn_()); }

  // The current stem's object, its sizes in world units and angles in radians.
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

  // Shades one point of a face with normal `normal` seen from `eye`: the shader's colour
  // and outline for the current stem, whose base colour is `base`; `height_fraction` is
  // the point's height up the object, 0..1.
  ShaderRun::Result shade(const Vec3& normal, const Vec3& point, const Vec3& eye, const Colour& base, bool mirror,
                          double height_fraction);

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
  double keyed(const std::vector<Key>& keys, double base) const;

  const VariableSet* variables_;
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
  int t_, frame_, fps_, n_, duration_, aspect_;
  int i_, level_, rms_, peak_, db_, onset_, hit_, onsets_, flux_, centroid_, band0_;
  int nx_, lx_, vx_, ndotl_, ndotv_, diffuse_, highlight_, ambient_slot_, base_r_, mirror_, h_;
};

}  // namespace stemviz
