// Stitch stage: joins the chunk segments without re-encoding, encodes the soundtrack once
// (AAC) and muxes both into one MP4 with the index at the front (faststart).
#pragma once

#include <stemviz/audio.hpp>
#include <stemviz/plan.hpp>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace stemviz {

struct SoundtrackSettings {
  const std::vector<StemInfo>* stems = nullptr;  // summed into the soundtrack
  float gain = 1.0f;                             // applied to the sum (see Analysis::mix_gain)
  std::int64_t bit_rate = 192'000;               // AAC bits per second, stereo
};

// Writes `output` from `segments` (one per chunk of `plan`, in order) and the soundtrack
// for the plan's sample range. Every segment must hold exactly its chunk's frames.
void stitch(const Plan& plan, const std::vector<std::filesystem::path>& segments,
            const SoundtrackSettings& soundtrack, const std::filesystem::path& output);

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
