// The render step of a job folder: the segments of its chunks that are not done yet, drawn
// and encoded by the render pool, each recorded as it completes.
#pragma once

#include <stemviz/job/job_folder.hpp>
#include <stemviz/job/plan.hpp>
#include <stemviz/util/progress.hpp>

#include <cstdint>
#include <functional>
#include <vector>

namespace stemviz {

struct ShardResult {
  std::int64_t chunks = 0, chunks_rendered = 0;  // of the shard; rendered by this call
  std::int64_t frames_rendered = 0;
};

// Renders the chunks among `chunks` whose segments are not done yet, recording each one as
// it completes. `alongside` as for run_render_pool().
ShardResult make_segments(const LoadedJob& job, const std::vector<Chunk>& chunks, int threads, Progress& progress,
                          const std::function<void()>& alongside = {});

}  // namespace stemviz
