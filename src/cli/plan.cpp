// `stemviz plan STEMS -o JOB --shards N`: analyses the stems once and writes a job folder
// that machines of a cluster render shard by shard (`stemviz shard`) and one joins
// (`stemviz stitch`).
#include "commands.hpp"

#include <stemviz/job/plan_job.hpp>

#include <fmt/format.h>

#include <cmath>
#include <memory>

namespace stemviz::cli {

namespace {

struct PlanArguments : JobArguments {
  PlanOptions options;
};

// "1:02:03" or "2:03" for a duration in seconds.
std::string duration(double seconds) {
  const auto total = static_cast<long long>(std::ceil(seconds));
  return total >= 3600 ? fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
                       : fmt::format("{}:{:02}", total / 60, total % 60);
}

// The estimate as a table on stdout, the asked shard count first.
void print_estimate(const PlanSummary& summary, const PlanEstimate& estimate) {
  fmt::print("{} frames in {} chunks; one core draws and encodes a frame in {:.1f} ms ({} sample frames)\n",
             summary.frames, summary.chunks, 1000.0 * estimate.seconds_per_frame, estimate.sample_frames);
  fmt::print("{:>7} {:>14} {:>13} {:>15} {:>17} {:>11}\n", "shards", "cores/machine", "chunks/shard", "wall per shard",
             "job wall+stitch", "core-hours");
  for (std::size_t i = 0; i < estimate.options.size(); ++i) {
    const ShardingEstimate& e = estimate.options[i];
    fmt::print("{:>7} {:>14} {:>13} {:>15} {:>17} {:>11.3f}{}\n", e.shards, e.cores_per_machine, e.chunks_per_shard,
               duration(e.shard_seconds), duration(e.job_seconds), e.core_hours, i == 0 ? "  <- --shards" : "");
  }
  fmt::print("(each shard on its own machine, all at once; the stitch adds about {} on one core)\n",
             duration(estimate.stitch_seconds));
}

void run(PlanArguments& arguments) {
  PlanOptions& options = arguments.options;
  options.job = job_settings(arguments);
  options.progress = progress_style(arguments.progress, arguments.quiet);
  const PlanSummary summary = run_plan(options);
  if (options.progress == ProgressStyle::json) {
    print_json_event(
        fmt::format("\"event\":\"done\",\"job\":{},\"hash\":{},\"frames\":{},\"chunks\":{},"
                    "\"shards\":{}",
                    json_string(options.folder.string()), json_string(summary.hash), summary.frames, summary.chunks,
                    summary.shards));
    return;
  }
  if (summary.estimate) print_estimate(summary, *summary.estimate);
  if (arguments.quiet || options.folder.empty()) return;
  const std::string job = options.folder.string();
  // The output name the codec's container needs (a folder for PNG frames).
  const std::string extension = codec_facts(options.job.codec).extension;
  fmt::print(stderr,
             "stemviz: planned {}: {} frames in {} chunks over {} shard{} (job {})\n"
             "  render each shard:  stemviz shard {} --index K    (K = 0 .. {})\n"
             "  then join them:     stemviz stitch {} -o OUT{}\n",
             job, summary.frames, summary.chunks, summary.shards, summary.shards == 1 ? "" : "s",
             summary.hash.substr(0, 12), job, summary.shards - 1, job, extension.empty() ? "/" : extension);
  for (const auto& folder : summary.recipes) {
    fmt::print(stderr, "  {} recipe in {}/ (see its README.md)\n", folder.filename().string(), folder.string());
  }
}

}  // namespace

void set_plan_command(CLI::App& app) {
  auto arguments = std::make_shared<PlanArguments>();
  PlanOptions& options = arguments->options;
  CLI::App* plan =
      app.add_subcommand("plan", "Analyse stems and write a job folder for rendering in shards on many machines");
  plan->add_option("-o,--output", options.folder, "Job folder to write");
  plan->add_flag("-y,--overwrite", options.overwrite, "Replace a job already in the folder");
  plan->add_option("--shards", options.shards, "Machines (array tasks) to spread the chunks over")
      ->capture_default_str();
  plan->add_option("--emit", options.emit,
                   "Also write the recipe for a scheduler into the job folder: slurm, aws-batch, k8s")
      ->delimiter(',');
  plan->add_flag("--layers", arguments->job.layers,
                 "Also render one alpha video per stem (written by `stemviz stitch --layers DIR`)");
  plan->add_flag("--estimate", options.estimate,
                 "Draw and encode sample frames, then predict wall time and core-hours per shard count "
                 "(writes the job only with -o)");
  plan->add_option("--cores-per-machine", options.cores_per_machine,
                   "Cores of each machine, for --estimate (0: this machine's)")
      ->capture_default_str();
  add_job_options(*plan, *arguments);
  plan->add_option("--threads", options.threads, "Threads for the analysis (0 = all cores)")->capture_default_str();
  add_progress_options(*plan, arguments->progress, arguments->quiet);
  plan->callback([arguments] { run(*arguments); });
}

}  // namespace stemviz::cli
