// `stemviz shard JOB [--index K]`: renders one shard's chunks of a planned job. Under an
// array job the index comes from the scheduler's variable, so one command line serves
// every task.
#include "commands.hpp"

#include <stemviz/job/shard_job.hpp>

#include <fmt/format.h>

#include <memory>

namespace stemviz::cli {

namespace {

struct ShardArguments : ProgressArguments {
  ShardOptions options;
};

void run(ShardArguments& arguments) {
  ShardOptions& options = arguments.options;
  options.progress = progress_style(arguments.progress, arguments.quiet);
  const ShardSummary summary = run_shard(options);
  if (options.progress == ProgressStyle::json) {
    print_json_event(fmt::format(
        "\"event\":\"done\",\"shard\":{},\"chunks\":{},\"chunks_rendered\":{},"
        "\"frames_rendered\":{},\"wall_seconds\":{:.3f}",
        summary.shard, summary.chunks, summary.chunks_rendered, summary.frames_rendered, summary.wall_seconds));
    return;
  }
  if (arguments.quiet) return;
  fmt::print(stderr, "stemviz: shard {} done: rendered {} of its {} chunks ({} frames) in {:.1f} s\n", summary.shard,
             summary.chunks_rendered, summary.chunks, summary.frames_rendered, summary.wall_seconds);
}

}  // namespace

void set_shard_command(CLI::App& app) {
  auto arguments = std::make_shared<ShardArguments>();
  ShardOptions& options = arguments->options;
  CLI::App* shard = app.add_subcommand("shard", "Render one shard of a planned job (chunks already done are kept)");
  shard->add_option("job", options.job, "Job folder written by `stemviz plan`")->required();
  CLI::Option* index =
      shard->add_option("--index", options.index,
                        "Shard to render, from 0; default: AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID or "
                        "JOB_COMPLETION_INDEX");
  shard->add_option("--index-env", options.index_env, "Read the shard index from this variable instead")
      ->excludes(index);
  shard->add_option("--index-base", options.index_base, "The variable counts from 0 or 1")->capture_default_str();
  shard->add_option("--threads", options.threads, "Worker threads (0 = all cores)")->capture_default_str();
  add_progress_options(*shard, arguments->progress, arguments->quiet);
  shard->callback([arguments] { run(*arguments); });
}

}  // namespace stemviz::cli
