// The subcommands of the stemviz CLI; each lives in its own file and only parses options
// and calls the library.
#pragma once

#include <CLI/CLI.hpp>

#include <stemviz/audio/stems.hpp>
#include <stemviz/job/settings.hpp>
#include <stemviz/util/progress.hpp>

namespace stemviz::cli {

// Adds the analysis options (--window-ms, --attack-ms, --release-ms, --normalize,
// --floor-db, --gamma) to `command`, writing into `settings`, which must outlive parsing.
void add_analysis_options(CLI::App& command, AnalysisSettings& settings);

// Adds --cache-dir and --no-cache to `command`, writing into `cache`.
void add_cache_options(CLI::App& command, CacheSettings& cache);

// --scene, --size and --fps as typed, before they are checked.
struct LookArguments {
  std::string scene = "classic";
  std::string size;  // empty: the scene's
  std::string fps;   // empty: the scene's
  std::optional<std::string> title, artist;
  std::optional<std::string> cover, lyrics;
};
// Adds --scene, --size, --fps, --title, --artist, --cover and --lyrics to `command`, writing into `look`.
void add_look_options(CLI::App& command, LookArguments& look);
// Checks and converts what add_look_options() read; throws UsageError.
LookOptions look_options(const LookArguments& look);

// --progress and -q as typed (add_progress_options).
struct ProgressArguments {
  std::string progress = "auto";
  bool quiet = false;
};

// What `render` and `plan` share, as typed.
struct JobArguments : ProgressArguments {
  JobSettings job;
  LookArguments look;
  bool pad = false;
  bool trim = false;
};
// Adds the stems argument and the options of JobSettings to `command`.
void add_job_options(CLI::App& command, JobArguments& arguments);
// Checks and converts what add_job_options() read; throws UsageError.
JobSettings job_settings(const JobArguments& arguments);

// Adds --progress auto|bar|lines|none and -q to `command`.
void add_progress_options(CLI::App& command, std::string& progress, bool& quiet);
// The style they chose; "auto" is a bar on a terminal, lines otherwise. Choosing json sets
// json_events, so that main() ends the stream with an "error" event on failure.
ProgressStyle progress_style(const std::string& progress, bool quiet);
extern bool json_events;

// Adds `stemviz render` to `app`.
void set_render_command(CLI::App& app);
// Adds `stemviz analyze` to `app`.
void set_analyze_command(CLI::App& app);
// Adds `stemviz preview` to `app`.
void set_preview_command(CLI::App& app);
// Adds `stemviz scenes` to `app`.
void set_scenes_command(CLI::App& app);
// Adds `stemviz plan`, `stemviz shard`, `stemviz stitch` and `stemviz status` to `app`.
void set_plan_command(CLI::App& app);
void set_shard_command(CLI::App& app);
void set_stitch_command(CLI::App& app);
void set_status_command(CLI::App& app);

// Adds --pad and --trim (mutually exclusive) to `command`.
void add_length_options(CLI::App& command, bool& pad, bool& trim);
// The policy that --pad / --trim chose.
LengthPolicy length_policy(bool pad, bool trim);

}  // namespace stemviz::cli
