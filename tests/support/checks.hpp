// Assertions that several integration tests share.
#pragma once

#include "probe.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace stemviz::test {

// Runs `program` with `arguments` and checks that it was refused the way stemviz promises:
// exit code `exit_code`, a message containing `text`, and nothing left in `out_dir`.
inline void check_refused(const std::filesystem::path& program,
                          const std::vector<std::string>& arguments, int exit_code,
                          const std::string& text, const std::filesystem::path& out_dir) {
  const RunResult result = run(program, arguments);
  INFO(result.output);
  CHECK(result.exit_code == exit_code);
  CHECK(result.output.find(text) != std::string::npos);
  CHECK(std::filesystem::is_empty(out_dir));
}

}  // namespace stemviz::test
