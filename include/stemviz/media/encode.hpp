// Encode stage: one chunk of rendered frames becomes one video-only segment (H.264 or
// HEVC in MP4, ProRes in MOV, VP9 in WebM, FFV1 in Matroska) that starts on a keyframe, so
// segments can later be joined without re-encoding; the stems' mix becomes a FLAC master
// and, at the stitch, one audio-only file in the output's audio codec.
#pragma once

#include <stemviz/audio/stems.hpp>
#include <stemviz/util/files.hpp>
#include <stemviz/media/libav.hpp>
#include <stemviz/job/plan.hpp>
#include <stemviz/util/timeline.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace stemviz {

enum class VideoCodec { h264, hevc, prores, vp9, ffv1, png };
enum class Quality { draft, standard, high };
enum class AudioCodec { none, aac, flac, pcm, opus };

// What a codec can do and where it goes.
struct CodecFacts {
  VideoCodec codec;
  const char* name;               // as --codec takes it: "h264"
  const char* encoder;            // libavcodec encoder: "libx264"
  const char* container;          // libavformat muxer of segments and output: "mp4"
  const char* extension;          // of the output file: ".mp4"; empty: the output is a folder of
                                  // numbered images (png), its segments Matroska files
  bool alpha;                     // can carry transparency
  bool presets;                   // takes --preset (x264 and x265 preset names)
  int max_crf;                    // takes --crf from 0 up to this; 0: no crf
  std::vector<AudioCodec> audio;  // what the container holds (and keeps exact in length);
                                  // the first is the default
};

const CodecFacts& codec_facts(VideoCodec codec);
const std::vector<CodecFacts>& all_codecs();
// "h264", "hevc", ... and "aac", "flac", "pcm", "opus", "none" as options name them.
const char* quality_name(Quality quality);
const char* audio_codec_name(AudioCodec codec);

// The largest picture side stemviz draws and encodes, in pixels (8K).
inline constexpr int kLargestPictureSide = 8192;

struct VideoSettings {
  int width = 1920;   // pixels, even, 2 .. kLargestPictureSide
  int height = 1080;  // pixels, even, 2 .. kLargestPictureSide
  Rational fps{60, 1};
  VideoCodec codec = VideoCodec::h264;
  Quality quality = Quality::standard;
  bool alpha = false;               // keep the picture's transparency (codec_facts().alpha)
  std::string preset = "veryfast";  // x264/x265 preset; empty for other codecs
  int crf = 18;                     // constant rate factor (h264, hevc, vp9); 0 for others
  std::string profile;              // prores: proxy, lt, standard, hq, 4444, 4444xq
  int speed = 0;                    // vp9: libvpx cpu-used, 0 (slow) .. 8
};

// The encoder settings `quality` stands for with `codec`; `preset` and `crf`, when given,
// override it (UsageError naming the option where the codec has no such setting).
VideoSettings encoder_settings(VideoCodec codec, Quality quality, bool alpha, const std::optional<std::string>& preset,
                               const std::optional<int>& crf);

// The x264 presets, fastest first (x265 has the same names).
const std::vector<std::string>& x264_presets();

// Encodes frames into `path`. Nothing appears at `path` until commit() succeeds: the
// encoder writes to a temporary name beside it and renames it when complete, and the
// destructor removes an uncommitted temporary file.
class SegmentEncoder {
 public:
  SegmentEncoder(const std::filesystem::path& path, const VideoSettings& settings);
  SegmentEncoder(const SegmentEncoder&) = delete;
  SegmentEncoder& operator=(const SegmentEncoder&) = delete;

  // Converts one premultiplied ARGB32 picture (Cairo's layout) to the encoder's pixel
  // format (straight alpha where it has one) and encodes it.
  void add_frame(const std::uint8_t* argb, int stride);
  // Flushes the encoder, finishes the file and moves it to its final name.
  void commit();
  std::int64_t frames_written() const { return next_pts_; }
  // Time spent so far converting pictures to the encoder's format, and encoding and
  // writing them (commit's flush included), for --stats.
  std::chrono::nanoseconds convert_time() const { return convert_time_; }
  std::chrono::nanoseconds encode_time() const { return encode_time_; }

 private:
  void send(const AVFrame* frame);

  std::filesystem::path path_;
  TempFile temp_;  // declared before format_, so the file is closed before removal
  CodecContextPtr codec_;
  OutputFormatPtr format_;
  AVStream* stream_ = nullptr;
  FramePtr frame_;
  PacketPtr packet_;
  SwsContextPtr convert_;               // for formats libyuv does not write
  std::vector<std::uint8_t> straight_;  // the picture with alpha unpremultiplied
  std::int64_t next_pts_ = 0;
  std::chrono::nanoseconds convert_time_{0}, encode_time_{0};
};

// Writes the soundtrack master: the stems' mix times `gain` (see Analysis::mix_gain) over
// the plan's samples, as stereo 24-bit FLAC at the plan's sample rate, under a temporary
// name renamed when complete. A job carries it so that its workers never read the stems.
// Polls for a cancel request between blocks.
void write_soundtrack_master(const Plan& plan, const std::vector<StemInfo>& stems, float gain,
                             const std::filesystem::path& path);

// Writes a soundtrack master from a mix the user gave (--audio): samples [first, end) of
// `audio` at its own rate, stereo 24-bit FLAC; past the file's end, silence.
void copy_soundtrack_master(const StemInfo& audio, std::int64_t first, std::int64_t end,
                            const std::filesystem::path& path);

// Encodes a soundtrack master to stereo `audio` (AAC and Opus at `bit_rate` bits per
// second, FLAC and PCM in 24 bits) in an audio-only file of `container` (the output's, so
// that the encoder's priming and padding are trimmed there the same way) at `path`, written
// under a temporary name and renamed when complete. The master must hold exactly `samples` samples
// per channel at `sample_rate`; an encoder that does not take that rate (Opus) gets 48 kHz.
// Polls for a cancel request between blocks.
void encode_soundtrack(const std::filesystem::path& master, int sample_rate, std::int64_t samples,
                       const std::filesystem::path& path, AudioCodec audio, const char* container,
                       std::int64_t bit_rate = 192'000);

}  // namespace stemviz
