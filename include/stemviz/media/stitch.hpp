// Stitch stage: joins the chunk segments and the soundtrack without re-encoding into one
// file of the codec's container (MP4 and MOV with the index at the front: faststart).
#pragma once

#include <stemviz/media/encode.hpp>
#include <stemviz/job/plan.hpp>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace stemviz {

struct OutputSettings {
  VideoCodec codec = VideoCodec::h264;  // decides the container (codec_facts)
  std::string title;                    // metadata; empty: none
};

// Writes `output` from `segments` (one per chunk of `plan`, in order) and `soundtrack` (from
// encode_soundtrack; empty for a silent video), with the title and the stemviz version in
// the container's metadata. Every segment must hold exactly its chunk's frames.
void stitch(const Plan& plan, const std::vector<std::filesystem::path>& segments,
            const std::filesystem::path& soundtrack, const std::filesystem::path& output,
            const OutputSettings& settings);

// For png: writes the frames of `segments` (whose packets are whole PNG files) into
// `folder` as frame-000000.png, frame-000001.png, ... (six digits or more), and copies
// `soundtrack` (empty: none) in as audio.EXT; checks the count and the audio's length.
void write_image_sequence(const Plan& plan, const std::vector<std::filesystem::path>& segments,
                          const std::filesystem::path& soundtrack, const std::filesystem::path& folder);

struct MediaSummary {
  std::int64_t video_frames = 0;
  double video_seconds = 0.0;
  double audio_seconds = 0.0;  // 0 without an audio stream
};

// Reads `path` back (demuxing only) and reports its frame count and stream durations.
MediaSummary summarize_media(const std::filesystem::path& path);

// Checks a stitched file: exactly `plan.frame_count()` frames and, with `audio`, an audio
// stream that lasts as long as the video within one frame. Throws Failure otherwise.
void check_output(const Plan& plan, const std::filesystem::path& path, bool audio);

}  // namespace stemviz
