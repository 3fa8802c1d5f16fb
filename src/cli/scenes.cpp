// `stemviz scenes`: the scenes and shaders there are to choose from, one line each, and
// `--show NAME` to print a bundled scene or shader as a starting point for one's own.
#include "commands.hpp"

#include <stemviz/scene/scene_file.hpp>
#include <stemviz/util/bundled.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string>

namespace stemviz::cli {

namespace {

void print_catalogue(const char* title, const std::vector<CatalogueEntry>& entries) {
  std::size_t width = 0;
  for (const auto& entry : entries) width = std::max(width, entry.name.size());
  fmt::print("{}:\n", title);
  for (const auto& entry : entries) {
    fmt::print("  {:<{}}  {}{}\n", entry.name, width, entry.description,
               entry.origin == "bundled" ? "" : fmt::format(" ({})", entry.origin));
  }
}

void show(const std::string& name) {
  for (const std::string& path : {"scenes/" + name + ".toml", "shaders/" + name + ".shader"}) {
    if (const BundledFile* file = find_bundled(path)) {
      fmt::print("{}", file->text);
      return;
    }
  }
  throw UsageError(
      fmt::format("--show {}: no bundled scene or shader of that name; `stemviz scenes` "
                  "lists them",
                  name));
}

}  // namespace

void set_scenes_command(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  CLI::App* scenes = app.add_subcommand("scenes", "List the scenes and shaders, or print one");
  scenes->add_option("--show", *name, "Print the bundled scene or shader NAME (to copy and edit)");
  scenes->callback([name] {
    if (!name->empty()) {
      show(*name);
      return;
    }
    print_catalogue("scenes (--scene NAME)", scene_catalogue());
    print_catalogue("shaders (shader = \"NAME\" in a scene's [object])", shader_catalogue());
  });
}

}  // namespace stemviz::cli
