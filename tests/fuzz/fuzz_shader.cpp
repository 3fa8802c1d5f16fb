// Fuzz target: shader programs. Whatever the text, parse_shader either refuses it with an
// InputError or gives a program that the default scene runs on every face of a few frames.
#include "draw.hpp"

#include <stemviz/scene/shader.hpp>
#include <stemviz/util/error.hpp>

#include <cstddef>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const stemviz::ShaderProgram shader = stemviz::parse_shader(text, "fuzz", "fuzz.shader");
    stemviz::fuzz::draw_a_few_frames(
        stemviz::parse_scene_with_shader("[object]\nshader = \"fuzz\"\n", "fuzz", "fuzz.toml", shader));
  } catch (const stemviz::InputError&) {
  }
  return 0;
}
