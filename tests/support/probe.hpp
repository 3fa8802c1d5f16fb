// Test helpers that look at real output files through libav (demux and decode), and run
// the real stemviz binary.
#pragma once

#include <stemviz/draw/canvas.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace stemviz::test {

struct VideoProbe {
  std::string video_codec;
  std::string pixel_format;
  int width = 0;
  int height = 0;
  std::int64_t fps_num = 0, fps_den = 1;  // the stream's average frame rate
  std::int64_t decoded_frames = 0;        // frames that came out of the decoder
  double video_seconds = 0.0;
  std::string audio_codec;  // empty without audio
  int audio_channels = 0;
  int audio_sample_rate = 0;  // Hz
  double audio_seconds = 0.0;
  bool moov_before_mdat = false;  // "faststart": playable while downloading
  std::string title, comment;     // the container's metadata
};

// Opens `path`, decodes every video frame and reads the streams' properties.
VideoProbe probe_video(const std::filesystem::path& path);

// One 64-bit hash per decoded frame over its Y, U and V planes (visible pixels only).
std::vector<std::uint64_t> frame_hashes(const std::filesystem::path& path);

// The video stream's packets, bytes and all, in file order.
std::vector<std::vector<std::uint8_t>> video_packets(const std::filesystem::path& path);

// The alpha channel of decoded frame `index` (0-based), 8 bits per pixel; VP9's alpha is
// decoded with libvpx, which reads it from the container's side data.
struct AlphaImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;
  int at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
};
AlphaImage decode_alpha(const std::filesystem::path& path, std::int64_t index);

struct LumaImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // width * height
  int at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
};
// The luma plane of decoded frame `index` (0-based).
LumaImage decode_luma(const std::filesystem::path& path, std::int64_t index);

// A PNG (a preview) as Cairo keeps pictures: premultiplied ARGB32 in native byte order.
struct Image {
  int width = 0, height = 0, stride = 0;
  std::vector<std::uint8_t> argb;
  std::uint8_t channel(int x, int y, int c) const {
    return argb[static_cast<std::size_t>(y) * static_cast<std::size_t>(stride) + static_cast<std::size_t>(x) * 4 +
                static_cast<std::size_t>(c)];
  }
};
// The picture in `path`; an empty one (width 0) when it cannot be read.
Image read_png(const std::filesystem::path& path);

// Writes a `width` x `height` picture of one colour (0..255 each) as a PNG (Cairo) or a JPEG
// (libavcodec's MJPEG encoder, full range 4:2:0), for scenes' image layers.
void write_png(const std::filesystem::path& path, int width, int height, int r, int g, int b, int a = 255);
void write_jpeg(const std::filesystem::path& path, int width, int height, int r, int g, int b);

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs `program` with `arguments` (no shell involved in quoting) and waits for it.
RunResult run(const std::filesystem::path& program, const std::vector<std::string>& arguments);

// The same in two steps, for tests that signal the process while it runs.
struct Started {
  int pid = -1;
  std::filesystem::path log;
};
Started start(const std::filesystem::path& program, const std::vector<std::string>& arguments);
// Waits for the process; past `give_up_after`, kills it (SIGKILL: exit code 137), so that
// a process that would never end fails its test instead of stalling the suite.
RunResult finish(const Started& started, std::chrono::seconds give_up_after = std::chrono::hours(1));

// The names in `dir` (hidden ones too), sorted.
std::vector<std::string> files_in(const std::filesystem::path& dir);

// A fresh empty folder under the test's temporary root.
std::filesystem::path fresh_dir(const std::string& name);

// Writes a stem of `samples` frames with `channels` channels; `value(i, c)` gives sample
// i of channel c. `format` is a libsndfile SF_FORMAT_* combination.
void write_stem(const std::filesystem::path& path, int format, int rate, int channels, std::int64_t samples,
                double (*value)(std::int64_t, int));

// `features` with the displays `scene`'s waveform and spectrum layers ask for, as the
// analysis would give them: values across their whole range (-1..1 for a trace, 0..1 for a
// spectrum); and with a row for the mix (the first stem's features) when a layer reads it.
FeatureTrack with_displays(const FeatureTrack& features, const SceneDescription& scene,
                           const std::vector<std::string>& stem_names, double fps);

// A bundled scene (by name) for `features.stem_count()` stems named "stem 1", "stem 2", ...
// (with displays added to a copy of `features` when its layers need them)
Scene bundled_scene(const std::string& name, const FeatureTrack& features, const Timeline& timeline, int width,
                    int height);

// Features with every value of every stem at every frame set to `value` (0..1).
FeatureTrack constant_features(int stems, std::int64_t frames, float value);

// Lets `change` edit stem `stem`'s features at `frame` (in range) in `track`.
template <typename Change>
void change_features(FeatureTrack& track, int stem, std::int64_t frame, Change change) {
  StemFrameFeatures features = track.at(stem, frame);
  change(features);
  track.set(stem, frame, features);
}

}  // namespace stemviz::test
