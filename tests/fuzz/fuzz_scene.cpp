// Fuzz target: scene files. Whatever the text, parse_scene either refuses it with an
// InputError or gives a scene that prepares and draws a few frames without undefined
// behaviour (expressions may give NaN or infinities; the drawing must cope).
#include "../support/probe.hpp"

#include <stemviz/error.hpp>
#include <stemviz/scene.hpp>
#include <stemviz/scene_file.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace stemviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Small pictures and a short song: the fuzzer wants many inputs per second.
  static const Timeline timeline{Rational{30, 1}, 48000, 48000};
  static const FeatureTrack features = test::constant_features(3, timeline.frame_count(), 0.6f);
  try {
    // No folder: only bundled shaders, so a fuzzed name never reaches the disk.
    const SceneDescription description = parse_scene(text, "fuzz", "fuzz.toml", {});
    const Scene scene(description, {"kick", "snare", "hat"}, features, timeline, 64, 36);
    FrameCanvas canvas(scene);
    for (const std::int64_t frame : {0, 17, 29}) canvas.render(frame);
  } catch (const InputError&) {
    // Refused with a message: what the parser promises for bad input.
  }
  return 0;
}
