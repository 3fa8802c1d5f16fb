// Fuzz target: lyrics and captions files (LRC, SRT). Whatever the bytes, parse_lyrics either
// refuses them with an InputError or gives lines in time order, each with a start before its
// end and some text, that line_at finds again and a lyrics layer draws for a few frames.
#include "draw.hpp"

#include <stemviz/scene/lyrics.hpp>
#include <stemviz/util/error.hpp>

#include <cstddef>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  stemviz::Lyrics lyrics;
  try {
    lyrics = stemviz::parse_lyrics(text, "fuzz.lrc");
  } catch (const stemviz::InputError&) {
    return 0;
  }
  double previous = 0.0;
  for (const stemviz::LyricLine& line : lyrics.lines) {
    // Every promise of lyrics.hpp, checked: a broken one stops the fuzzer on this input.
    if (!(line.start >= previous && line.start < line.end) || line.text.empty()) std::abort();
    previous = line.start;
    const int found = lyrics.line_at(line.start);
    if (found < 0 || lyrics.lines[static_cast<std::size_t>(found)].start != line.start) std::abort();
  }
  stemviz::SceneInputs inputs;
  inputs.lyrics.emplace("{lyrics}", std::move(lyrics));
  stemviz::fuzz::draw_a_few_frames(
      stemviz::parse_scene("[[layers]]\nkind = \"lyrics\"\nfile = \"{lyrics}\"\nnext_line = true\n", "fuzz",
                           "fuzz.toml", {}),
      std::move(inputs));
  return 0;
}
