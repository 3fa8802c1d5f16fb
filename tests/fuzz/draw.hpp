// What the scene and shader fuzz targets do with a scene that parsed: prepare it for
// three stems in a small picture over a one-second song and draw a few frames, so that
// expressions and shaders run on every face. Small, so the fuzzer tries many inputs a second.
#pragma once

#include "../support/probe.hpp"

#include <stemviz/draw/canvas.hpp>
#include <stemviz/scene/scene_file.hpp>

#include <cstdint>

namespace stemviz::fuzz {

// `inputs` are what the scene's layers read from files.
inline void draw_a_few_frames(const SceneDescription& description, SceneInputs inputs = {}) {
  static const Timeline timeline{Rational{30, 1}, 48000, 48000};
  static const FeatureTrack features = test::constant_features(3, timeline.frame_count(), 0.6f);
  const Scene scene(description, {"kick", "snare", "hat"}, features, timeline, 64, 36, std::move(inputs));
  FrameCanvas canvas(scene);
  for (const std::int64_t frame : {0, 17, 29}) canvas.draw(frame);
}

}  // namespace stemviz::fuzz
