// `stemviz analyze STEMS -o features.csv`: the per-frame features the renderer would use,
// as a table for inspection, plotting or other tools.
#include "commands.hpp"

#include <stemviz/job/analyze_job.hpp>

#include <fmt/format.h>

#include <memory>

namespace stemviz::cli {

namespace {

struct AnalyzeArguments {
  AnalyzeOptions options;
  std::string fps = "60";
  bool pad = false;
  bool trim = false;
};

void run(AnalyzeArguments& arguments) {
  AnalyzeOptions& options = arguments.options;
  options.fps = parse_frame_rate(arguments.fps, "--fps");
  options.lengths = length_policy(arguments.pad, arguments.trim);
  const std::int64_t frames = run_analyze(options);
  if (!options.quiet) {
    for (const auto& path : {options.output, options.onsets_csv, options.onsets_midi, options.plot}) {
      if (!path.empty()) fmt::print(stderr, "stemviz: wrote {} ({} frames)\n", path.string(), frames);
    }
  }
}

}  // namespace

void set_analyze_command(CLI::App& app) {
  auto arguments = std::make_shared<AnalyzeArguments>();
  AnalyzeOptions& options = arguments->options;
  CLI::App* analyze =
      app.add_subcommand("analyze", "Write the stems' per-frame features to a CSV, JSON or feature file");
  analyze->add_option("stems", options.stems, "A folder of stems, or the stem files")->required();
  analyze->add_option("-o,--output", options.output,
                      "Feature file to write (.csv, .json or .svf: stemviz's binary feature file)");
  analyze->add_option("--onsets-csv", options.onsets_csv,
                      "Also write the picked onsets (stem, frame, time, strength) as CSV");
  analyze->add_option("--onsets-midi", options.onsets_midi,
                      "Also write the onsets as a MIDI file: a track per stem, one drum note each");
  analyze->add_option("--plot", options.plot, "Also draw the envelopes and onsets, one lane per stem, as PNG");
  analyze->add_flag("-y,--overwrite", options.overwrite, "Replace the output if it exists");
  analyze->add_option("--fps", arguments->fps, "One row per video frame at this rate")->capture_default_str();
  analyze->add_option("--threads", options.threads, "Threads (0 = all cores)")->capture_default_str();
  add_length_options(*analyze, arguments->pad, arguments->trim);
  add_analysis_options(*analyze, options.analysis);
  add_cache_options(*analyze, options.cache);
  analyze->add_flag("-q,--quiet", options.quiet, "Print errors only");
  analyze->callback([arguments] { run(*arguments); });
}

}  // namespace stemviz::cli
