// Codec facts that every stage may need, without libav: the video and audio codecs stemviz
// writes, what each can do and where it goes, the encoder settings the quality names stand
// for, and the largest picture stemviz draws and encodes.
#pragma once

#include <stemviz/util/timeline.hpp>

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

}  // namespace stemviz
