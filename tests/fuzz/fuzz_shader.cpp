// Fuzz target: shader programs. Whatever the text, parse_shader either refuses it with an
// InputError or gives a program that the classic scene runs on every face of a few frames.
#include "../support/probe.hpp"

#include <stemviz/error.hpp>
#include <stemviz/scene.hpp>
#include <stemviz/scene_file.hpp>
#include <stemviz/shader.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace stemviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const Timeline timeline{Rational{30, 1}, 48000, 48000};
  static const FeatureTrack features = test::constant_features(3, timeline.frame_count(), 0.6f);
  try {
    const ShaderProgram shader = parse_shader(text, "fuzz", "fuzz.shader");
    const SceneDescription description =
        parse_scene_with_shader("[object]\nshader = \"fuzz\"\n", "fuzz", "fuzz.toml", shader);
    const Scene scene(description, {"kick", "snare", "hat"}, features, timeline, 64, 36);
    FrameCanvas canvas(scene);
    for (const std::int64_t frame : {0, 17, 29}) canvas.render(frame);
  } catch (const InputError&) {
  }
  return 0;
}
