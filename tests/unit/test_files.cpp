#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include "../support/probe.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <fstream>

using namespace stemviz;
namespace fs = std::filesystem;

TEST_SUITE("files") {
  TEST_CASE("a temporary file is removed unless kept, and kept under its final name") {
    const fs::path dir = test::fresh_dir("temp-files");
    {
      const TempFile dropped(dir / "dropped.tmp");
      std::ofstream(dropped.path()) << "half";
      TempFile kept(dir / "kept.tmp");
      std::ofstream(kept.path()) << "whole";
      kept.keep_as(dir / "kept");
    }
    CHECK_FALSE(fs::exists(dir / "dropped.tmp"));
    CHECK_FALSE(fs::exists(dir / "kept.tmp"));
    CHECK(fs::exists(dir / "kept"));
  }

  TEST_CASE("removing every temporary file at once spares the kept ones and keeps none after") {
    const fs::path dir = test::fresh_dir("temp-files-now");
    // In a child process, which ends as a signalled stemviz would: without running any
    // destructor, right after the removal, which lasts for the rest of the process.
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      TempFile kept(dir / "kept.tmp");
      std::ofstream(kept.path()) << "whole";
      kept.keep_as(dir / "kept");
      TempFile unfinished(dir / "unfinished.tmp");
      std::ofstream(unfinished.path()) << "half";
      TempFile folder(dir / "scratch.tmp");
      fs::create_directory(folder.path());
      std::ofstream(folder.path() / "segment") << "half";
      remove_temp_files_now();
      TempFile late(dir / "late.tmp");
      std::ofstream(late.path()) << "whole";
      try {
        late.keep_as(dir / "late");
      } catch (const Interrupted&) {
        _exit(0);
      }
      _exit(1);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);  // keeping after the removal was refused
    CHECK(fs::exists(dir / "kept"));
    CHECK_FALSE(fs::exists(dir / "unfinished.tmp"));
    CHECK_FALSE(fs::exists(dir / "scratch.tmp"));
    CHECK_FALSE(fs::exists(dir / "late"));
  }
}
