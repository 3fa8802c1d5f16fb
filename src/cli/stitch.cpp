// `stemviz stitch JOB -o OUT.mp4`: checks a job's segments, joins them without re-encoding,
// adds the soundtrack once and checks the result.
#include "commands.hpp"

#include <stemviz/job/stitch_job.hpp>

#include <fmt/format.h>

#include <memory>

namespace stemviz::cli {

namespace {

struct StitchArguments : ProgressArguments {
  StitchOptions options;
};

void run(StitchArguments& arguments) {
  StitchOptions& options = arguments.options;
  options.progress = progress_style(arguments.progress, arguments.quiet);
  const std::int64_t frames = run_stitch(options);
  if (options.progress == ProgressStyle::json) {
    print_json_event(
        fmt::format("\"event\":\"done\",\"output\":{},\"frames\":{}", json_string(options.output.string()), frames));
  } else if (!arguments.quiet) {
    fmt::print(stderr, "stemviz: wrote {} ({} frames)\n", options.output.string(), frames);
  }
}

}  // namespace

void set_stitch_command(CLI::App& app) {
  auto arguments = std::make_shared<StitchArguments>();
  StitchOptions& options = arguments->options;
  CLI::App* stitch = app.add_subcommand("stitch", "Join the rendered shards of a job into the video");
  stitch->add_option("job", options.job, "Job folder written by `stemviz plan`")->required();
  stitch->add_option("-o,--output", options.output, "Video file to write (.mp4)")->required();
  stitch->add_flag("-y,--overwrite", options.overwrite, "Replace the output if it exists");
  stitch->add_option("--layers", options.layers_dir,
                     "Also write the stems' layer videos into this folder "
                     "(jobs planned with --layers)");
  add_progress_options(*stitch, arguments->progress, arguments->quiet);
  stitch->callback([arguments] { run(*arguments); });
}

}  // namespace stemviz::cli
