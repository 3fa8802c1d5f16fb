// The subcommands of the stemviz CLI; each lives in its own file and only parses options
// and calls the library.
#pragma once

#include <CLI/CLI.hpp>

namespace stemviz {
struct AnalysisSettings;
}

namespace stemviz::cli {

// Adds the analysis options (--window-ms, --attack-ms, --release-ms, --normalize,
// --floor-db, --gamma) to `command`, writing into `settings`, which must outlive parsing.
void add_analysis_options(CLI::App& command, AnalysisSettings& settings);

// Adds `stemviz render` to `app`.
void set_render_command(CLI::App& app);

}  // namespace stemviz::cli
