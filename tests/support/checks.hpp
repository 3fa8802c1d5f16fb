// Constants and assertions that the integration tests share.
#pragma once

#include "probe.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace stemviz::test {

// What the integration tests run and read: the binaries under test, the drum kit the test
// fixture makes, and the source tree (scripts, recipes, goldens).
inline const std::filesystem::path kStemviz = STEMVIZ_BINARY;
inline const std::filesystem::path kStemvizKit = STEMVIZ_KIT;
inline const std::filesystem::path kKit = std::filesystem::path(STEMVIZ_TEST_TMP) / "kit7";
inline const std::filesystem::path kSource = STEMVIZ_SOURCE_DIR;

// Runs `program` with `arguments` and checks that it was refused the way stemviz promises:
// exit code `exit_code`, a message containing `text`, and nothing left in `out_dir`.
inline void check_refused(const std::filesystem::path& program, const std::vector<std::string>& arguments,
                          int exit_code, const std::string& text, const std::filesystem::path& out_dir) {
  const RunResult result = run(program, arguments);
  INFO(result.output);
  CHECK(result.exit_code == exit_code);
  CHECK(result.output.find(text) != std::string::npos);
  CHECK(std::filesystem::is_empty(out_dir));
}

}  // namespace stemviz::test
