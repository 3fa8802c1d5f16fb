// `stemviz preview STEMS --at 12.5 -o frame.png`: one frame exactly as the render draws it,
// a contact sheet over the song (--sheet 4x3), or a picture redrawn on every edit (--watch).
#include "commands.hpp"

#include <stemviz/job/preview.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <memory>

namespace stemviz::cli {

namespace {

struct PreviewArguments {
  PreviewOptions options;
  LookArguments look;
  std::string sheet;
  bool pad = false;
  bool trim = false;
};

void run(PreviewArguments& arguments) {
  PreviewOptions& options = arguments.options;
  options.look = look_options(arguments.look);
  options.lengths = length_policy(arguments.pad, arguments.trim);
  if (!arguments.sheet.empty()) {
    char extra = 0;
    if (std::sscanf(arguments.sheet.c_str(), "%dx%d%c", &options.sheet_columns, &options.sheet_rows, &extra) != 2 ||
        options.sheet_columns < 1 || options.sheet_rows < 1) {
      throw UsageError(fmt::format("--sheet {}: expected COLUMNSxROWS, e.g. 4x3", arguments.sheet));
    }
  }
  run_preview(options);
  if (!options.quiet && !options.watch) fmt::print(stderr, "stemviz: wrote {}\n", options.output.string());
}

}  // namespace

void set_preview_command(CLI::App& app) {
  auto arguments = std::make_shared<PreviewArguments>();
  PreviewOptions& options = arguments->options;
  CLI::App* preview = app.add_subcommand("preview", "Draw one frame (or a contact sheet) of the video as a PNG");
  preview->add_option("stems", options.stems, "A folder of stems, or the stem files")->required();
  preview->add_option("-o,--output", options.output, "PNG to write")->required();
  preview->add_flag("-y,--overwrite", options.overwrite, "Replace the output if it exists");
  CLI::Option* at = preview->add_option("--at", options.at, "Time of the frame in seconds")->capture_default_str();
  preview
      ->add_option("--sheet", arguments->sheet, "A contact sheet of COLUMNSxROWS frames spread over the song, e.g. 4x3")
      ->excludes(at);
  preview->add_flag("--watch", options.watch, "Draw again whenever the scene file or its shader changes (Ctrl-C ends)");
  add_look_options(*preview, arguments->look);
  preview->add_option("--threads", options.threads, "Threads for the analysis (0 = all cores)")->capture_default_str();
  add_length_options(*preview, arguments->pad, arguments->trim);
  add_analysis_options(*preview, options.analysis);
  add_cache_options(*preview, options.cache);
  preview->add_flag("-q,--quiet", options.quiet, "Print errors only");
  preview->callback([arguments] { run(*arguments); });
}

}  // namespace stemviz::cli
