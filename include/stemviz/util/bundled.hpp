// The files compiled into the binary at build time: scenes/*.toml and shaders/*.shader, so
// `stemviz render` works from any folder, and the scheduler recipes of cloud/ that
// `stemviz plan --emit` writes.
#pragma once

#include <span>
#include <string_view>

namespace stemviz {

struct BundledFile {
  std::string_view path;  // relative to the source tree, e.g. "scenes/classic.toml"
  std::string_view text;
};

// Every bundled file, sorted by path.
std::span<const BundledFile> bundled_files();

// The bundled file at `path`, or nullptr.
const BundledFile* find_bundled(std::string_view path);

}  // namespace stemviz
