#include <stemviz/analysis/feature_table.hpp>

#include <stemviz/util/error.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <string>

namespace stemviz {

namespace fs = std::filesystem;

TableFormat table_format_for(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (extension == ".csv") return TableFormat::csv;
  if (extension == ".json") return TableFormat::json;
  if (extension == ".svf") return TableFormat::stemviz;
  throw UsageError(
      fmt::format("{}: the feature file must end in .csv, .json or .svf (stemviz's "
                  "binary feature file)",
                  path.string()));
}

namespace {

// RFC 4180: a field with a comma, quote or line break goes in quotes, quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

// A JSON string; bytes that are not UTF-8 (possible in file names) become U+FFFD.
std::string json_string(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Seconds of a frame's start, exact to the microsecond for any rate.
std::string frame_seconds(const Timeline& timeline, std::int64_t frame) {
  return fmt::format("{:.6f}", timeline.frame_time(frame));
}

void write_csv(std::ostream& out, const std::vector<StemInfo>& stems, const Timeline& timeline,
               const FeatureTrack& features) {
  fmt::memory_buffer line;
  fmt::format_to(std::back_inserter(line), "frame,time");
  for (const StemInfo& stem : stems) {
    for (const char* column : {"rms", "peak", "db", "level", "centroid", "flux", "onset"}) {
      fmt::format_to(std::back_inserter(line), ",{}", csv_field(stem.name + "." + column));
    }
    for (int k = 1; k <= features.band_count(); ++k) {
      fmt::format_to(std::back_inserter(line), ",{}", csv_field(fmt::format("{}.band{}", stem.name, k)));
    }
  }
  line.push_back('\n');
  out.write(line.data(), static_cast<std::streamsize>(line.size()));
  for (std::int64_t frame = 0; frame < features.frame_count(); ++frame) {
    line.clear();
    fmt::format_to(std::back_inserter(line), "{},{}", frame, frame_seconds(timeline, frame));
    for (int s = 0; s < features.stem_count(); ++s) {
      const StemFrameFeatures f = features.at(s, frame);
      fmt::format_to(std::back_inserter(line), ",{},{},{},{},{},{},{}", f.rms, f.peak, f.db, f.level, f.centroid_hz,
                     f.flux, f.onset);
      for (int k = 0; k < features.band_count(); ++k) {
        fmt::format_to(std::back_inserter(line), ",{}", f.bands[static_cast<std::size_t>(k)]);
      }
    }
    line.push_back('\n');
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
}

void write_json(std::ostream& out, const std::vector<StemInfo>& stems, const Timeline& timeline,
                const FeatureTrack& features, const AnalysisSettings& settings) {
  const Normalization& n = settings.normalization;
  fmt::print(out, "{{\n  \"format\": \"stemviz-features\",\n  \"version\": 1,\n");
  fmt::print(out, "  \"fps\": {},\n  \"sample_rate\": {},\n  \"samples\": {},\n  \"frame_count\": {},\n",
             json_string(timeline.fps.to_string()), timeline.sample_rate, timeline.samples, features.frame_count());
  fmt::print(out,
             "  \"settings\": {{\"window_ms\": {}, \"attack_ms\": {}, \"release_ms\": {}, "
             "\"normalize\": {}, \"floor_db\": {}, \"gamma\": {}, \"bands\": {}, "
             "\"bleed_reduce\": {}}},\n",
             settings.window_ms, settings.attack_ms, settings.release_ms, json_string(normalization_name(n)),
             n.floor_db ? fmt::format("{}", *n.floor_db) : "null", n.gamma, features.band_count(),
             settings.bleed_reduce);
  fmt::print(out, "  \"stems\": [");
  for (std::size_t s = 0; s < stems.size(); ++s) {
    fmt::print(out, "{}\n    {{\"name\": {}, \"file\": {}, \"channels\": {}}}", s == 0 ? "" : ",",
               json_string(stems[s].name), json_string(stems[s].path.filename().string()), stems[s].channels);
  }
  fmt::print(out, "\n  ],\n  \"frames\": [");
  fmt::memory_buffer row;
  for (std::int64_t frame = 0; frame < features.frame_count(); ++frame) {
    row.clear();
    fmt::format_to(std::back_inserter(row), "{}\n    {{\"frame\": {}, \"time\": {}", frame == 0 ? "" : ",", frame,
                   frame_seconds(timeline, frame));
    for (const auto& [key, member] :
         {std::pair{"rms", &StemFrameFeatures::rms}, std::pair{"peak", &StemFrameFeatures::peak},
          std::pair{"db", &StemFrameFeatures::db}, std::pair{"level", &StemFrameFeatures::level},
          std::pair{"centroid", &StemFrameFeatures::centroid_hz}, std::pair{"flux", &StemFrameFeatures::flux},
          std::pair{"onset", &StemFrameFeatures::onset}}) {
      fmt::format_to(std::back_inserter(row), ", \"{}\": [", key);
      for (int s = 0; s < features.stem_count(); ++s) {
        fmt::format_to(std::back_inserter(row), "{}{}", s == 0 ? "" : ", ", features.at(s, frame).*member);
      }
      row.push_back(']');
    }
    fmt::format_to(std::back_inserter(row), ", \"bands\": [");
    for (int s = 0; s < features.stem_count(); ++s) {
      const auto& bands = features.at(s, frame).bands;
      fmt::format_to(std::back_inserter(row), "{}[{}]", s == 0 ? "" : ", ",
                     fmt::join(bands.begin(), bands.begin() + features.band_count(), ", "));
    }
    row.push_back(']');
    row.push_back('}');
    out.write(row.data(), static_cast<std::streamsize>(row.size()));
  }
  fmt::print(out, "\n  ]\n}}\n");
}

}  // namespace

void write_onset_table(std::ostream& out, const std::vector<StemInfo>& stems, const Timeline& timeline,
                       const FeatureTrack& features) {
  fmt::print(out, "stem,frame,time,strength\n");
  for (int s = 0; s < features.stem_count(); ++s) {
    const std::string name = csv_field(stems[static_cast<std::size_t>(s)].name);
    for (std::int64_t frame = 0; frame < features.frame_count(); ++frame) {
      const float strength = features.at(s, frame).onset;
      if (strength > 0.0f) {
        fmt::print(out, "{},{},{},{}\n", name, frame, frame_seconds(timeline, frame), strength);
      }
    }
  }
}

namespace {

constexpr std::int64_t kTicksPerQuarter = 480;
constexpr std::int64_t kTicksPerSecond = 960;  // at 120 bpm
constexpr std::uint8_t kDrumChannel = 9;       // "channel 10" counted from 1

void put_u16(std::string& out, std::uint32_t v) {
  out += static_cast<char>((v >> 8) & 0xFF);
  out += static_cast<char>(v & 0xFF);
}

void put_u32(std::string& out, std::uint32_t v) {
  put_u16(out, v >> 16);
  put_u16(out, v & 0xFFFF);
}

// MIDI's variable-length quantity: 7 bits per byte, high bit set on all but the last.
void put_varlen(std::string& out, std::uint32_t v) {
  char bytes[5];
  int n = 0;
  bytes[n++] = static_cast<char>(v & 0x7F);
  while ((v >>= 7) != 0) bytes[n++] = static_cast<char>(0x80 | (v & 0x7F));
  while (n > 0) out += bytes[--n];
}

void put_track(std::ostream& out, const std::string& events) {
  std::string header = "MTrk";
  put_u32(header, static_cast<std::uint32_t>(events.size()));
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(events.data(), static_cast<std::streamsize>(events.size()));
}

}  // namespace

void write_onset_midi(std::ostream& out, const std::vector<StemInfo>& stems, const Timeline& timeline,
                      const FeatureTrack& features) {
  std::string header = "MThd";
  put_u32(header, 6);
  put_u16(header, 1);  // format 1: parallel tracks
  put_u16(header, static_cast<std::uint32_t>(features.stem_count() + 1));
  put_u16(header, kTicksPerQuarter);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));

  std::string tempo;
  put_varlen(tempo, 0);
  tempo += "\xFF\x51\x03";
  tempo += "\x07\xA1\x20";  // 500000 microseconds per quarter note: 120 bpm
  put_varlen(tempo, 0);
  tempo += "\xFF\x2F";
  tempo += '\0';
  put_track(out, tempo);

  const std::int64_t note_ticks = kTicksPerQuarter / 4;
  for (int s = 0; s < features.stem_count(); ++s) {
    std::string events;
    const std::string& name = stems[static_cast<std::size_t>(s)].name;
    put_varlen(events, 0);
    events += "\xFF\x03";
    put_varlen(events, static_cast<std::uint32_t>(name.size()));
    events += name;
    const auto pitch = static_cast<char>(std::min(127, 36 + s));
    std::int64_t now = 0;        // ticks of the last event written
    std::int64_t note_end = -1;  // the sounding note's end, or -1
    const auto note_off = [&](std::int64_t at) {
      put_varlen(events, static_cast<std::uint32_t>(at - now));
      events += static_cast<char>(0x80 | kDrumChannel);
      events += pitch;
      events += '\0';
      now = at;
      note_end = -1;
    };
    for (std::int64_t frame = 0; frame < features.frame_count(); ++frame) {
      const float strength = features.at(s, frame).onset;
      if (strength <= 0.0f) continue;
      // Exact ticks of the frame's start: frame * den / num seconds, rounded.
      const std::int64_t at =
          (frame * timeline.fps.den * kTicksPerSecond * 2 + timeline.fps.num) / (2 * timeline.fps.num);
      if (note_end >= 0) note_off(std::min(note_end, at));
      put_varlen(events, static_cast<std::uint32_t>(at - now));
      events += static_cast<char>(0x90 | kDrumChannel);
      events += pitch;
      events += static_cast<char>(std::clamp(static_cast<int>(std::lround(1.0 + 126.0 * strength)), 1, 127));
      now = at;
      note_end = at + note_ticks;
    }
    if (note_end >= 0) note_off(note_end);
    put_varlen(events, 0);
    events += "\xFF\x2F";
    events += '\0';
    put_track(out, events);
  }
}

void write_feature_table(std::ostream& out, TableFormat format, const std::vector<StemInfo>& stems,
                         const Timeline& timeline, const FeatureTrack& features, const AnalysisSettings& settings) {
  if (format == TableFormat::csv) {
    write_csv(out, stems, timeline, features);
  } else {
    write_json(out, stems, timeline, features, settings);
  }
}

}  // namespace stemviz
