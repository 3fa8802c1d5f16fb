// `stemviz analyze` and stem loading, run through the real binary on real audio.
#include "../support/checks.hpp"
#include "../support/probe.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sndfile.h>

#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>

using namespace stemviz::test;
namespace fs = std::filesystem;

namespace {

const fs::path kStemviz = STEMVIZ_BINARY;

double sine_half(std::int64_t i, int) { return 0.5 * std::sin(2 * std::numbers::pi * 300.0 * i / 48000.0); }
double silence(std::int64_t, int) { return 0.0; }

std::vector<std::string> lines_of(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> split_csv_simple(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  for (std::string field; std::getline(stream, field, ',');) fields.push_back(field);
  return fields;
}

constexpr int kWav16 = SF_FORMAT_WAV | SF_FORMAT_PCM_16;

}  // namespace

TEST_CASE("analyze writes one CSV row per frame with every stem's features") {
  const fs::path stems = fresh_dir("analyze-csv");
  write_stem(stems / "a sine.wav", kWav16, 48000, 1, 48000, sine_half);
  write_stem(stems / "b, silent.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 2, 48000, silence);
  const fs::path out = fresh_dir("analyze-csv-out") / "features.csv";
  const RunResult result = run(kStemviz, {"analyze", stems.string(), "-o", out.string(), "--fps", "30"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto lines = lines_of(out);
  REQUIRE(lines.size() == 1 + 30);
  CHECK(lines[0] ==
        "frame,time,a sine.rms,a sine.peak,a sine.db,a sine.level,\"b, silent.rms\","
        "\"b, silent.peak\",\"b, silent.db\",\"b, silent.level\"");
  const auto row = split_csv_simple(lines[15]);
  REQUIRE(row.size() == 10);
  CHECK(row[0] == "14");
  CHECK(std::stod(row[1]) == doctest::Approx(14.0 / 30));
  CHECK(std::stod(row[2]) == doctest::Approx(0.5 / std::sqrt(2.0)).epsilon(1e-3));
  CHECK(std::stod(row[3]) == doctest::Approx(0.5).epsilon(1e-3));
  CHECK(std::stod(row[4]) == doctest::Approx(20 * std::log10(0.5 / std::sqrt(2.0))).epsilon(1e-3));
  CHECK(std::stod(row[5]) == doctest::Approx(1.0).epsilon(1e-3));
  CHECK(std::stod(row[6]) == 0.0);
  CHECK(std::stod(row[8]) == -120.0);
  CHECK(std::stod(row[9]) == 0.0);
}

TEST_CASE("analyze writes JSON, takes a list of files and keeps Unicode names") {
  const fs::path stems = fresh_dir("analyze-json");
  const fs::path first = stems / "Grosse Trommel \xC3\xBC\xE2\x99\xAA.wav";  // ü and a note sign
  const fs::path second = stems / "zz.wav";
  write_stem(first, kWav16, 48000, 1, 24000, sine_half);
  write_stem(second, kWav16, 48000, 1, 24000, silence);
  const fs::path out = fresh_dir("analyze-json-out") / "features.json";
  // Files in the order given, not name order.
  const RunResult result = run(kStemviz, {"analyze", second.string(), first.string(), "-o",
                                          out.string(), "--fps", "29.97", "--normalize", "global"});
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

  const RunResult padded = run(kStemviz, {"analyze", stems.string(), "-o", (out_dir / "pad.csv").string(),
                                          "--fps", "20", "--pad", "--release-ms", "0"});
  INFO(padded.output);
  REQUIRE(padded.exit_code == 0);
  const auto pad_lines = lines_of(out_dir / "pad.csv");
  REQUIRE(pad_lines.size() == 1 + 20);
  // After 0.75 s the short stem is silence (its window ends well before frame 18).
  CHECK(std::stod(split_csv_simple(pad_lines[1 + 18])[6]) == 0.0);
  CHECK(std::stod(split_csv_simple(pad_lines[1 + 18])[2]) > 0.3);

  const RunResult trimmed = run(kStemviz, {"analyze", stems.string(), "-o", (out_dir / "trim.csv").string(),
                                           "--fps", "20", "--trim"});
  REQUIRE(trimmed.exit_code == 0);
  CHECK(lines_of(out_dir / "trim.csv").size() == 1 + 15);

  const fs::path video = out_dir / "padded.mp4";
  const RunResult render = run(kStemviz, {"render", stems.string(), "-o", video.string(), "--size",
                                          "320x180", "--fps", "20", "--pad"});
  INFO(render.output);
  REQUIRE(render.exit_code == 0);
  const VideoProbe p = probe_video(video);
  CHECK(p.decoded_frames == 20);
  CHECK(std::abs(p.audio_seconds - 1.0) <= 1.0 / 20);
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
  CHECK(result.output.find("skipped 2 files that are not audio or hidden: .DS_Store, notes.txt") !=
        std::string::npos);
}

TEST_CASE("analyze: bad input gets a one-line error and a distinct exit code") {
  const fs::path stems = fresh_dir("analyze-bad-stems");
  write_stem(stems / "kick.wav", kWav16, 48000, 1, 4800, sine_half);
  const fs::path out_dir = fresh_dir("analyze-bad");
  const auto expect = [&](const std::vector<std::string>& args, int code, const std::string& text) {
    check_refused(kStemviz, args, code, text, out_dir);
  };
  const std::string out = (out_dir / "f.csv").string();
  expect({"analyze", stems.string(), "-o", (out_dir / "f.xlsx").string()}, 2, ".csv or .json");
  expect({"analyze", (out_dir / "missing").string(), "-o", out}, 3, "no such file or folder");
  expect({"analyze", stems.string(), "-o", out, "--normalize", "loudest"}, 2, "--normalize");
  expect({"analyze", stems.string(), "-o", out, "--floor-db", "6"}, 2, "--floor-db");
  expect({"analyze", stems.string(), "-o", out, "--gamma", "0"}, 2, "--gamma");
  expect({"analyze", stems.string(), "-o", out, "--window-ms", "-1"}, 2, "--window-ms");
  expect({"analyze", stems.string(), "-o", out, "--pad", "--trim"}, 2, "--trim");
  std::ofstream(stems / "broken.wav") << "RIFF but not really";
  expect({"analyze", stems.string(), "-o", out}, 3, "broken.wav: cannot read audio");
}
