// `stemviz render STEMS -o OUT.mp4`: the whole pipeline with good defaults.
#include "commands.hpp"

#include <stemviz/error.hpp>
#include <stemviz/job.hpp>

#include <fmt/format.h>

#include <memory>

namespace stemviz::cli {

namespace {

struct RenderArguments {
  RenderOptions options;
  LookArguments look;
  std::string progress = "auto";
  bool quiet = false;
  bool pad = false;
  bool trim = false;
};

void run(RenderArguments& arguments) {
  RenderOptions& options = arguments.options;
  options.look = look_options(arguments.look);
  options.lengths = length_policy(arguments.pad, arguments.trim);
  if (arguments.quiet || arguments.progress == "none") {
    options.progress = ProgressStyle::none;
  } else if (arguments.progress == "bar") {
    options.progress = ProgressStyle::bar;
  } else if (arguments.progress == "lines") {
    options.progress = ProgressStyle::lines;
  } else {
    options.progress = default_progress_style();
  }
  const RenderSummary summary = run_render(options);
  if (!arguments.quiet) {
    fmt::print(stderr, "stemviz: wrote {} ({} frames, {:.2f} s of video) in {:.1f} s: {:.1f} fps, "
               "{:.2f}x real time\n",
               options.output.string(), summary.frames, summary.seconds_of_video,
               summary.wall_seconds, static_cast<double>(summary.frames) / summary.wall_seconds,
               summary.seconds_of_video / summary.wall_seconds);
  }
}

}  // namespace

void set_render_command(CLI::App& app) {
  auto arguments = std::make_shared<RenderArguments>();
  RenderOptions& options = arguments->options;
  CLI::App* render = app.add_subcommand("render", "Render a folder of stems into a video");
  render->add_option("stems", options.stems, "A folder of equal-length stems, or the stem files")
      ->required();
  render->add_option("-o,--output", options.output, "Video file to write (.mp4)")->required();
  render->add_flag("-y,--overwrite", options.overwrite, "Replace the output if it exists");
  add_look_options(*render, arguments->look);
  render->add_option("--threads", options.threads, "Worker threads (0 = all cores)")
      ->capture_default_str();
  render->add_option("--chunk-seconds", options.chunk_seconds,
                     "Length of each independently encoded chunk")
      ->capture_default_str();
  render->add_option("--preset", options.video.preset, "x264 preset (speed against size)")
      ->capture_default_str();
  render->add_option("--crf", options.video.crf, "x264 quality: 0 lossless .. 51 worst")
      ->capture_default_str();
  render->add_option("--from", options.from, "Render from this time (seconds)");
  render->add_option("--to", options.to, "Render up to this time (seconds)");
  add_length_options(*render, arguments->pad, arguments->trim);
  add_analysis_options(*render, options.analysis);
  add_cache_options(*render, options.cache);
  render->add_option("--progress", arguments->progress, "Progress display")
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}))
      ->capture_default_str();
  render->add_flag("-q,--quiet", arguments->quiet, "Print errors only");
  render->callback([arguments] { run(*arguments); });
}

}  // namespace stemviz::cli
