// End-to-end tests: run the real stemviz binary on real audio and inspect the real output
// with libav.
#include "../support/checks.hpp"
#include "../support/probe.hpp"

#include <stemviz/draw/canvas.hpp>

#include <doctest/doctest.h>
#include <sndfile.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <numbers>
#include <thread>

using namespace stemviz;
using namespace stemviz::test;
namespace fs = std::filesystem;

namespace {

// ceil(samples * fps / rate), written out independently of the library.
std::int64_t expected_frames(std::int64_t samples, std::int64_t fps_num, std::int64_t fps_den, int rate) {
  return (samples * fps_num + rate * fps_den - 1) / (rate * fps_den);
}

double sine_200(std::int64_t i, int) { return 0.5 * std::sin(2 * std::numbers::pi * 200.0 * i / 44100.0); }
double quiet_noise(std::int64_t i, int) { return 0.05 * std::sin(i * 0.7) * std::sin(i * 0.013); }

}  // namespace

TEST_CASE("default render: 1080p60 H.264/yuv420p MP4 with AAC soundtrack and faststart") {
  const fs::path out_dir = fresh_dir("default");
  const fs::path out = out_dir / "out.mp4";
  const RunResult result = run(kStemviz, {"render", kKit.string(), "-o", out.string(), "--to", "1.5"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const VideoProbe p = probe_video(out);
  CHECK(p.video_codec == "h264");
  CHECK(p.pixel_format == "yuv420p");
  CHECK(p.width == 1920);
  CHECK(p.height == 1080);
  CHECK(p.fps_num == 60);
  CHECK(p.fps_den == 1);
  CHECK(p.decoded_frames == 90);
  CHECK(p.video_seconds == doctest::Approx(1.5));
  CHECK(p.audio_codec == "aac");
  CHECK(p.audio_channels == 2);
  CHECK(std::abs(p.audio_seconds - p.video_seconds) <= 1.0 / 60);
  CHECK(p.moov_before_mdat);
  // Only the finished video is left, and the features cached for the next run: no
  // segments, no scratch folder.
  CHECK(files_in(out_dir) == std::vector<std::string>{".stemviz-cache", "out.mp4"});
  CHECK(files_in(out_dir / ".stemviz-cache").size() == 1);
  CHECK(result.output.find("stemviz: wrote") != std::string::npos);

  // Rendering the same stems again, with other video settings, reuses the features.
  const RunResult again = run(kStemviz, {"render", kKit.string(), "-o", (out_dir / "small.mp4").string(), "--to", "0.5",
                                         "--size", "320x180", "--crf", "30"});
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK(again.output.find("features from the cache") != std::string::npos);
  CHECK(again.output.find("analysing") == std::string::npos);
  CHECK(probe_video(out_dir / "small.mp4").decoded_frames == 30);
}

TEST_CASE("frame count is exact and audio matches video for odd lengths and rates") {
  struct Case {
    int rate;
    std::int64_t samples;
    const char* fps;
    std::int64_t num, den;
  };
  for (const Case& c : {Case{48000, 112'561, "29.97", 30000, 1001}, Case{44100, 44'545, "24", 24, 1},
                        Case{44100, 100'000, "60", 60, 1}}) {
    const std::string fps = c.fps;
    CAPTURE(fps);
    const fs::path stems = fresh_dir("odd-stems");
    write_stem(stems / "a.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, c.rate, 1, c.samples, sine_200);
    write_stem(stems / "b.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, c.rate, 2, c.samples, quiet_noise);
    const fs::path out = fresh_dir("odd-out") / "odd.mp4";
    const RunResult result = run(kStemviz, {"render", stems.string(), "-o", out.string(), "--size", "320x180", "--fps",
                                            c.fps, "--chunk-seconds", "0.5"});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    const VideoProbe p = probe_video(out);
    CHECK(p.decoded_frames == expected_frames(c.samples, c.num, c.den, c.rate));
    CHECK(p.fps_num * c.den == c.num * p.fps_den);
    CHECK(std::abs(p.audio_seconds - static_cast<double>(c.samples) / c.rate) < 0.001);
    CHECK(std::abs(p.audio_seconds - p.video_seconds) <= static_cast<double>(c.den) / c.num);
  }
}

TEST_CASE("output does not depend on thread count or chunk size") {
  const fs::path dir = fresh_dir("determinism");
  // Six seconds, so that 5 s chunks make a short last chunk as well.
  const fs::path stems = dir / "kit";
  REQUIRE(run(kStemvizKit, {stems.string(), "--seconds", "6"}).exit_code == 0);
  const auto render = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args{"render", stems.string(), "-o", (dir / name).string(), "--size", "320x180"};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunResult result = run(kStemviz, args);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    return dir / name;
  };
  SUBCASE("same chunks, 1, 2 or 8 threads: identical video stream, byte for byte") {
    const auto one = video_packets(render("t1.mp4", {"--threads", "1"}));
    CHECK(one.size() == 360);
    CHECK(one == video_packets(render("t2.mp4", {"--threads", "2"})));
    CHECK(one == video_packets(render("t8.mp4", {"--threads", "8"})));
  }
  SUBCASE("1, 2 or 5 s chunks on 1, 2 or 8 threads: identical decoded frames (lossless)") {
    // Chunk boundaries place keyframes, so the packets differ; the pictures must not.
    const auto a = frame_hashes(render("c1.mp4", {"--crf", "0", "--threads", "1", "--chunk-seconds", "1"}));
    CHECK(a.size() == 360);
    CHECK(a == frame_hashes(render("c2.mp4", {"--crf", "0", "--threads", "2", "--chunk-seconds", "2"})));
    CHECK(a == frame_hashes(render("c5.mp4", {"--crf", "0", "--threads", "8", "--chunk-seconds", "5"})));
  }
}

namespace {

// Stem 1 is loud in the first half second (its peak) and, in the "loud" set only, again
// from 1.5 s to 2.5 s. The other stems are the same in both sets.
bool g_loud_middle = false;
double stem_that_moves(std::int64_t i, int) {
  const double t = static_cast<double>(i) / 44100.0;
  const bool loud = t < 0.5 || (g_loud_middle && t >= 1.5 && t < 2.5);
  return (loud ? 0.8 : 0.05) * std::sin(2 * std::numbers::pi * 330.0 * t);
}

fs::path make_moving_set(const std::string& name, bool loud_middle) {
  g_loud_middle = loud_middle;
  const fs::path dir = fresh_dir(name);
  write_stem(dir / "1.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 3 * 44100, sine_200);
  write_stem(dir / "2.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 3 * 44100, stem_that_moves);
  write_stem(dir / "3.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 3 * 44100, quiet_noise);
  return dir;
}

}  // namespace

TEST_CASE("a loud stem changes its own pyramid and nothing else") {
  const fs::path out_dir = fresh_dir("loudness-out");
  const auto render = [&](const fs::path& stems, const std::string& name) {
    const RunResult result =
        run(kStemviz, {"render", stems.string(), "-o", (out_dir / name).string(), "--size", "640x360", "--crf", "0"});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    return out_dir / name;
  };
  const fs::path loud = render(make_moving_set("loud-set", true), "loud.mp4");
  const fs::path quiet = render(make_moving_set("quiet-set", false), "quiet.mp4");
  const std::int64_t frame = 120;  // t = 2.0 s at 60 fps
  const LumaImage a = decode_luma(loud, frame);
  const LumaImage b = decode_luma(quiet, frame);

  // Where stem 1's pyramid and its mirror image can be at this time, at any loudness.
  const Timeline timeline{Rational{60, 1}, 44100, 3 * 44100};
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  for (const float level : {0.0f, 1.0f}) {
    FeatureTrack features = constant_features(3, timeline.frame_count(), 1.0f);
    for (std::int64_t f = 0; f < timeline.frame_count(); ++f) {
      change_features(features, 1, f, [&](StemFrameFeatures& v) { v.level = level; });
    }
    const Scene scene = bundled_scene("classic", features, timeline, 640, 360);
    FrameCanvas canvas(scene);
    canvas.draw(frame);
    for (const ScreenFace& face : canvas.faces()) {
      if (face.stem != 1) continue;
      for (int k = 0; k < face.corners; ++k) {
        x0 = std::min(x0, face.xy[2 * k]);
        x1 = std::max(x1, face.xy[2 * k]);
        y0 = std::min(y0, face.xy[2 * k + 1]);
        y1 = std::max(y1, face.xy[2 * k + 1]);
      }
    }
  }
  constexpr double kMargin = 3.0;
  std::int64_t changed_inside = 0, changed_outside = 0;
  for (int y = 0; y < a.height; ++y) {
    for (int x = 0; x < a.width; ++x) {
      const bool inside = x >= x0 - kMargin && x <= x1 + kMargin && y >= y0 - kMargin && y <= y1 + kMargin;
      if (a.at(x, y) != b.at(x, y)) ++(inside ? changed_inside : changed_outside);
    }
  }
  CHECK(changed_inside > 2000);
  CHECK(changed_outside == 0);
}

TEST_CASE("WAV AIFF FLAC and OGG stems render together and other files are ignored") {
  const fs::path stems = fresh_dir("formats");
  const std::int64_t samples = 44100;
  write_stem(stems / "stem 1.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 1, samples, sine_200);
  write_stem(stems / "stem 2.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 44100, 2, samples, quiet_noise);
  write_stem(stems / "stem 3.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, 1, samples, sine_200);
  write_stem(stems / "stem 10.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 44100, 2, samples, sine_200);
  // Neither of these is a stem: a hidden file (of another length) and a text file.
  write_stem(stems / ".hidden.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 1000, sine_200);
  std::ofstream(stems / "notes.txt") << "take 3\n";
  const fs::path out = fresh_dir("formats-out") / "formats.mp4";
  const RunResult result = run(kStemviz, {"render", stems.string(), "-o", out.string(), "--size", "320x180"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("4 stems") != std::string::npos);
  CHECK(probe_video(out).decoded_frames == 60);
}

TEST_CASE("one stem and 32 stems both render") {
  for (const int count : {1, 32}) {
    CAPTURE(count);
    const fs::path stems = fresh_dir("many-" + std::to_string(count));
    const RunResult kit = run(kStemvizKit, {stems.string(), "--stems", std::to_string(count), "--seconds", "0.5"});
    INFO(kit.output);
    REQUIRE(kit.exit_code == 0);
    const fs::path out = fresh_dir("many-out") / "many.mp4";
    const RunResult result = run(kStemviz, {"render", stems.string(), "-o", out.string(), "--size", "320x180"});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(probe_video(out).decoded_frames == 30);
  }
}

TEST_CASE("--from and --to render only that part, with matching audio") {
  const fs::path out = fresh_dir("part") / "part.mp4";
  const RunResult result =
      run(kStemviz, {"render", kKit.string(), "-o", out.string(), "--size", "320x180", "--from", "1", "--to", "2.5"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const VideoProbe p = probe_video(out);
  CHECK(p.decoded_frames == 90);
  CHECK(std::abs(p.audio_seconds - 1.5) <= 1.0 / 60);
}

TEST_CASE("bad input: one-line error, distinct exit code, nothing written") {
  const fs::path out_dir = fresh_dir("errors");
  const fs::path out = out_dir / "out.mp4";
  const auto expect = [&](const std::vector<std::string>& args, int code, const std::string& text) {
    check_refused(kStemviz, args, code, text, out_dir);
  };
  SUBCASE("stems of different lengths list every duration") {
    const fs::path stems = fresh_dir("uneven");
    write_stem(stems / "kick.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 44100, sine_200);
    write_stem(stems / "snare.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 66150, sine_200);
    const RunResult result = run(kStemviz, {"render", stems.string(), "-o", out.string()});
    CHECK(result.exit_code == 3);
    CHECK(result.output.find("kick.wav: 1.000 s") != std::string::npos);
    CHECK(result.output.find("snare.wav: 1.500 s") != std::string::npos);
    CHECK(std::count(result.output.begin(), result.output.end(), '\n') == 1);
    CHECK(files_in(out_dir).empty());
  }
  SUBCASE("a folder without audio") {
    const fs::path empty = fresh_dir("no-audio");
    std::ofstream(empty / "readme.txt") << "nothing here\n";
    expect({"render", empty.string(), "-o", out.string()}, 3, "no audio files");
  }
  SUBCASE("a folder that does not exist") {
    expect({"render", (out_dir / "missing").string(), "-o", out.string()}, 3, "no such file or folder");
  }
  SUBCASE("an unreadable audio file") {
    const fs::path stems = fresh_dir("garbage");
    write_stem(stems / "good.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 44100, sine_200);
    std::ofstream(stems / "bad.wav") << "this is not audio";
    expect({"render", stems.string(), "-o", out.string()}, 3, "bad.wav: cannot read audio");
  }
  SUBCASE("an output folder that does not exist") {
    const RunResult result = run(kStemviz, {"render", kKit.string(), "-o", (out_dir / "no" / "x.mp4").string()});
    CHECK(result.exit_code == 3);
    CHECK(result.output.find("does not exist") != std::string::npos);
  }
  SUBCASE("--from past the end") {
    expect({"render", kKit.string(), "-o", out.string(), "--from", "100"}, 3, "past the end");
  }
  SUBCASE("nonsense option values are usage errors") {
    expect({"render", kKit.string(), "-o", out.string(), "--size", "0x0"}, 2, "--size");
    expect({"render", kKit.string(), "-o", out.string(), "--size", "641x360"}, 2, "even");
    expect({"render", kKit.string(), "-o", out.string(), "--fps", "0"}, 2, "--fps");
    expect({"render", kKit.string(), "-o", out.string(), "--from", "2", "--to", "1"}, 2, "--from");
    expect({"render", kKit.string(), "-o", out.string(), "--crf", "60"}, 2, "--crf");
    expect({"render", kKit.string(), "-o", out.string(), "--preset", "warp"}, 2, "--preset");
    expect({"render", kKit.string(), "-o", out.string(), "--chunk-seconds", "0"}, 2, "--chunk-seconds");
    expect({"render", kKit.string(), "-o", out.string(), "--no-such-option"}, 2, "no-such-option");
    expect({"render", kKit.string()}, 2, "--output");
  }
  SUBCASE("an existing output is kept unless -y") {
    std::ofstream(out) << "precious";
    const RunResult result =
        run(kStemviz, {"render", kKit.string(), "-o", out.string(), "--size", "320x180", "--to", "0.2"});
    CHECK(result.exit_code == 2);
    CHECK(result.output.find("pass -y") != std::string::npos);
    CHECK(fs::file_size(out) == 8);
    const RunResult again =
        run(kStemviz, {"render", kKit.string(), "-o", out.string(), "--size", "320x180", "--to", "0.2", "-y"});
    CHECK(again.exit_code == 0);
    CHECK(probe_video(out).decoded_frames == 12);
    fs::remove(out);
  }
}

TEST_CASE("SIGINT stops the render with exit code 130 and leaves nothing behind") {
  const fs::path out_dir = fresh_dir("interrupt");
  const Started started = start(kStemviz, {"render", kKit.string(), "-o", (out_dir / "out.mp4").string()});
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  kill(started.pid, SIGINT);
  const RunResult result = finish(started);
  INFO(result.output);
  CHECK(result.exit_code == 130);
  // At most the features, analysed before the interrupt, stay for the next run.
  const auto left = files_in(out_dir);
  CHECK((left.empty() || left == std::vector<std::string>{".stemviz-cache"}));
  if (!left.empty()) {
    for (const auto& name : files_in(out_dir / ".stemviz-cache")) CHECK(name.ends_with(".svf"));
  }
}
