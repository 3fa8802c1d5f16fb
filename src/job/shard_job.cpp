#include <stemviz/job/shard_job.hpp>

#include <stemviz/job/job_folder.hpp>
#include <stemviz/job/prepare.hpp>
#include <stemviz/job/segments.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

// The shard index from the option, or from the variable an array job scheduler sets.
int shard_index(const ShardOptions& options) {
  if (options.index) return *options.index;
  std::vector<std::string> names;
  if (!options.index_env.empty()) {
    names = {options.index_env};
  } else {
    names = {"AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"};
  }
  for (const std::string& name : names) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') continue;
    char* end = nullptr;
    errno = 0;
    const long index = std::strtol(value, &end, 10);
    if (errno != 0 || *end != '\0' || index < options.index_base || index > 1'000'000) {
      throw UsageError(fmt::format("{}={}: not a shard index counting from {}", name, value, options.index_base));
    }
    return static_cast<int>(index - options.index_base);
  }
  throw UsageError(
      fmt::format("no shard index: pass --index K, or run as an array job that sets {}", fmt::join(names, ", ")));
}

}  // namespace

ShardSummary run_shard(const ShardOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  check_threads(options.threads);
  if (options.index_base != 0 && options.index_base != 1) {
    throw UsageError(fmt::format("--index-base {}: must be 0 or 1", options.index_base));
  }
  const LoadedJob job = load_job(options.job);
  check_runs_here(job.manifest, manifest_path(options.job));
  const int shard = shard_index(options);
  if (shard < 0 || shard >= job.manifest.shards) {
    throw UsageError(fmt::format("shard {}: the job in {} has shards 0 to {}", shard, options.job.string(),
                                 job.manifest.shards - 1));
  }
  Progress progress(0, options.progress);
  const std::vector<Chunk> chunks = job.manifest.chunks_of_shard(shard);
  const Manifest& m = job.manifest;
  progress.note(fmt::format("shard {} of {}: chunks {}-{} of {} ({} frames, {}x{} at {} fps, scene {})", shard,
                            m.shards, chunks.front().index, chunks.back().index, m.plan.chunks.size(),
                            m.plan.frame_count(), m.video.width, m.video.height, m.video.fps.to_string(),
                            m.scene.name));
  const ShardResult result = make_segments(job, chunks, options.threads, progress);
  return {shard, result.chunks, result.chunks_rendered, result.frames_rendered, seconds_since(started)};
}

}  // namespace stemviz
