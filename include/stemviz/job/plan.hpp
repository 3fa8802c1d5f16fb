// The plan (in the job stage): cuts the frames to render into chunks. A chunk is the unit of work of the
// render pool and becomes one video segment that starts on a keyframe.
#pragma once

#include <stemviz/util/timeline.hpp>

#include <cstdint>
#include <vector>

namespace stemviz {

struct Chunk {
  int index = 0;
  std::int64_t first_frame = 0;  // song frame index of the chunk's first frame
  std::int64_t frame_count = 0;  // >= 1

  std::int64_t end_frame() const { return first_frame + frame_count; }
};

struct Plan {
  Timeline timeline;
  std::int64_t first_frame = 0;  // first song frame of the output
  std::int64_t end_frame = 0;    // one past the last song frame of the output
  std::vector<Chunk> chunks;     // in order, covering [first_frame, end_frame) exactly once

  std::int64_t frame_count() const { return end_frame - first_frame; }
  // The audio samples that belong to the output: [first_sample(first), first_sample(end)),
  // clipped to the song.
  std::int64_t first_sample() const { return timeline.first_sample(first_frame); }
  std::int64_t end_sample() const;
};

// Frames per chunk for a chunk length in seconds: at least one frame.
std::int64_t frames_per_chunk(double chunk_seconds, Rational fps);

// Covers song frames [first_frame, end_frame) with chunks of `chunk_frames` frames, except
// near the end (within the last quarter of the frames): there a chunk takes at most a
// sixteenth of the frames still left (but at least a quarter of `chunk_frames` and 8
// frames, or `chunk_frames` when less), so that the chunks finishing last are short and up to
// 16 workers run out of work within a fraction of a chunk of each other instead of most of
// them idling through the last wave. The cut depends only on the arguments, never on the
// core count, so neither do the bytes of the output. Requires
// 0 <= first_frame < end_frame <= frame_count and chunk_frames >= 1.
Plan make_plan(const Timeline& timeline, std::int64_t first_frame, std::int64_t end_frame, std::int64_t chunk_frames);

}  // namespace stemviz
