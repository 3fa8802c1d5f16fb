// `stemviz plan STEMS -o JOB --shards N`: analyses the stems once and writes a job folder
// that machines of a cluster render shard by shard (`stemviz shard`) and one joins
// (`stemviz stitch`).
#include "commands.hpp"

#include <stemviz/job.hpp>

#include <fmt/format.h>

#include <memory>

namespace stemviz::cli {

namespace {

struct PlanArguments : JobArguments {
  PlanOptions options;
};

void run(PlanArguments& arguments) {
  PlanOptions& options = arguments.options;
  options.job = job_settings(arguments);
  options.progress = progress_style(arguments.progress, arguments.quiet);
  const PlanSummary summary = run_plan(options);
  if (arguments.quiet) return;
  const std::string job = options.folder.string();
  fmt::print(stderr,
             "stemviz: planned {}: {} frames in {} chunks over {} shard{} (job {})\n"
             "  render each shard:  stemviz shard {} --index K    (K = 0 .. {})\n"
             "  then join them:     stemviz stitch {} -o OUT.mp4\n",
             job, summary.frames, summary.chunks, summary.shards, summary.shards == 1 ? "" : "s",
             summary.hash.substr(0, 12), job, summary.shards - 1, job);
  for (const auto& folder : summary.recipes) {
    fmt::print(stderr, "  {} recipe in {}/ (see its README.md)\n", folder.filename().string(), folder.string());
  }
}

}  // namespace

void set_plan_command(CLI::App& app) {
  auto arguments = std::make_shared<PlanArguments>();
  PlanOptions& options = arguments->options;
  CLI::App* plan = app.add_subcommand(
      "plan", "Analyse stems and write a job folder for rendering in shards on many machines");
  plan->add_option("-o,--output", options.folder, "Job folder to write")->required();
  plan->add_flag("-y,--overwrite", options.overwrite, "Replace a job already in the folder");
  plan->add_option("--shards", options.shards, "Machines (array tasks) to spread the chunks over")
      ->capture_default_str();
  plan->add_option("--emit", options.emit,
                   "Also write the recipe for a scheduler into the job folder: slurm, aws-batch, k8s")
      ->delimiter(',');
  add_job_options(*plan, *arguments);
  plan->add_option("--threads", options.threads, "Threads for the analysis (0 = all cores)")
      ->capture_default_str();
  add_progress_options(*plan, arguments->progress, arguments->quiet);
  plan->callback([arguments] { run(*arguments); });
}

}  // namespace stemviz::cli
