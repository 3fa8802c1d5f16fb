// What the scene and shader fuzz targets do with a scene that parsed: prepare it for
// three stems in a small picture over a one-second song and draw a few frames, so that
// expressions and shaders run on every face. Small, so the fuzzer tries many inputs a second.
#pragma once

#include "../support/probe.hpp"

#include <stemviz/draw/canvas.hpp>
#include <stemviz/scene/scene_file.hpp>

#include <cmath>
#include <cstdint>
#include <memory>

namespace stemviz::fuzz {

// Frames of a video as a decoder gives them: a picture of the size asked, its shade
// changing with the time, so a video layer runs its fitting and drawing.
class ShadedFrames final : public VideoFrames {
 public:
  const Picture& at(double seconds, int width, int height) override {
    picture_.width = width, picture_.height = height;
    const auto shade = static_cast<std::uint8_t>(static_cast<int>(std::fabs(seconds) * 50.0) % 256);
    picture_.pixels.assign(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4, shade);
    for (std::size_t at = 3; at < picture_.pixels.size(); at += 4) picture_.pixels[at] = 255;
    return picture_;
  }

 private:
  Picture picture_;
};

// `inputs` are what the scene's layers read from files; a video a scene names and `inputs`
// lack is an opaque 2 s video of ShadedFrames.
inline void draw_a_few_frames(const SceneDescription& description, SceneInputs inputs = {}) {
  for (const SceneAsset& asset : description.assets) {
    if (asset.kind == SceneAsset::Kind::video && !inputs.videos.contains(asset.name))
      inputs.videos[asset.name] = {64, 36, 2.0, true, [] { return std::make_unique<ShadedFrames>(); }};
  }
  static const Timeline timeline{Rational{30, 1}, 48000, 48000};
  static const FeatureTrack constant = test::constant_features(3, timeline.frame_count(), 0.6f);
  const std::vector<std::string> stems = {"kick", "snare", "hat"};
  const FeatureTrack features = test::with_displays(constant, description, stems, timeline.fps.to_double());
  const Scene scene(description, stems, features, timeline, 64, 36, std::move(inputs));
  FrameCanvas canvas(scene);
  for (const std::int64_t frame : {0, 17, 29}) canvas.draw(frame);
}

}  // namespace stemviz::fuzz
