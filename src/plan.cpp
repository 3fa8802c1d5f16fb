#include <stemviz/plan.hpp>

#include <algorithm>
#include <cmath>

namespace stemviz {

std::int64_t Plan::end_sample() const {
  return std::min(timeline.first_sample(end_frame), timeline.samples);
}

std::int64_t frames_per_chunk(double chunk_seconds, Rational fps) {
  return std::max<std::int64_t>(1, std::llround(chunk_seconds * fps.to_double()));
}

Plan make_plan(const Timeline& timeline, std::int64_t first_frame, std::int64_t end_frame,
               std::int64_t chunk_frames) {
  Plan plan{timeline, first_frame, end_frame, {}};
  for (std::int64_t frame = first_frame; frame < end_frame; frame += chunk_frames) {
    const int index = static_cast<int>(plan.chunks.size());
    plan.chunks.push_back({index, frame, std::min(chunk_frames, end_frame - frame)});
  }
  return plan;
}

}  // namespace stemviz
