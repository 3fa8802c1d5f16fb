// Scene stage: a scene description (scene_file.hpp) made ready for one song and picture
// size, shared read-only by every worker: stem colours, the running state of the derived
// `hit`/`onsets` features at the start of every block of frames, and the camera distance
// that keeps the objects in the picture. Drawing it is draw/canvas.hpp's work.
#pragma once

#include <stemviz/analysis/features.hpp>
#include <stemviz/scene/expression.hpp>
#include <stemviz/scene/scene_file.hpp>
#include <stemviz/scene/scene_inputs.hpp>
#include <stemviz/util/timeline.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stemviz {

// The running sums behind the scene variables `hit` and `onsets` for one stem, after some
// frame: the onsets' strengths so far, fading with a 0.15 s time constant, and in all.
struct OnsetState {
  double fading = 0.0;
  double total = 0.0;
  // `hit`: the latest onsets' strength, fading, at most 1.
  float hit() const { return static_cast<float>(fading < 1.0 ? fading : 1.0); }
  // `onsets`: every onset so far, each counted in smoothly over the same time.
  float onsets() const { return static_cast<float>(total - fading); }
};

// A scene made ready for one song and picture size; shared read-only by every worker.
class Scene {
 public:
  // Frames read their features a block of this many at a time (one canvas keeps one block),
  // and the scene keeps each stem's OnsetState at the start of every block: a render's
  // memory then grows with the song by a few bytes per block, not by the feature table.
  static constexpr std::int64_t kFeatureBlockFrames = 256;
  // The first frame of the block holding `frame` (>= 0).
  static constexpr std::int64_t block_start(std::int64_t frame) {
    return frame / kFeatureBlockFrames * kFeatureBlockFrames;
  }

  // Prepares `description` for stems named `stem_names` (1..32) with `features` (which must
  // outlive the scene) on `timeline`, in a `width` x `height` picture. Reads the features
  // through once, for the onset states. Throws InputError when the layout cannot hold the
  // stems, a layer names a stem that is not among them, or the features lack what a layer
  // reads (a display, the mix's row: analysed for another scene); Failure when they cannot
  // be read.
  // `inputs` are the files its layers name (SceneDescription::assets), read.
  Scene(SceneDescription description, std::vector<std::string> stem_names, const FeatureSource& features,
        const Timeline& timeline, int width, int height, SceneInputs inputs = {});
  // The same with the whole song's features in memory.
  Scene(SceneDescription description, std::vector<std::string> stem_names, const FeatureTrack& features,
        const Timeline& timeline, int width, int height, SceneInputs inputs = {});
  ~Scene();

  int width() const { return width_; }
  int height() const { return height_; }
  int stem_count() const { return static_cast<int>(stem_names_.size()); }
  const Timeline& timeline() const { return timeline_; }
  const FeatureSource& features() const { return *features_; }
  // What the scene variables `hit` and `onsets` read for stem `stem` at `frame` (OnsetState);
  // both 0 before the song, `hit` 0 after it. Each call reads a block of features: a canvas
  // keeps its own running state instead.
  float hit(int stem, std::int64_t frame) const;
  float onsets(int stem, std::int64_t frame) const;
  // Stem `stem`'s state after `frame` (within the song), stepped from the start of the
  // block holding it through `block`, that block's features (as FeatureSource::read gives
  // them from its first frame).
  OnsetState onset_state_after(int stem, std::int64_t frame, const FeatureTrack& block) const;
  // Adds one frame's onset strength to `state`. Every state, whichever frame it started
  // from, is stepped by this one function, so a frame's values never depend on the chunk.
  void step_onsets(OnsetState& state, float onset) const {
    state.fading = state.fading * fade_ + onset;
    state.total += onset;
  }
  const SceneDescription& description() const { return description_; }
  const VariableSet& variables() const { return variables_; }
  // Rows of features a frame may bind: the stems, and the mix's after them (index
  // stem_count()) when the features have it.
  int row_count() const { return rows_; }
  // Stem `stem`'s name, or "mix" for the mix's row.
  const std::string& stem_name(int stem) const {
    return stem < stem_count() ? stem_names_[static_cast<std::size_t>(stem)] : mix_name_;
  }
  const std::vector<std::string>& stem_names() const { return stem_names_; }
  // The picture the scene names `name` (an image layer's file as written), or null when it
  // has none (a {cover} slot with no --cover).
  const Picture* picture(const std::string& name) const;
  // The lyrics the scene names `name`, or null when it has none (a {lyrics} slot with no
  // --lyrics).
  const Lyrics* lyrics(const std::string& name) const;
  const VideoSource* video(const std::string& name) const;
  // Stem `stem`'s colour (a light grey for the mix's row).
  const Colour& stem_colour(int stem) const { return colours_[static_cast<std::size_t>(stem)]; }
  // The label text under stem `stem`, or empty.
  std::string label(int stem) const;
  // The camera distance that keeps every object in the picture, when the scene sets none.
  double fitted_distance() const { return fitted_distance_; }

 private:
  double fit_distance() const;

  // Reads `owned` when given, else `features`.
  Scene(SceneDescription description, std::vector<std::string> stem_names, std::unique_ptr<FeatureSource> owned,
        const FeatureSource* features, const Timeline& timeline, int width, int height);
  OnsetState onset_state(int stem, std::int64_t frame) const;
  // Stem `stem`'s state before the first frame of block `block`.
  const OnsetState& onset_state_before_block(int stem, std::int64_t block) const;

  SceneDescription description_;
  std::vector<std::string> stem_names_;
  int width_, height_;
  std::unique_ptr<FeatureSource> owned_features_;  // when made from a FeatureTrack
  const FeatureSource* features_;
  Timeline timeline_;
  VariableSet variables_;
  double fade_ = 0.0;  // how much of `fading` is left after one frame
  int rows_ = 0;
  std::string mix_name_ = "mix";
  std::vector<OnsetState> block_starts_;  // block-major: rows_ per block
  std::vector<Colour> colours_;
  double fitted_distance_ = 10.0;
  SceneInputs inputs_;
};

}  // namespace stemviz
