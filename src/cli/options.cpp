// Options that several subcommands share, so they are spelled and checked the same way.
#include "commands.hpp"

#include <stemviz/analysis.hpp>
#include <stemviz/error.hpp>
#include <stemviz/job.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <memory>

namespace stemviz::cli {

void add_analysis_options(CLI::App& command, AnalysisSettings& settings) {
  auto mode = std::make_shared<std::string>("peak");
  command.add_option("--window-ms", settings.window_ms, "Loudness (RMS and peak) window in milliseconds")
      ->capture_default_str()
      ->group("Analysis");
  command.add_option("--attack-ms", settings.attack_ms, "Time for a level to rise (0 = at once)")
      ->capture_default_str()
      ->group("Analysis");
  command.add_option("--release-ms", settings.release_ms, "Time for a level to fall (0 = at once)")
      ->capture_default_str()
      ->group("Analysis");
  command.add_option("--normalize", *mode,
                     "Level 1 is: peak (each stem's loudest moment), global (the loudest of all "
                     "stems), or percentile:P (each stem's P-th percentile)")
      ->capture_default_str()
      ->group("Analysis")
      ->each([&settings, mode](const std::string& text) {
        settings.normalization.mode =
            parse_normalization_mode(text, settings.normalization.percentile, "--normalize");
      });
  command.add_option("--floor-db", settings.normalization.floor_db,
                     "Show levels on a dB scale from this far below level 1 (e.g. -48)")
      ->group("Analysis");
  command.add_option("--bands", settings.bands, "Spectral bands per stem (1 to 16)")
      ->capture_default_str()
      ->group("Analysis");
  command.add_flag("--bleed-reduce", settings.bleed_reduce,
                   "Reduce each stem's features where the other stems explain its sound (the "
                   "snare in the kick mic), so each object moves for its own drum")
      ->group("Analysis");
  command.add_option("--gamma", settings.normalization.gamma,
                     "Level curve: above 1 favours loud moments, below 1 quiet ones")
      ->capture_default_str()
      ->group("Analysis");
}

void add_look_options(CLI::App& command, LookArguments& look) {
  command.add_option("--scene", look.scene, "Scene: a bundled one (see `stemviz scenes`) or a .toml file")
      ->capture_default_str()
      ->group("Look");
  command.add_option("--size", look.size, "Picture size WIDTHxHEIGHT (even numbers); default: the scene's")
      ->group("Look");
  command.add_option("--fps", look.fps, "Frame rate: 60, 30, 29.97, 30000/1001, ...; default: the scene's")
      ->group("Look");
}

LookOptions look_options(const LookArguments& look) {
  LookOptions options;
  options.scene = look.scene;
  if (!look.size.empty()) {
    int width = 0, height = 0;
    char extra = 0;
    if (std::sscanf(look.size.c_str(), "%dx%d%c", &width, &height, &extra) != 2) {
      throw UsageError(fmt::format("--size {}: expected WIDTHxHEIGHT, e.g. 1920x1080", look.size));
    }
    options.width = width;
    options.height = height;
  }
  if (!look.fps.empty()) options.fps = parse_frame_rate(look.fps, "--fps");
  return options;
}

void add_cache_options(CLI::App& command, CacheSettings& cache) {
  CLI::Option* folder = command.add_option(
      "--cache-dir", cache.folder,
      "Keep analysed features here for the next run (default: .stemviz-cache beside the output)");
  command.add_flag("!--no-cache", cache.enabled, "Analyse the stems even if cached features match")
      ->excludes(folder);
}

void add_length_options(CLI::App& command, bool& pad, bool& trim) {
  CLI::Option* pad_option =
      command.add_flag("--pad", pad, "Stems of different lengths: extend shorter ones with silence");
  command.add_flag("--trim", trim, "Stems of different lengths: cut all to the shortest")
      ->excludes(pad_option);
}

void add_job_options(CLI::App& command, JobArguments& arguments) {
  JobSettings& job = arguments.job;
  command.add_option("stems", job.stems, "A folder of equal-length stems, or the stem files")->required();
  add_look_options(command, arguments.look);
  command.add_option("--chunk-seconds", job.chunk_seconds, "Length of each independently encoded chunk")
      ->capture_default_str();
  command.add_option("--preset", job.video.preset, "x264 preset (speed against size)")->capture_default_str();
  command.add_option("--crf", job.video.crf, "x264 quality: 0 lossless .. 51 worst")->capture_default_str();
  command.add_option("--from", job.from, "Render from this time (seconds)");
  command.add_option("--to", job.to, "Render up to this time (seconds)");
  add_length_options(command, arguments.pad, arguments.trim);
  add_analysis_options(command, job.analysis);
  add_cache_options(command, job.cache);
}

JobSettings job_settings(const JobArguments& arguments) {
  JobSettings job = arguments.job;
  job.look = look_options(arguments.look);
  job.lengths = length_policy(arguments.pad, arguments.trim);
  return job;
}

void add_progress_options(CLI::App& command, std::string& progress, bool& quiet) {
  command.add_option("--progress", progress, "Progress display")
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}))
      ->capture_default_str();
  command.add_flag("-q,--quiet", quiet, "Print errors only");
}

ProgressStyle progress_style(const std::string& progress, bool quiet) {
  if (quiet || progress == "none") return ProgressStyle::none;
  if (progress == "bar") return ProgressStyle::bar;
  if (progress == "lines") return ProgressStyle::lines;
  return default_progress_style();
}

LengthPolicy length_policy(bool pad, bool trim) {
  if (pad) return LengthPolicy::pad;
  if (trim) return LengthPolicy::trim;
  return LengthPolicy::exact;
}

}  // namespace stemviz::cli
