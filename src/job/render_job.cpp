#include <stemviz/job/render_job.hpp>

#include <stemviz/job/job_folder.hpp>
#include <stemviz/job/output_paths.hpp>
#include <stemviz/job/prepare.hpp>
#include <stemviz/job/segments.hpp>
#include <stemviz/job/soundtrack_files.hpp>
#include <stemviz/job/stitch_job.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <chrono>
#include <optional>

namespace stemviz {

namespace fs = std::filesystem;

RenderSummary run_render(const RenderOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  validate(options.job);
  check_threads(options.threads);
  check_video_output(options.output, options.overwrite, options.job.codec);
  if (!options.work_dir.empty() && !holds_a_job_or_nothing(options.work_dir)) {
    throw InputError(
        fmt::format("--work-dir {}: holds files that are not a stemviz job; give a new or "
                    "empty folder",
                    options.work_dir.string()));
  }

  Progress progress(0, options.progress);
  JobSettings settings = options.job;
  settings.layers = !options.layers_dir.empty();
  PreparedJob prepared = prepare_job(settings, options.threads, 1, options.output, progress);
  check_layer_outputs(options.layers_dir, prepared.manifest, options.overwrite);
  remove_leftovers_beside(options.output, progress);
  std::optional<ScratchDir> scratch;
  if (options.work_dir.empty()) scratch.emplace(options.output);
  const fs::path folder = options.work_dir.empty() ? scratch->path() : options.work_dir;
  if (write_job(folder, prepared.manifest, prepared.features)) {
    progress.note(fmt::format("resuming the job in {}", folder.string()));
  }
  // The render reads the job folder's copy a block at a time: keeping this one would make
  // memory grow with the song's length (about 40 KB per second of 7 stems).
  prepared.features = {};
  // From here on the render reads the job folder exactly as a shard on another machine does.
  const LoadedJob job = load_job(folder);
  progress.note("rendering " + describe_render(job.manifest));
  const float gain = job.features.analysis.mix_gain;
  const ShardResult rendered = make_segments(job, job.manifest.plan.chunks, options.threads, progress, [&] {
    write_soundtrack(folder, job.manifest, prepared.stems, gain, prepared.given_mix ? &*prepared.given_mix : nullptr);
    prepare_soundtrack(job);
  });
  stitch_job(job, options.output, options.layers_dir, progress);

  RenderSummary summary;
  summary.frames = job.manifest.plan.frame_count();
  summary.frames_rendered = rendered.frames_rendered;
  summary.seconds_of_video = static_cast<double>(summary.frames) / job.manifest.video.fps.to_double();
  summary.wall_seconds = seconds_since(started);
  summary.times = progress.times();
  return summary;
}

Manifest plan_render(const RenderOptions& options) {
  validate(options.job);
  check_threads(options.threads);
  check_video_output(options.output, options.overwrite, options.job.codec);
  Progress quiet(0, ProgressStyle::none);
  return prepare_job(options.job, options.threads, 1, options.output, quiet, false).manifest;
}

}  // namespace stemviz
