// Fuzz target: scene files. Whatever the text, parse_scene either refuses it with an
// InputError or gives a scene that prepares and draws a few frames without undefined
// behaviour (expressions may give NaN or infinities; the drawing must cope).
#include "draw.hpp"

#include <stemviz/util/error.hpp>

#include <cstddef>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    // No folder: only bundled shaders, so a fuzzed name never reaches the disk.
    stemviz::fuzz::draw_a_few_frames(stemviz::parse_scene(text, "fuzz", "fuzz.toml", {}));
  } catch (const stemviz::InputError&) {
    // Refused with a message: what the parser promises for bad input.
  }
  return 0;
}
