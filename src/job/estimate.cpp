#include <stemviz/job/estimate.hpp>

#include <stemviz/draw/canvas.hpp>
#include <stemviz/media/encode.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <queue>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

// Seconds of CPU time this thread has used.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

// A shard's chunks go to its machine's cores in order, each to the first core that is free
// (as the render pool takes them); the last ones may leave cores idle.
ShardingEstimate predict(const Manifest& m, const PlanEstimate& measured, int shards, int cores) {
  ShardingEstimate e;
  e.shards = shards;
  e.cores_per_machine = cores;
  const std::vector<int> shard_of = assign_shards(m.plan.chunks, shards);
  // A worker loads the job before its first frame; half a second covers it.
  constexpr double kShardStartSeconds = 0.5;
  double billed = 0.0;
  for (int k = 0; k < shards; ++k) {
    std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
    for (int c = 0; c < cores; ++c) free_at.push(0.0);
    std::int64_t chunks = 0;
    double finished = 0.0;
    for (std::size_t i = 0; i < m.plan.chunks.size(); ++i) {
      if (shard_of[i] != k) continue;
      const double done =
          free_at.top() + static_cast<double>(m.plan.chunks[i].frame_count) * measured.seconds_per_frame;
      free_at.pop();
      free_at.push(done);
      finished = std::max(finished, done);
      ++chunks;
    }
    const double seconds = kShardStartSeconds + finished;
    e.chunks_per_shard = std::max(e.chunks_per_shard, chunks);
    e.shard_seconds = std::max(e.shard_seconds, seconds);
    billed += seconds * cores;
  }
  e.job_seconds = e.shard_seconds + measured.stitch_seconds;
  e.core_hours = (billed + measured.stitch_seconds) / 3600.0;
  return e;
}

}  // namespace

PlanEstimate estimate_job(const PreparedJob& job, int shards, int cores) {
  // The samples go to the system's temporary folder: --estimate writes nothing of its own
  // in the user's folders. What a killed estimate left there goes first.
  const fs::path sample_beside = fs::temp_directory_path() / "stemviz-estimate";
  remove_dead_leftovers(sample_beside);
  const Manifest& m = job.manifest;
  const Scene scene(m.scene, m.stem_names(), job.features.analysis.features, m.plan.timeline, m.video.width,
                    m.video.height, job.inputs);
  FrameCanvas canvas(scene);
  canvas.draw(m.plan.first_frame);  // fonts and buffers are set up once per worker, not per frame
  PlanEstimate estimate;
  const double started = thread_cpu_seconds();
  for (const double at : {0.25, 0.75}) {
    const Chunk& chunk = m.plan.chunks[static_cast<std::size_t>(at * static_cast<double>(m.plan.chunks.size()))];
    // Whole chunks (up to 1 s at 60 fps): a segment's keyframe, encoder start and flush
    // weigh on its frames as in the render. The file goes when `sample` does.
    const TempFile sample(temp_path_for(sample_beside, TempKind::sample));
    SegmentEncoder encoder(sample.path(), m.video);
    const std::int64_t frames = std::min<std::int64_t>(chunk.frame_count, 60);
    for (std::int64_t f = chunk.first_frame; f < chunk.first_frame + frames; ++f) {
      throw_if_cancelled();
      canvas.draw(f);
      encoder.add_frame(canvas.pixels(), canvas.stride());
    }
    encoder.commit();
    estimate.sample_frames += frames;
  }
  estimate.seconds_per_frame = (thread_cpu_seconds() - started) / static_cast<double>(estimate.sample_frames);
  // Joining copies packets and checks segments (about a second for a song); encoding the
  // soundtrack to AAC dominates: 89 s of audio took 4.1 s on a 2-core x86-64 machine.
  const double seconds_of_video = static_cast<double>(m.plan.frame_count()) / m.video.fps.to_double();
  estimate.stitch_seconds = 1.0 + seconds_of_video / 20.0;
  const int chunk_count = static_cast<int>(m.plan.chunks.size());
  estimate.options.push_back(predict(m, estimate, shards, cores));
  for (int n = 1; n <= chunk_count && n <= 1024; n *= 2) {
    if (n != shards) estimate.options.push_back(predict(m, estimate, n, cores));
  }
  std::sort(estimate.options.begin() + 1, estimate.options.end(),
            [](const ShardingEstimate& a, const ShardingEstimate& b) { return a.shards < b.shards; });
  return estimate;
}

}  // namespace stemviz
