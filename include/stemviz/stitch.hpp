// Stitch stage: joins the chunk segments and the soundtrack without re-encoding into one
// MP4 with the index at the front (faststart).
#pragma once

#include <stemviz/plan.hpp>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace stemviz {

// Writes `output` from `segments` (one per chunk of `plan`, in order) and `soundtrack` (from
// encode_soundtrack). Every segment must hold exactly its chunk's frames.
void stitch(const Plan& plan, const std::vector<std::filesystem::path>& segments,
            const std::filesystem::path& soundtrack, const std::filesystem::path& output);

struct MediaSummary {
  std::int64_t video_frames = 0;
  double video_seconds = 0.0;
  double audio_seconds = 0.0;  // 0 without an audio stream
};

// Reads `path` back (demuxing only) and reports its frame count and stream durations.
MediaSummary summarize_media(const std::filesystem::path& path);

// Checks a stitched file: exactly `plan.frame_count()` frames and an audio stream that
// lasts as long as the video within one frame. Throws Failure otherwise.
void check_output(const Plan& plan, const std::filesystem::path& path);

}  // namespace stemviz
