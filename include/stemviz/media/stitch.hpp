// Stitch stage: joins the chunk segments and the soundtrack without re-encoding into one
// file of the codec's container (MP4 and MOV with the index at the front: faststart).
#pragma once

#include <stemviz/media/codecs.hpp>
#include <stemviz/util/timeline.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace stemviz {

// One chunk's segment: a file of the codec's container holding exactly `frames` frames.
// A list of them, in order, makes the output's frames from its first on.
struct SegmentFile {
  std::filesystem::path path;
  std::int64_t frames = 0;
};

// The frames of all `segments`.
std::int64_t total_frames(const std::vector<SegmentFile>& segments);

struct OutputSettings {
  VideoCodec codec = VideoCodec::h264;  // decides the container (codec_facts)
  std::string title;                    // metadata; empty: none
};

// Writes `output` from `segments` (in order, at `fps`) and `soundtrack` (from
// encode_soundtrack; empty for a silent video), with the title and the stemviz version in
// the container's metadata. Every segment must hold exactly its frames.
void stitch(const std::vector<SegmentFile>& segments, Rational fps, const std::filesystem::path& soundtrack,
            const std::filesystem::path& output, const OutputSettings& settings);

// For png: writes the frames of `segments` (whose packets are whole PNG files) into
// `folder` as frame-000000.png, frame-000001.png, ... (six digits or more), and copies
// `soundtrack` (empty: none) in as audio.EXT; checks the count and the audio's length.
void write_image_sequence(const std::vector<SegmentFile>& segments, Rational fps,
                          const std::filesystem::path& soundtrack, const std::filesystem::path& folder);

struct MediaSummary {
  std::int64_t video_frames = 0;
  double video_seconds = 0.0;
  double audio_seconds = 0.0;  // 0 without an audio stream
};

// Reads `path` back (demuxing only) and reports its frame count and stream durations.
MediaSummary summarize_media(const std::filesystem::path& path);

// Checks a stitched file: exactly `frames` frames and, with `audio`, an audio stream that
// lasts as long as the video within one frame of `fps`. Throws Failure otherwise.
void check_output(std::int64_t frames, Rational fps, const std::filesystem::path& path, bool audio);

}  // namespace stemviz
