// `stemviz render STEMS -o OUT.mp4`: the whole pipeline with good defaults.
#include "commands.hpp"

#include <stemviz/error.hpp>
#include <stemviz/job.hpp>

#include <fmt/format.h>

#include <memory>

namespace stemviz::cli {

namespace {

struct RenderArguments : JobArguments {
  RenderOptions options;
};

void run(RenderArguments& arguments) {
  RenderOptions& options = arguments.options;
  options.job = job_settings(arguments);
  options.progress = progress_style(arguments.progress, arguments.quiet);
  const RenderSummary summary = run_render(options);
  if (!arguments.quiet) {
    const std::string resumed =
        summary.frames_rendered < summary.frames
            ? fmt::format(", {} of them rendered now", summary.frames_rendered)
            : "";
    fmt::print(stderr, "stemviz: wrote {} ({} frames{}, {:.2f} s of video) in {:.1f} s: {:.1f} fps, "
               "{:.2f}x real time\n",
               options.output.string(), summary.frames, resumed, summary.seconds_of_video,
               summary.wall_seconds, static_cast<double>(summary.frames_rendered) / summary.wall_seconds,
               summary.seconds_of_video / summary.wall_seconds);
  }
}

}  // namespace

void set_render_command(CLI::App& app) {
  auto arguments = std::make_shared<RenderArguments>();
  RenderOptions& options = arguments->options;
  CLI::App* render = app.add_subcommand("render", "Render a folder of stems into a video");
  render->add_option("-o,--output", options.output, "Video file to write (.mp4)")->required();
  render->add_flag("-y,--overwrite", options.overwrite, "Replace the output if it exists");
  render->add_option("--work-dir", options.work_dir,
                     "Keep the job (segments) in this folder, so an interrupted render resumes "
                     "where it stopped when run again");
  add_job_options(*render, *arguments);
  render->add_option("--threads", options.threads, "Worker threads (0 = all cores)")
      ->capture_default_str();
  add_progress_options(*render, arguments->progress, arguments->quiet);
  render->callback([arguments] { run(*arguments); });
}

}  // namespace stemviz::cli
