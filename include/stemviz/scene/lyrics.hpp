// Timed lyrics and captions: LRC files (`[mm:ss.xx]line`, several stamps a line, the
// `[offset:ms]` tag, enhanced LRC's word stamps dropped) and SRT subtitles (numbered cues,
// `hh:mm:ss,mmm --> hh:mm:ss,mmm`, tags such as <i> dropped), read into lines with a start
// and an end in seconds.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stemviz {

struct LyricLine {
  double start = 0.0, end = 0.0;  // seconds in the song, start < end
  std::string text;               // one or more lines of text; never empty
};

struct Lyrics {
  std::vector<LyricLine> lines;  // by start time

  // The index of the line showing at `seconds`, or -1 for none.
  int line_at(double seconds) const;
};

// The most lines and bytes a lyrics file may have.
inline constexpr std::size_t kMaxLyricsBytes = 4u << 20;
inline constexpr std::size_t kMaxLyricLines = 20000;

// Reads `text`, an LRC or SRT file (told by its content) named `file` in messages. An LRC
// line lasts until the next stamped line (an empty one ends it), the last one `last_hold`
// seconds. Throws InputError "file:line: what is wrong" for a malformed stamp or cue, and
// for a file with no timed line.
Lyrics parse_lyrics(std::string_view text, const std::string& file, double last_hold = 5.0);

}  // namespace stemviz
