#include <stemviz/job/plan.hpp>

#include <algorithm>
#include <cmath>

namespace stemviz {

std::int64_t Plan::end_sample() const { return std::min(timeline.first_sample(end_frame), timeline.samples); }

std::int64_t frames_per_chunk(double chunk_seconds, Rational fps) {
  return std::max<std::int64_t>(1, std::llround(chunk_seconds * fps.to_double()));
}

Plan make_plan(const Timeline& timeline, std::int64_t first_frame, std::int64_t end_frame, std::int64_t chunk_frames) {
  // A chunk's extra keyframe and encoder start cost about 6 KB and half a frame's work at
  // 1080p, so the tail adds about 20 chunks to a song: 1% of the file and 0.2% of the work,
  // against up to 8% of idle cores at 4 to 16 workers without it. Only the last quarter of
  // the frames is cut finer, so that a short render does not become all keyframes, and no
  // finer than 8 frames (where those fixed costs stay under 6%) unless chunks are shorter.
  constexpr std::int64_t kTailShare = 16;
  const std::int64_t shortest = std::max(chunk_frames / 4, std::min<std::int64_t>(chunk_frames, 8));
  const std::int64_t total = end_frame - first_frame;
  Plan plan{timeline, first_frame, end_frame, {}};
  for (std::int64_t frame = first_frame; frame < end_frame;) {
    const std::int64_t left = end_frame - frame;
    const std::int64_t share = left * 4 > total ? chunk_frames : (left + kTailShare - 1) / kTailShare;
    const std::int64_t frames = std::min({chunk_frames, std::max(shortest, share), left});
    plan.chunks.push_back({static_cast<int>(plan.chunks.size()), frame, frames});
    frame += frames;
  }
  return plan;
}

}  // namespace stemviz
