// The subcommands of the stemviz CLI; each lives in its own file and only parses options
// and calls the library.
#pragma once

#include <CLI/CLI.hpp>

namespace stemviz::cli {

// Adds `stemviz render` to `app`.
void set_render_command(CLI::App& app);

}  // namespace stemviz::cli
