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
  static const FeatureTrack constant = test::constant_features(3, timeline.frame_count(), 0.6f);
  const std::vector<std::string> stems = {"kick", "snare", "hat"};
  // The displays its waveform and spectrum layers ask for, as the analysis would give them:
  // values across their whole range, -1..1 for a trace, 0..1 for a spectrum.
  FeatureTrack features = constant;
  for (const DisplayRequest& request : display_requests(description.layers, stems, timeline.fps.to_double())) {
    DisplayTrack& display = features.displays().emplace_back();
    display.request = request;
    const std::int64_t count = timeline.frame_count() * request.values_per_frame();
    for (std::int64_t v = 0; v < count; ++v) {
      const float x = static_cast<float>(v % 41) / 40.0f;
      display.values.push_back(request.kind == DisplayRequest::Kind::trace ? 2.0f * x - 1.0f : x);
    }
  }
  const Scene scene(description, stems, features, timeline, 64, 36, std::move(inputs));
  FrameCanvas canvas(scene);
  for (const std::int64_t frame : {0, 17, 29}) canvas.draw(frame);
}

}  // namespace stemviz::fuzz
