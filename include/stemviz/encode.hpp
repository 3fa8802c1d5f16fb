// Encode stage: one chunk of rendered frames becomes one video-only H.264 segment (MP4)
// that starts on a keyframe, so segments can later be joined without re-encoding; the
// stems' mix becomes a FLAC master and, at the stitch, one audio-only AAC file.
#pragma once

#include <stemviz/audio.hpp>
#include <stemviz/files.hpp>
#include <stemviz/media.hpp>
#include <stemviz/plan.hpp>
#include <stemviz/timeline.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace stemviz {

struct VideoSettings {
  int width = 1920;               // pixels, even
  int height = 1080;              // pixels, even
  Rational fps{60, 1};
  std::string preset = "veryfast";  // x264 preset
  int crf = 18;                   // x264 constant rate factor, 0 (lossless) .. 51
};

// The x264 presets, fastest first.
const std::vector<std::string>& x264_presets();

// Encodes frames into `path`. Nothing appears at `path` until commit() succeeds: the
// encoder writes to a temporary name beside it and renames it when complete, and the
// destructor removes an uncommitted temporary file.
class SegmentEncoder {
 public:
  SegmentEncoder(const std::filesystem::path& path, const VideoSettings& settings);
  SegmentEncoder(const SegmentEncoder&) = delete;
  SegmentEncoder& operator=(const SegmentEncoder&) = delete;

  // Converts one premultiplied ARGB32 picture (Cairo's layout) to YUV 4:2:0 and encodes it.
  void add_frame(const std::uint8_t* argb, int stride);
  // Flushes the encoder, finishes the file and moves it to its final name.
  void commit();
  std::int64_t frames_written() const { return next_pts_; }

 private:
  void send(const AVFrame* frame);

  std::filesystem::path path_;
  TempFile temp_;            // declared before format_, so the file is closed before removal
  CodecContextPtr codec_;
  OutputFormatPtr format_;
  AVStream* stream_ = nullptr;
  FramePtr frame_;
  PacketPtr packet_;
  std::int64_t next_pts_ = 0;
};

// Writes the soundtrack master: the stems' mix times `gain` (see Analysis::mix_gain) over
// the plan's samples, as stereo 24-bit FLAC at the plan's sample rate, under a temporary
// name renamed when complete. A job carries it so that its workers never read the stems.
// Polls for a cancel request between blocks.
void write_soundtrack_master(const Plan& plan, const std::vector<StemInfo>& stems, float gain,
                             const std::filesystem::path& path);

// Encodes a soundtrack master to stereo AAC at `bit_rate` bits per second in an audio-only
// MP4 at `path`, written under a temporary name and renamed when complete. The master must
// hold exactly `samples` samples per channel at `sample_rate`. Polls for a cancel request
// between packets.
void encode_soundtrack(const std::filesystem::path& master, int sample_rate, std::int64_t samples,
                       const std::filesystem::path& path, std::int64_t bit_rate = 192'000);

}  // namespace stemviz
