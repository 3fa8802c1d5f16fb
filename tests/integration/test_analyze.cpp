// `stemviz analyze` and stem loading, run through the real binary on real audio.
#include "../support/checks.hpp"
#include "../support/probe.hpp"

#include <stemviz/analysis/feature_file.hpp>
#include <stemviz/util/hash.hpp>

#include <cairo.h>
#include <doctest/doctest.h>
#include <sndfile.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <numbers>

using namespace stemviz::test;
namespace fs = std::filesystem;

namespace {

double sine_half(std::int64_t i, int) { return 0.5 * std::sin(2 * std::numbers::pi * 300.0 * i / 48000.0); }
double silence(std::int64_t, int) { return 0.0; }
double first_half(std::int64_t i, int) { return i < 24000 ? sine_half(i, 0) : 0.0; }
// A 1 ms burst every 0.3 s, starting at 0.1 s.
double clicks(std::int64_t i, int) {
  const std::int64_t phase = (i - 4800) % 14400;
  return i >= 4800 && phase < 48 ? (phase % 2 ? -0.8 : 0.8) : 0.0;
}

std::vector<std::string> lines_of(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// One CSV line's fields (RFC 4180 quoting, no line breaks inside fields).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// The value in `column` (named in the header) of data row `row` (0-based).
double cell(const std::vector<std::string>& lines, std::size_t row, const std::string& column) {
  const auto header = csv_fields(lines.at(0));
  const auto at = std::find(header.begin(), header.end(), column);
  REQUIRE_MESSAGE(at != header.end(), "no column " << column);
  return std::stod(csv_fields(lines.at(row + 1)).at(static_cast<std::size_t>(at - header.begin())));
}

constexpr int kWav16 = SF_FORMAT_WAV | SF_FORMAT_PCM_16;

}  // namespace

TEST_CASE("analyze writes one CSV row per frame with every stem's features") {
  const fs::path stems = fresh_dir("analyze-csv");
  write_stem(stems / "a sine.wav", kWav16, 48000, 1, 48000, sine_half);
  write_stem(stems / "b, silent.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 2, 48000, silence);
  const fs::path out = fresh_dir("analyze-csv-out") / "features.csv";
  const RunResult result =
      run(kStemviz, {"analyze", stems.string(), "-o", out.string(), "--fps", "30", "--bands", "2"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto lines = lines_of(out);
  REQUIRE(lines.size() == 1 + 30);
  CHECK(lines[0] ==
        "frame,time,a sine.rms,a sine.peak,a sine.db,a sine.level,a sine.centroid,a sine.flux,"
        "a sine.onset,a sine.band1,a sine.band2,\"b, silent.rms\",\"b, silent.peak\","
        "\"b, silent.db\",\"b, silent.level\",\"b, silent.centroid\",\"b, silent.flux\","
        "\"b, silent.onset\",\"b, silent.band1\",\"b, silent.band2\"");
  CHECK(csv_fields(lines[15]).size() == 20);
  CHECK(cell(lines, 14, "frame") == 14);
  CHECK(cell(lines, 14, "time") == doctest::Approx(14.0 / 30));
  CHECK(cell(lines, 14, "a sine.rms") == doctest::Approx(0.5 / std::sqrt(2.0)).epsilon(1e-3));
  CHECK(cell(lines, 14, "a sine.peak") == doctest::Approx(0.5).epsilon(1e-3));
  CHECK(cell(lines, 14, "a sine.db") == doctest::Approx(20 * std::log10(0.5 / std::sqrt(2.0))).epsilon(1e-3));
  CHECK(cell(lines, 14, "a sine.level") == doctest::Approx(1.0).epsilon(1e-3));
  CHECK(cell(lines, 14, "a sine.centroid") == doctest::Approx(300.0).epsilon(0.05));
  // 300 Hz lies in the lower of two bands split at sqrt(40 * 16000) = 800 Hz.
  CHECK(cell(lines, 14, "a sine.band1") == doctest::Approx(1.0).epsilon(0.01));
  CHECK(cell(lines, 14, "a sine.band2") < 0.05);
  CHECK(cell(lines, 14, "b, silent.rms") == 0.0);
  CHECK(cell(lines, 14, "b, silent.db") == -120.0);
  CHECK(cell(lines, 14, "b, silent.level") == 0.0);
  CHECK(cell(lines, 14, "b, silent.flux") == 0.0);
}

TEST_CASE("analyze writes JSON, takes a list of files and keeps Unicode names") {
  const fs::path stems = fresh_dir("analyze-json");
  const fs::path first = stems / "Grosse Trommel \xC3\xBC\xE2\x99\xAA.wav";  // ü and a note sign
  const fs::path second = stems / "zz.wav";
  write_stem(first, kWav16, 48000, 1, 24000, sine_half);
  write_stem(second, kWav16, 48000, 1, 24000, silence);
  const fs::path out = fresh_dir("analyze-json-out") / "features.json";
  // Files in the order given, not name order.
  const RunResult result = run(kStemviz, {"analyze", second.string(), first.string(), "-o", out.string(), "--fps",
                                          "29.97", "--normalize", "global"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  std::ifstream in(out);
  const auto json = nlohmann::json::parse(in);
  CHECK(json["format"] == "stemviz-features");
  CHECK(json["version"] == 1);
  CHECK(json["fps"] == "30000/1001");
  CHECK(json["settings"]["normalize"] == "global");
  REQUIRE(json["stems"].size() == 2);
  CHECK(json["stems"][0]["name"] == "zz");
  CHECK(json["stems"][1]["name"] == "Grosse Trommel \xC3\xBC\xE2\x99\xAA");
  // ceil(24000 * 30000 / (48000 * 1001)) frames.
  CHECK(json["frame_count"] == 15);
  REQUIRE(json["frames"].size() == 15);
  const auto& frame = json["frames"][7];
  CHECK(frame["frame"] == 7);
  CHECK(frame["rms"][0] == 0.0);
  CHECK(frame["rms"][1].get<double>() == doctest::Approx(0.5 / std::sqrt(2.0)).epsilon(1e-3));
  CHECK(frame["level"][1].get<double>() == doctest::Approx(1.0).epsilon(1e-3));
}

TEST_CASE("--onsets-csv lists each click once, within a frame of its time") {
  const fs::path stems = fresh_dir("onsets");
  write_stem(stems / "clicks.wav", kWav16, 48000, 1, 48000 * 2, clicks);
  write_stem(stems / "quiet.wav", kWav16, 48000, 1, 48000 * 2, silence);
  const fs::path out = fresh_dir("onsets-out") / "onsets.csv";
  const RunResult result = run(kStemviz, {"analyze", stems.string(), "--onsets-csv", out.string()});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto lines = lines_of(out);
  REQUIRE(lines.size() >= 1);
  CHECK(lines[0] == "stem,frame,time,strength");
  // Clicks at 0.1 s + k * 0.3 s for k = 0..6; none from the silent stem.
  REQUIRE(lines.size() == 1 + 7);
  for (std::size_t k = 0; k < 7; ++k) {
    const auto fields = csv_fields(lines[k + 1]);
    CHECK(fields[0] == "clicks");
    CHECK(std::stoi(fields[1]) == 6 + 18 * static_cast<int>(k));  // 60 fps
    CHECK(std::stod(fields[3]) > 0.5);
  }
}

TEST_CASE("--plot draws one lane per stem with its envelope") {
  const fs::path stems = fresh_dir("plot");
  write_stem(stems / "a sounding 鼓 🥁.wav", kWav16, 48000, 1, 48000, first_half);
  write_stem(stems / "b silent Бочка.wav", kWav16, 48000, 1, 48000, silence);
  const fs::path out = fresh_dir("plot-out") / "envelopes.png";
  const RunResult result = run(kStemviz, {"analyze", stems.string(), "--plot", out.string(), "--release-ms", "0"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("no installed font") == std::string::npos);
  const std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> png(
      cairo_image_surface_create_from_png(out.c_str()), cairo_surface_destroy);
  REQUIRE(cairo_surface_status(png.get()) == CAIRO_STATUS_SUCCESS);
  const int width = cairo_image_surface_get_width(png.get());
  const int height = cairo_image_surface_get_height(png.get());
  CHECK(width == 1600);
  CHECK(height == 12 + 34 + 2 * 72);  // margins and two lanes
  const auto* pixels = cairo_image_surface_get_data(png.get());
  const int stride = cairo_image_surface_get_stride(png.get());
  const auto pixel = [&](int x, int y) {
    std::uint32_t value;
    std::memcpy(&value, pixels + static_cast<std::ptrdiff_t>(y) * stride + 4 * x, 4);
    return value & 0xFFFFFFu;
  };
  // Pixels in a column of a lane that differ from the lane's empty top (no envelope reaches
  // the top 8 pixels, and these columns hold no onset tick or gridline).
  const auto filled = [&](int lane, double seconds) {
    const int top = 12 + 72 * lane;
    const int x = 180 + static_cast<int>(seconds * (1600 - 180 - 16));
    const std::uint32_t background = pixel(x, top + 4);
    int count = 0;
    for (int y = top + 8; y < top + 72; ++y) count += pixel(x, y) != background;
    return count;
  };
  CHECK(filled(0, 0.23) > 30);  // full level: most of the lane's height
  CHECK(filled(0, 0.83) == 0);  // silence in the second half
  CHECK(filled(1, 0.23) == 0);  // the silent stem
}

TEST_CASE("MP3 and Opus stems are read") {
  const fs::path stems = fresh_dir("compressed");
  write_stem(stems / "a.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 48000, 1, 48000, sine_half);
  write_stem(stems / "b.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000, 2, 48000, sine_half);
  for (const char* name : {"a.mp3", "b.opus"}) {
    CAPTURE(name);
    const fs::path out = fresh_dir("compressed-out") / "f.csv";
    const RunResult result = run(kStemviz, {"analyze", (stems / name).string(), "-o", out.string()});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find("1 stem, ") != std::string::npos);
    const auto lines = lines_of(out);
    // Encoder delay and padding may add a few milliseconds, never a whole second.
    CHECK(lines.size() >= 1 + 60);
    CHECK(lines.size() <= 1 + 63);
    const std::string stem = fs::path(name).stem().string();
    CHECK(cell(lines, 30, stem + ".rms") == doctest::Approx(0.5 / std::sqrt(2.0)).epsilon(0.05));
  }
}

namespace {

struct MidiNote {
  std::int64_t tick = 0;
  int channel = 0, pitch = 0, velocity = 0;
};
struct MidiTrack {
  std::string name;
  std::vector<MidiNote> notes;  // note-ons
  bool ended = false;           // has an end-of-track event
};
struct MidiFile {
  int format = -1, division = 0;
  std::vector<MidiTrack> tracks;
};

// Reads the parts of a Standard MIDI File that --onsets-midi writes; fails the test on
// anything malformed.
MidiFile read_midi(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t at = 0;
  const auto byte = [&] {
    REQUIRE(at < bytes.size());
    return static_cast<unsigned char>(bytes[at++]);
  };
  const auto u16 = [&] {
    const int hi = byte();
    return hi << 8 | byte();
  };
  const auto u32 = [&] {
    const std::uint32_t hi = static_cast<std::uint32_t>(u16());
    return hi << 16 | static_cast<std::uint32_t>(u16());
  };
  const auto varlen = [&] {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const auto b = byte();
      v = v << 7 | (b & 0x7Fu);
      if (!(b & 0x80)) return v;
    }
    FAIL("variable-length quantity longer than 4 bytes");
    return v;
  };
  MidiFile file;
  REQUIRE(bytes.substr(0, 4) == "MThd");
  at = 4;
  REQUIRE(u32() == 6);
  file.format = u16();
  const int tracks = u16();
  file.division = u16();
  for (int t = 0; t < tracks; ++t) {
    REQUIRE(bytes.substr(at, 4) == "MTrk");
    at += 4;
    const std::size_t end = at + u32();
    MidiTrack track;
    std::int64_t tick = 0;
    while (at < end) {
      tick += varlen();
      const auto status = byte();
      if (status == 0xFF) {
        const auto type = byte();
        const std::uint32_t length = varlen();
        if (type == 0x03) track.name = bytes.substr(at, length);
        if (type == 0x2F) track.ended = true;
        at += length;
      } else if ((status & 0xF0) == 0x90) {
        const int pitch = byte(), velocity = byte();
        track.notes.push_back({tick, status & 0x0F, pitch, velocity});
      } else {
        REQUIRE((status & 0xF0) == 0x80);
        at += 2;
      }
    }
    REQUIRE(at == end);
    file.tracks.push_back(track);
  }
  return file;
}

}  // namespace

TEST_CASE("--onsets-midi writes one drum track per stem with a note per onset") {
  const fs::path stems = fresh_dir("midi");
  write_stem(stems / "clicks.wav", kWav16, 48000, 1, 48000 * 2, clicks);
  write_stem(stems / "quiet.wav", kWav16, 48000, 1, 48000 * 2, silence);
  const fs::path out = fresh_dir("midi-out") / "onsets.mid";
  const RunResult result = run(kStemviz, {"analyze", stems.string(), "--onsets-midi", out.string()});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const MidiFile midi = read_midi(out);
  CHECK(midi.format == 1);
  CHECK(midi.division == 480);
  REQUIRE(midi.tracks.size() == 3);  // tempo, clicks, quiet
  CHECK(midi.tracks[1].name == "clicks");
  CHECK(midi.tracks[2].name == "quiet");
  for (const MidiTrack& track : midi.tracks) CHECK(track.ended);
  REQUIRE(midi.tracks[1].notes.size() == 7);
  CHECK(midi.tracks[2].notes.empty());
  for (std::size_t k = 0; k < 7; ++k) {
    const MidiNote& note = midi.tracks[1].notes[k];
    // 120 bpm at 480 per quarter is 960 ticks a second; clicks at 0.1 s + k * 0.3 s.
    CHECK(note.tick == 96 + 288 * static_cast<std::int64_t>(k));
    CHECK(note.channel == 9);
    CHECK(note.pitch == 36);
    CHECK(note.velocity > 64);
  }
}

TEST_CASE("stems of different lengths: refused, padded or trimmed") {
  const fs::path stems = fresh_dir("lengths");
  write_stem(stems / "long.wav", kWav16, 48000, 1, 48000, sine_half);
  write_stem(stems / "short.wav", kWav16, 48000, 1, 36000, sine_half);
  const fs::path out_dir = fresh_dir("lengths-out");

  const RunResult refused = run(kStemviz, {"analyze", stems.string(), "-o", (out_dir / "x.csv").string()});
  CHECK(refused.exit_code == 3);
  CHECK(refused.output.find("long.wav: 1.000 s") != std::string::npos);
  CHECK(refused.output.find("short.wav: 0.750 s") != std::string::npos);
  CHECK(refused.output.find("--pad") != std::string::npos);
  CHECK(refused.output.find("--trim") != std::string::npos);
  CHECK(fs::is_empty(out_dir));

  const RunResult padded = run(kStemviz, {"analyze", stems.string(), "-o", (out_dir / "pad.csv").string(), "--fps",
                                          "20", "--pad", "--release-ms", "0"});
  INFO(padded.output);
  REQUIRE(padded.exit_code == 0);
  const auto pad_lines = lines_of(out_dir / "pad.csv");
  REQUIRE(pad_lines.size() == 1 + 20);
  // After 0.75 s the short stem is silence (its window ends well before frame 18).
  CHECK(cell(pad_lines, 18, "short.rms") == 0.0);
  CHECK(cell(pad_lines, 18, "long.rms") > 0.3);

  const RunResult trimmed =
      run(kStemviz, {"analyze", stems.string(), "-o", (out_dir / "trim.csv").string(), "--fps", "20", "--trim"});
  REQUIRE(trimmed.exit_code == 0);
  CHECK(lines_of(out_dir / "trim.csv").size() == 1 + 15);

  const fs::path video = out_dir / "padded.mp4";
  const RunResult render =
      run(kStemviz, {"render", stems.string(), "-o", video.string(), "--size", "320x180", "--fps", "20", "--pad"});
  INFO(render.output);
  REQUIRE(render.exit_code == 0);
  const VideoProbe p = probe_video(video);
  CHECK(p.decoded_frames == 20);
  CHECK(std::abs(p.audio_seconds - 1.0) <= 1.0 / 20);
}

double sine_44k(std::int64_t i, int) { return 0.5 * std::sin(2 * std::numbers::pi * 300.0 * i / 44100.0); }

TEST_CASE("stems at 44.1 and 48 kHz render with a soundtrack at 48 kHz") {
  const fs::path stems = fresh_dir("rates");
  write_stem(stems / "cd.wav", kWav16, 44100, 2, 44100, sine_44k);
  // 10 ms longer: less than a frame at 20 fps, so no --pad is needed.
  write_stem(stems / "dat.wav", kWav16, 48000, 1, 48480, sine_half);
  const fs::path video = fresh_dir("rates-out") / "mixed.mp4";
  const RunResult render =
      run(kStemviz, {"render", stems.string(), "-o", video.string(), "--size", "320x180", "--fps", "20"});
  INFO(render.output);
  REQUIRE(render.exit_code == 0);
  CHECK(render.output.find("at 44100, 48000 Hz, mixed at 48000 Hz") != std::string::npos);
  const VideoProbe p = probe_video(video);
  CHECK(p.audio_sample_rate == 48000);
  CHECK(p.decoded_frames == 21);  // 1.01 s at 20 fps
  CHECK(std::abs(p.audio_seconds - 1.01) <= 1.0 / 20);
}

// The RMS of `column` over `rows`, in dB relative to `reference`.
double rms_db(const std::vector<std::string>& lines, const std::vector<std::size_t>& rows, const std::string& column,
              double reference) {
  double sum = 0.0;
  for (const std::size_t row : rows) sum += std::pow(cell(lines, row, column), 2);
  return 20 * std::log10(std::max(1e-12, std::sqrt(sum / static_cast<double>(rows.size())) / reference));
}

TEST_CASE("--bleed-reduce lowers the bleed in the close mics by 20 dB and keeps their own hits") {
  // The same kit twice: with the generator's -24 dB bleed, and without, which tells which
  // frames of each mic hold only bleed and which its own drum.
  const fs::path with_bleed = fresh_dir("bleed-kit");
  const fs::path without = fresh_dir("bleed-free-kit");
  REQUIRE(run(kStemvizKit, {with_bleed.string(), "--seconds", "4"}).exit_code == 0);
  REQUIRE(run(kStemvizKit, {without.string(), "--seconds", "4", "--bleed-db", "-120"}).exit_code == 0);
  const fs::path out = fresh_dir("bleed-out");
  const auto analyse = [&](const fs::path& stems, const std::string& name, bool reduce) {
    std::vector<std::string> args{"analyze", stems.string(), "-o", (out / name).string(), "--release-ms", "0"};
    if (reduce) args.push_back("--bleed-reduce");
    const RunResult result = run(kStemviz, args);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    return lines_of(out / name);
  };
  const auto truth = analyse(without, "truth.csv", false);
  const auto before = analyse(with_bleed, "before.csv", false);
  const auto after = analyse(with_bleed, "after.csv", true);
  const std::size_t frames = truth.size() - 1;
  for (const std::string stem : {"01-kick", "02-snare", "03-tom-high", "04-tom-mid", "05-tom-floor"}) {
    const std::string column = stem + ".rms";
    double loudest = 0.0;
    for (std::size_t f = 0; f < frames; ++f) loudest = std::max(loudest, cell(truth, f, column));
    std::vector<std::size_t> bleed_only, own_hits;
    for (std::size_t f = 0; f < frames; ++f) {
      const double own = cell(truth, f, column);
      if (own < 1e-3 * loudest) bleed_only.push_back(f);  // own drum below -60 dB
      if (own > 0.1 * loudest) own_hits.push_back(f);     // own drum within 20 dB of its top
    }
    INFO(stem);
    REQUIRE(bleed_only.size() >= 10);
    REQUIRE(own_hits.size() >= 10);
    const double bleed_before = rms_db(before, bleed_only, column, loudest);
    const double bleed_after = rms_db(after, bleed_only, column, loudest);
    MESSAGE(stem << ": bleed " << bleed_before << " dB -> " << bleed_after << " dB");
    CHECK(bleed_before > -40.0);  // the bleed is there to begin with
    CHECK(bleed_after < bleed_before - 20.0);
    const double hits_change = rms_db(after, own_hits, column, 1.0) - rms_db(before, own_hits, column, 1.0);
    CHECK(std::abs(hits_change) < 1.0);
  }
}

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_CASE("features are cached beside the output and analysed again when stems or settings change") {
  const fs::path stems = fresh_dir("cache-stems");
  write_stem(stems / "kick.wav", kWav16, 48000, 1, 24000, clicks);
  write_stem(stems / "tone.wav", kWav16, 48000, 1, 24000, sine_half);
  const fs::path out = fresh_dir("cache-out");
  const auto analyse = [&](const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"analyze", stems.string(), "-o", (out / name).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunResult result = run(kStemviz, args);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    return result.output;
  };
  CHECK(analyse("first.csv").find("analysing") != std::string::npos);
  REQUIRE(fs::is_directory(out / ".stemviz-cache"));
  const std::string cached = analyse("second.csv");
  CHECK(cached.find("features from the cache") != std::string::npos);
  CHECK(cached.find("analysing") == std::string::npos);
  CHECK(contents(out / "first.csv") == contents(out / "second.csv"));

  // Another setting, --no-cache, or a changed stem: analysed again.
  CHECK(analyse("bleed.csv", {"--bleed-reduce"}).find("analysing") != std::string::npos);
  CHECK(analyse("fresh.csv", {"--no-cache"}).find("analysing") != std::string::npos);
  write_stem(stems / "tone.wav", kWav16, 48000, 1, 24000, silence);
  fs::last_write_time(stems / "tone.wav", fs::last_write_time(stems / "tone.wav") + std::chrono::seconds(5));
  CHECK(analyse("changed.csv").find("analysing") != std::string::npos);
  CHECK(contents(out / "changed.csv") != contents(out / "first.csv"));

  // A damaged entry is not used: analysed again, and the entry replaced.
  for (const auto& entry : fs::directory_iterator(out / ".stemviz-cache")) {
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(200);
    file.put('!');
  }
  CHECK(analyse("after-damage.csv").find("analysing") != std::string::npos);
  CHECK(contents(out / "after-damage.csv") == contents(out / "changed.csv"));
  CHECK(analyse("again.csv").find("features from the cache") != std::string::npos);

  // --cache-dir puts the cache elsewhere.
  const fs::path elsewhere = fresh_dir("cache-elsewhere");
  analyse("elsewhere.csv", {"--cache-dir", elsewhere.string()});
  CHECK(!fs::is_empty(elsewhere));

  // What a scene's waveform, spectrum or "mix" layers ask for is part of the key: a preview
  // with another such layer analyses again, the same one takes the cache.
  const auto preview = [&](const std::string& layer) {
    const fs::path scene = out / "layer.toml";
    std::ofstream(scene) << "[[layers]]\n" << layer;
    const RunResult result = run(kStemviz, {"preview", stems.string(), "--scene", scene.string(), "--size", "320x180",
                                            "-o", (out / "layer.png").string(), "-y"});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    return result.output.find("analysing") != std::string::npos;
  };
  CHECK(preview("kind = \"waveform\"\n"));
  CHECK_FALSE(preview("kind = \"waveform\"\n"));
  CHECK(preview("kind = \"waveform\"\nseconds = 1\n"));
  CHECK(preview("kind = \"spectrum\"\n"));
  CHECK(preview("kind = \"spectrum\"\nbands = 64\n"));
  CHECK(preview("kind = \"text\"\ntext = \"x\"\nstem = \"mix\"\n"));
  CHECK_FALSE(preview("kind = \"spectrum\"\nbands = 64\n"));
}

TEST_CASE("analyze -o features.svf writes the binary feature file with the stems' hashes") {
  const fs::path stems = fresh_dir("svf-stems");
  write_stem(stems / "kick one.wav", kWav16, 48000, 1, 24000, clicks);
  const fs::path out = fresh_dir("svf-out");
  const RunResult result = run(kStemviz, {"analyze", stems.string(), "-o", (out / "f.svf").string(), "--onsets-csv",
                                          (out / "onsets.csv").string(), "--no-cache"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(files_in(out) == std::vector<std::string>{"f.svf", "onsets.csv"});
  const stemviz::FeatureFile file = stemviz::read_feature_file(out / "f.svf");
  REQUIRE(file.stems.size() == 1);
  CHECK(file.stems[0].name == "kick one");
  CHECK(file.stems[0].sha256 == stemviz::sha256_of_file(stems / "kick one.wav"));
  CHECK(file.analysis.features.frame_count() == 30);
  // The onsets in the file are the ones listed in the CSV.
  int onsets = 0;
  for (std::int64_t f = 0; f < 30; ++f) onsets += file.analysis.features.at(0, f).onset > 0.0f;
  CHECK(onsets + 1 == static_cast<int>(lines_of(out / "onsets.csv").size()));
}

TEST_CASE("skipped files get a one-line note") {
  const fs::path stems = fresh_dir("skipped");
  write_stem(stems / "kick.wav", kWav16, 48000, 1, 4800, sine_half);
  std::ofstream(stems / "notes.txt") << "take 3\n";
  std::ofstream(stems / ".DS_Store") << "x";
  const fs::path out = fresh_dir("skipped-out") / "f.csv";
  const RunResult result = run(kStemviz, {"analyze", stems.string(), "-o", out.string()});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("skipped 2 files that are not audio or hidden: .DS_Store, notes.txt") != std::string::npos);
}

TEST_CASE("analyze: bad input gets a one-line error and a distinct exit code") {
  const fs::path stems = fresh_dir("analyze-bad-stems");
  write_stem(stems / "kick.wav", kWav16, 48000, 1, 4800, sine_half);
  const fs::path out_dir = fresh_dir("analyze-bad");
  const auto expect = [&](const std::vector<std::string>& args, int code, const std::string& text) {
    check_refused(kStemviz, args, code, text, out_dir);
  };
  const std::string out = (out_dir / "f.csv").string();
  expect({"analyze", stems.string(), "-o", (out_dir / "f.xlsx").string()}, 2, ".csv, .json or .svf");
  expect({"analyze", (out_dir / "missing").string(), "-o", out}, 3, "no such file or folder");
  expect({"analyze", stems.string(), "-o", out, "--normalize", "loudest"}, 2, "--normalize");
  expect({"analyze", stems.string(), "-o", out, "--floor-db", "6"}, 2, "--floor-db");
  expect({"analyze", stems.string(), "-o", out, "--gamma", "0"}, 2, "--gamma");
  expect({"analyze", stems.string(), "-o", out, "--window-ms", "-1"}, 2, "--window-ms");
  expect({"analyze", stems.string(), "-o", out, "--pad", "--trim"}, 2, "--trim");
  expect({"analyze", stems.string(), "-o", out, "--bands", "17"}, 2, "--bands 17: must be from 1 to 16");
  const fs::path empty = fresh_dir("analyze-empty");
  expect({"analyze", empty.string(), "-o", out}, 3, "no audio files found");
  std::ofstream(empty / "notes.txt") << "no audio here";
  expect({"analyze", empty.string(), "-o", out}, 3, "no audio files found");
  const fs::path zero = fresh_dir("analyze-zero");
  write_stem(zero / "kick.wav", kWav16, 48000, 1, 4800, sine_half);
  write_stem(zero / "empty take.wav", kWav16, 48000, 1, 0, sine_half);
  expect({"analyze", zero.string(), "-o", out}, 3, "empty take.wav: the file holds no samples");
  // libsndfile's own reason follows the file's name, whatever its script.
  std::ofstream(stems / "broken ドラム.wav") << "RIFF but not really";
  expect({"analyze", stems.string(), "-o", out}, 3, "broken ドラム.wav: cannot read audio: ");
}
