// Deliverables: every codec's output decoded with libav (frames, size, pixel format,
// audio, metadata), real alpha where the scene is transparent, and the audio options.
#include "../support/checks.hpp"
#include "../support/probe.hpp"

#include <doctest/doctest.h>
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <numbers>

using namespace stemviz;
using namespace stemviz::test;
namespace fs = std::filesystem;

namespace {

RunResult render(const std::vector<std::string>& extra) {
  std::vector<std::string> arguments = {"render", kKit.string(), "--size", "320x180", "--to", "1", "-q"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return run(kStemviz, arguments);
}

struct Expected {
  const char* codec;
  const char* extension;
  const char* video;  // libav's codec name
  const char* pixel_format;
  const char* audio;
};

}  // namespace

TEST_CASE("every codec writes its container with the frames, size, pixel format, audio and title asked for") {
  const fs::path dir = fresh_dir("codecs");
  for (const Expected& e :
       {Expected{"h264", ".mp4", "h264", "yuv420p", "aac"}, Expected{"hevc", ".mp4", "hevc", "yuv420p", "aac"},
        Expected{"prores", ".mov", "prores", "yuv422p10le", "aac"}, Expected{"vp9", ".webm", "vp9", "yuv420p", "opus"},
        Expected{"ffv1", ".mkv", "ffv1", "bgr0", "flac"}}) {
    CAPTURE(e.codec);
    const fs::path out = dir / (std::string("out-") + e.codec + e.extension);
    const RunResult result = render({"--codec", e.codec, "-o", out.string(), "--title", "Drums, take 3"});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    const VideoProbe p = probe_video(out);
    CHECK(p.video_codec == e.video);
    CHECK(p.pixel_format == e.pixel_format);
    CHECK(p.width == 320);
    CHECK(p.height == 180);
    CHECK(p.decoded_frames == 60);
    CHECK(p.audio_codec == e.audio);
    CHECK(p.audio_channels == 2);
    CHECK(std::abs(p.audio_seconds - 1.0) <= 1.0 / 60);
    CHECK(p.title == "Drums, take 3");
    CHECK(p.comment.rfind("stemviz ", 0) == 0);
  }
  // Without --title the stems folder names the video.
  const fs::path untitled = dir / "untitled.mp4";
  REQUIRE(render({"-o", untitled.string()}).exit_code == 0);
  CHECK(probe_video(untitled).title == "kit7");
}

TEST_CASE("a transparent scene gives real alpha in prores, vp9 and ffv1: 0 in the background, 255 on a pyramid") {
  const fs::path dir = fresh_dir("alpha");
  for (const auto& expected : {std::tuple{"prores", ".mov", "yuva444p10le"}, std::tuple{"vp9", ".webm", "yuv420p"},
                               std::tuple{"ffv1", ".mkv", "bgra"}}) {
    const auto [codec, extension, pixel_format] = expected;
    CAPTURE(std::get<0>(expected));  // CAPTURE cannot take a structured binding (clang)
    const fs::path out = dir / (std::string("overlay-") + codec + extension);
    const RunResult result = render({"--scene", "overlay", "--codec", codec, "-o", out.string()});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(probe_video(out).pixel_format == pixel_format);  // VP9 keeps alpha beside the picture
    const AlphaImage alpha = decode_alpha(out, 30);
    REQUIRE(alpha.width == 320);
    CHECK(alpha.at(2, 2) == 0);
    CHECK(alpha.at(317, 2) == 0);
    const auto opaque = std::count(alpha.pixels.begin(), alpha.pixels.end(), 255);
    CHECK(opaque > 320 * 180 / 100);  // the pyramids cover more than 1% of the picture
    CHECK(std::count(alpha.pixels.begin(), alpha.pixels.end(), 0) > 320 * 180 / 2);
  }
}

TEST_CASE("--help lists the codecs and qualities as words") {
  for (const std::string command : {"render", "plan"}) {
    CAPTURE(command);
    const RunResult help = run(kStemviz, {command, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("--codec {h264,hevc,prores,vp9,ffv1,png}=h264") != std::string::npos);
    CHECK(help.output.find("--quality {draft,standard,high}=standard") != std::string::npos);
    CHECK(help.output.find("--audio-codec {aac,flac,pcm,opus}") != std::string::npos);
    CHECK(help.output.find("ENUM") == std::string::npos);
  }
}

TEST_CASE("codec mistakes are usage errors that say what to do, and nothing is written") {
  const fs::path dir = fresh_dir("codec-errors");
  const auto refused = [&](const std::vector<std::string>& arguments, const std::string& text) {
    std::vector<std::string> full = {"render", kKit.string(), "--size", "320x180", "--to", "1"};
    full.insert(full.end(), arguments.begin(), arguments.end());
    check_refused(kStemviz, full, 2, text, dir);
  };
  refused({"--scene", "overlay", "-o", (dir / "o.mp4").string()}, "use --codec prores, vp9, ffv1 or png");
  // Codecs are taken by name only; a number or a typo names the choices.
  refused({"--codec", "4", "-o", (dir / "o.mkv").string()}, "4 is not one of {h264,hevc,prores,vp9,ffv1,png}");
  refused({"--codec", "h246", "-o", (dir / "o.mp4").string()}, "did you mean h264?");
  refused({"--audio-codec", "1", "-o", (dir / "o.mp4").string()}, "1 is not one of {aac,flac,pcm,opus}");
  refused({"--quality", "hihg", "-o", (dir / "o.mp4").string()}, "did you mean high?");
  refused({"--codec", "prores", "-o", (dir / "o.mp4").string()}, "name it " + (dir / "o.mov").string());
  refused({"--codec", "h264", "--audio-codec", "pcm", "-o", (dir / "o.mp4").string()}, "holds aac");
  refused({"--codec", "vp9", "--audio-codec", "aac", "-o", (dir / "o.webm").string()}, "holds opus");
  refused({"--codec", "prores", "--preset", "slow", "-o", (dir / "o.mov").string()}, "prores has no presets");
  refused({"--codec", "vp9", "--crf", "70", "-o", (dir / "o.webm").string()}, "takes 0 (best) to 63");
  refused({"--codec", "ffv1", "--crf", "10", "-o", (dir / "o.mkv").string()}, "ffv1 has no crf");
  refused({"--codec", "av1", "-o", (dir / "o.mp4").string()}, "--codec");
  refused({"--quality", "best", "-o", (dir / "o.mp4").string()}, "--quality");
  refused({"--fps", "300", "-o", (dir / "o.mp4").string()}, "up to 240");
  refused({"--no-audio", "--audio-codec", "aac", "-o", (dir / "o.mp4").string()}, "--no-audio");
}

TEST_CASE("quality, presets, rational rates and size presets reach the encoder") {
  const fs::path dir = fresh_dir("quality");
  // x264 writes its settings into the stream (an SEI message): read them there.
  const auto encoder_options = [](const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = bytes.find("x264 - core");
    return at == std::string::npos ? std::string() : bytes.substr(at, bytes.find('\0', at) - at);
  };
  REQUIRE(render({"--quality", "draft", "-o", (dir / "draft.mp4").string()}).exit_code == 0);
  REQUIRE(render({"--quality", "high", "-o", (dir / "high.mp4").string()}).exit_code == 0);
  REQUIRE(render({"--preset", "faster", "--crf", "30", "-o", (dir / "mine.mp4").string()}).exit_code == 0);
  const std::string draft = encoder_options(dir / "draft.mp4"), high = encoder_options(dir / "high.mp4"),
                    mine = encoder_options(dir / "mine.mp4");
  CHECK(draft.find("crf=23.0") != std::string::npos);
  CHECK(draft.find("cabac=0") != std::string::npos);  // ultrafast
  CHECK(high.find("crf=16.0") != std::string::npos);
  CHECK(high.find("subme=8") != std::string::npos);  // slow
  CHECK(mine.find("crf=30.0") != std::string::npos);
  CHECK(mine.find("subme=4") != std::string::npos);  // faster
  CHECK(mine.find("threads=1") != std::string::npos);

  const RunResult ntsc = run(kStemviz, {"render", kKit.string(), "--size", "vertical", "--fps", "24000/1001", "--to",
                                        "0.3", "-q", "-o", (dir / "ntsc.mp4").string()});
  INFO(ntsc.output);
  REQUIRE(ntsc.exit_code == 0);
  const VideoProbe p = probe_video(dir / "ntsc.mp4");
  CHECK(p.width == 1080);
  CHECK(p.height == 1920);
  CHECK(p.fps_num == 24000);
  CHECK(p.fps_den == 1001);
  CHECK(p.decoded_frames == 8);  // ceil(0.3 s * 23.976)
}

TEST_CASE("audio: none, another codec, or the master mix given with --audio") {
  const fs::path dir = fresh_dir("audio-options");
  REQUIRE(render({"--no-audio", "-o", (dir / "silent.mp4").string()}).exit_code == 0);
  const VideoProbe silent = probe_video(dir / "silent.mp4");
  CHECK(silent.audio_codec.empty());
  CHECK(silent.decoded_frames == 60);

  REQUIRE(render({"--codec", "prores", "--audio-codec", "pcm", "-o", (dir / "pcm.mov").string()}).exit_code == 0);
  CHECK(probe_video(dir / "pcm.mov").audio_codec == "pcm_s24le");

  // A master mix as long as the stems (4 s): a 48 kHz sine, whatever the stems' rate.
  const fs::path master = dir / "master.wav";
  write_stem(master, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 4 * 48000,
             [](std::int64_t i, int) { return 0.25 * std::sin(2 * std::numbers::pi * 440.0 * i / 48000.0); });
  const RunResult mixed = render({"--audio", master.string(), "-o", (dir / "master.mp4").string()});
  INFO(mixed.output);
  REQUIRE(mixed.exit_code == 0);
  const VideoProbe with_master = probe_video(dir / "master.mp4");
  CHECK(with_master.audio_sample_rate == 48000);
  CHECK(std::abs(with_master.audio_seconds - 1.0) <= 1.0 / 60);

  const fs::path short_master = dir / "short.wav";
  write_stem(short_master, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 3 * 48000,
             [](std::int64_t, int) { return 0.0; });
  const RunResult refused = render({"--audio", short_master.string(), "-o", (dir / "short.mp4").string()});
  CHECK(refused.exit_code == 3);
  CHECK(refused.output.find("lasts 3.000 s but the stems 4.000 s") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "short.mp4"));
}

TEST_CASE("png writes a folder of numbered RGBA frames and the soundtrack, and replaces only such a folder") {
  const fs::path dir = fresh_dir("png-sequence");
  const fs::path frames = dir / "frames";
  const RunResult result = render({"--scene", "overlay", "--codec", "png", "-o", frames.string()});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  std::vector<std::string> names = files_in(frames);
  REQUIRE(names.size() == 61);
  CHECK(names.front() == "audio.flac");
  CHECK(names[1] == "frame-000000.png");
  CHECK(names.back() == "frame-000059.png");
  const VideoProbe png = probe_video(frames / "frame-000030.png");
  CHECK(png.pixel_format == "rgba");
  CHECK(png.width == 320);
  const AlphaImage alpha = decode_alpha(frames / "frame-000030.png", 0);
  CHECK(alpha.at(2, 2) == 0);
  CHECK(std::count(alpha.pixels.begin(), alpha.pixels.end(), 255) > 320 * 180 / 100);
  SF_INFO info{};
  SNDFILE* audio = sf_open((frames / "audio.flac").c_str(), SFM_READ, &info);
  REQUIRE(audio != nullptr);
  sf_close(audio);
  CHECK(info.channels == 2);
  CHECK(std::abs(static_cast<double>(info.frames) / info.samplerate - 1.0) <= 1.0 / 60);

  // An opaque scene gives RGB frames; -y replaces the earlier sequence as a whole.
  REQUIRE(run(kStemviz, {"render", kKit.string(), "--size", "320x180", "--to", "0.5", "-q", "--codec", "png", "-y",
                         "-o", frames.string()})
              .exit_code == 0);
  CHECK(files_in(frames).size() == 31);
  CHECK(probe_video(frames / "frame-000010.png").pixel_format == "rgb24");

  // A folder with other things in it is never replaced, nor a file taken for a folder.
  const fs::path other = dir / "holiday photos";
  fs::create_directories(other);
  std::ofstream(other / "beach.jpg") << "precious";
  const RunResult refused = render({"--codec", "png", "-y", "-o", other.string()});
  CHECK(refused.exit_code == 3);
  CHECK(files_in(other) == std::vector<std::string>{"beach.jpg"});
  std::ofstream(dir / "a-file") << "x";
  CHECK(render({"--codec", "png", "-y", "-o", (dir / "a-file").string()}).exit_code == 2);
}

TEST_CASE("--layers writes one alpha video per stem beside the composite, also through a sharded job") {
  const fs::path dir = fresh_dir("layers");
  const RunResult result = render({"-o", (dir / "song.mp4").string(), "--layers", (dir / "layers").string()});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const std::vector<std::string> names = files_in(dir / "layers");
  REQUIRE(names.size() == 7);
  CHECK(names.front() == "01-01-kick.mov");
  CHECK(names.back() == "07-07-overheads.mov");
  std::vector<std::size_t> opaque;
  std::vector<bool> any_opaque(320 * 180, false);
  for (const std::string& name : names) {
    CAPTURE(name);
    const VideoProbe p = probe_video(dir / "layers" / name);
    CHECK(p.video_codec == "prores");
    CHECK(p.pixel_format == "yuva444p10le");
    CHECK(p.decoded_frames == 60);
    CHECK(p.audio_codec.empty());
    const AlphaImage alpha = decode_alpha(dir / "layers" / name, 30);
    opaque.push_back(static_cast<std::size_t>(std::count(alpha.pixels.begin(), alpha.pixels.end(), 255)));
    CHECK(opaque.back() > 50);
    for (std::size_t i = 0; i < alpha.pixels.size(); ++i) any_opaque[i] = any_opaque[i] || alpha.pixels[i] == 255;
  }
  // Each layer holds one pyramid: together they cover about what they cover apart.
  const auto covered = static_cast<std::size_t>(std::count(any_opaque.begin(), any_opaque.end(), true));
  std::size_t sum = 0;
  for (const std::size_t n : opaque) sum += n;
  CHECK(sum < covered * 12 / 10);
  CHECK(probe_video(dir / "song.mp4").decoded_frames == 60);

  // A job planned with --layers gives the same layers through shard and stitch.
  REQUIRE(run(kStemviz, {"plan", kKit.string(), "--size", "320x180", "--to", "1", "-q", "--layers", "--shards", "2",
                         "--chunk-seconds", "0.5", "-o", (dir / "job").string()})
              .exit_code == 0);
  for (const char* k : {"0", "1"})
    REQUIRE(run(kStemviz, {"shard", (dir / "job").string(), "--index", k, "-q"}).exit_code == 0);
  const RunResult stitched = run(kStemviz, {"stitch", (dir / "job").string(), "-o", (dir / "sharded.mp4").string(),
                                            "--layers", (dir / "sharded-layers").string(), "-q"});
  INFO(stitched.output);
  REQUIRE(stitched.exit_code == 0);
  for (const std::string& name : names) {
    CAPTURE(name);
    CHECK(video_packets(dir / "sharded-layers" / name) == video_packets(dir / "layers" / name));
  }
  // Layers are not written over without -y.
  const RunResult again = render({"-o", (dir / "other.mp4").string(), "--layers", (dir / "layers").string()});
  CHECK(again.exit_code == 2);
  CHECK(again.output.find("01-01-kick.mov: already exists") != std::string::npos);
}
