#include <stemviz/scene/lyrics.hpp>

#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace stemviz {

int Lyrics::line_at(double seconds) const {
  // The last line that has started; lines are sorted by start.
  const auto after = std::upper_bound(lines.begin(), lines.end(), seconds,
                                      [](double t, const LyricLine& line) { return t < line.start; });
  if (after == lines.begin()) return -1;
  const auto line = std::prev(after);
  return seconds < line->end ? static_cast<int>(line - lines.begin()) : -1;
}

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// The file's lines, without line ends; a UTF-8 byte order mark goes.
std::vector<std::string_view> split_lines(std::string_view text) {
  if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// A whole number at the start of `text`, advancing past it; none when there is no digit.
std::optional<long long> take_number(std::string_view& text) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data() || value < 0) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

// Digits after a decimal separator as a fraction of a second: "5" 0.5, "05" 0.05, "500" 0.5.
std::optional<double> take_fraction(std::string_view& text) {
  std::size_t digits = 0;
  double value = 0.0, scale = 0.1;
  while (digits < text.size() && digits < 9 && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    value += (text[digits] - '0') * scale;
    scale /= 10.0;
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  text.remove_prefix(digits);
  return value;
}

// "mm:ss", "mm:ss.xx" or "mm:ss:xx" (an LRC stamp), in seconds; none when it is not one.
std::optional<double> lrc_time(std::string_view stamp) {
  const auto minutes = take_number(stamp);
  if (!minutes || *minutes > 100000 || !stamp.starts_with(':')) return std::nullopt;
  stamp.remove_prefix(1);
  const auto seconds = take_number(stamp);
  if (!seconds || *seconds >= 60) return std::nullopt;
  double fraction = 0.0;
  if (stamp.starts_with('.') || stamp.starts_with(':')) {
    stamp.remove_prefix(1);
    const auto part = take_fraction(stamp);
    if (!part) return std::nullopt;
    fraction = *part;
  }
  if (!stamp.empty()) return std::nullopt;
  return static_cast<double>(*minutes * 60 + *seconds) + fraction;
}

// "hh:mm:ss,mmm" (or with '.'), an SRT time, in seconds.
std::optional<double> srt_time(std::string_view text) {
  const auto hours = take_number(text);
  if (!hours || *hours > 1000 || !text.starts_with(':')) return std::nullopt;
  text.remove_prefix(1);
  const auto minutes = take_number(text);
  if (!minutes || *minutes >= 60 || !text.starts_with(':')) return std::nullopt;
  text.remove_prefix(1);
  const auto seconds = take_number(text);
  if (!seconds || *seconds >= 60 || !(text.starts_with(',') || text.starts_with('.'))) return std::nullopt;
  text.remove_prefix(1);
  const auto fraction = take_fraction(text);
  if (!fraction || !trim(text).empty()) return std::nullopt;
  return static_cast<double>((*hours * 60 + *minutes) * 60 + *seconds) + *fraction;
}

// `text` without markup in angle brackets (<i>, enhanced LRC's <mm:ss.xx>) or ASS braces ({\an8}).
std::string without_tags(std::string_view text) {
  std::string plain;
  for (std::size_t at = 0; at < text.size(); ++at) {
    const char open = text[at];
    const char close = open == '<' ? '>' : open == '{' ? '}' : '\0';
    const std::size_t end = close != '\0' ? text.find(close, at) : std::string_view::npos;
    if (end != std::string_view::npos) {
      at = end;
      continue;
    }
    plain += open;
  }
  return std::string(trim(plain));
}

void check_count(const Lyrics& lyrics, const std::string& file) {
  if (lyrics.lines.size() > kMaxLyricLines)
    throw InputError(fmt::format("{}: more than {} timed lines; split the file", file, kMaxLyricLines));
}

Lyrics parse_lrc(const std::vector<std::string_view>& lines, const std::string& file, double last_hold) {
  struct Stamped {
    double at;
    std::string text;
  };
  std::vector<Stamped> stamped;
  double offset = 0.0;  // seconds the lyrics come earlier ([offset:+500] shows them 0.5 s sooner)
  for (std::size_t number = 1; number <= lines.size(); ++number) {
    std::string_view line = trim(lines[number - 1]);
    std::vector<double> times;
    while (line.starts_with('[')) {
      const std::size_t close = line.find(']');
      if (close == std::string_view::npos) break;
      const std::string_view tag = line.substr(1, close - 1);
      if (const auto at = lrc_time(tag)) {
        times.push_back(*at);
      } else if (tag.starts_with("offset:")) {
        std::string_view value = trim(tag.substr(7));
        const bool negative = value.starts_with('-');
        if (value.starts_with('+') || negative) value.remove_prefix(1);
        const auto ms = take_number(value);
        if (!ms || !value.empty() || *ms > 3'600'000)
          throw InputError(fmt::format("{}:{}: [{}] is not an offset in milliseconds", file, number, tag));
        offset = (negative ? -1.0 : 1.0) * static_cast<double>(*ms) / 1000.0;
      } else if (!tag.empty() && std::isdigit(static_cast<unsigned char>(tag.front()))) {
        throw InputError(
            fmt::format("{}:{}: [{}] is not a time stamp; write [mm:ss.xx], such as [01:23.45]", file, number, tag));
      }  // other tags ([ar:...], [ti:...]) describe the song
      line.remove_prefix(close + 1);
    }
    const std::string text = without_tags(line);
    for (const double at : times) stamped.push_back({at, text});
    if (stamped.size() > kMaxLyricLines) break;
  }
  std::stable_sort(stamped.begin(), stamped.end(), [](const Stamped& a, const Stamped& b) { return a.at < b.at; });
  Lyrics lyrics;
  for (std::size_t k = 0; k < stamped.size(); ++k) {
    if (stamped[k].text.empty()) continue;  // an empty stamped line ends the one before
    const double start = std::max(0.0, stamped[k].at - offset);
    const double end = k + 1 < stamped.size() ? std::max(0.0, stamped[k + 1].at - offset) : start + last_hold;
    if (end > start) lyrics.lines.push_back({start, end, stamped[k].text});
  }
  check_count(lyrics, file);
  return lyrics;
}

Lyrics parse_srt(const std::vector<std::string_view>& lines, const std::string& file) {
  Lyrics lyrics;
  for (std::size_t at = 0; at < lines.size();) {
    if (trim(lines[at]).empty()) {
      ++at;
      continue;
    }
    // A cue: its number (optional), its times, its text up to a blank line.
    if (lines[at].find("-->") == std::string_view::npos) ++at;
    const std::size_t number = at + 1;
    const std::string_view timing = at < lines.size() ? lines[at] : std::string_view();
    const std::size_t arrow = timing.find("-->");
    std::optional<double> start, end;
    if (arrow != std::string_view::npos) {
      start = srt_time(trim(timing.substr(0, arrow)));
      // Anything after the end time (a position) is ignored.
      std::string_view rest = trim(timing.substr(arrow + 3));
      end = srt_time(rest.substr(0, rest.find(' ')));
    }
    if (!start || !end) {
      throw InputError(fmt::format("{}:{}: expected a cue's times, such as 00:01:02,500 --> 00:01:04,000", file,
                                   std::min(number, lines.size())));
    }
    std::string text;
    for (++at; at < lines.size() && !trim(lines[at]).empty(); ++at) {
      const std::string part = without_tags(lines[at]);
      if (part.empty()) continue;
      if (!text.empty()) text += '\n';
      text += part;
    }
    if (!text.empty() && *end > *start) lyrics.lines.push_back({*start, *end, text});
    if (lyrics.lines.size() > kMaxLyricLines) break;
  }
  std::stable_sort(lyrics.lines.begin(), lyrics.lines.end(),
                   [](const LyricLine& a, const LyricLine& b) { return a.start < b.start; });
  check_count(lyrics, file);
  return lyrics;
}

}  // namespace

Lyrics parse_lyrics(std::string_view text, const std::string& file, double last_hold) {
  const std::vector<std::string_view> lines = split_lines(text);
  const bool srt = std::any_of(lines.begin(), lines.end(),
                               [](std::string_view line) { return line.find("-->") != std::string_view::npos; });
  Lyrics lyrics = srt ? parse_srt(lines, file) : parse_lrc(lines, file, last_hold);
  if (lyrics.lines.empty()) {
    throw InputError(
        fmt::format("{}: no timed lines; give an LRC file ([mm:ss.xx] before each line) or an SRT file", file));
  }
  return lyrics;
}

}  // namespace stemviz
