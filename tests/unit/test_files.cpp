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
  TEST_CASE("temporary names carry machine and process, and only this machine's dead ones are cleaned up") {
    const fs::path dir = test::fresh_dir("temp-names");
    const fs::path final_path = dir / "out.mp4";
    const std::string mine = temp_path_for(final_path).filename().string();
    char host[256] = {};
    REQUIRE(gethostname(host, sizeof host - 1) == 0);
    CHECK(mine == ".out.mp4." + std::string("stemviz-") + host + "-" + std::to_string(getpid()));
    CHECK(temp_path_for(final_path, TempKind::scratch_folder).filename().string() == mine + ".job");
    CHECK(temp_path_for(final_path, TempKind::sample).filename().string() == mine + ".sample");
    CHECK(temp_path_for(final_path).parent_path() == dir);
    // A process that has ended, for names it could have left.
    const pid_t child = fork();
    if (child == 0) _exit(0);
    REQUIRE(waitpid(child, nullptr, 0) == child);
    const std::string dead = std::to_string(child);
    const std::string here = std::string(".out.mp4.stemviz-") + host + "-";
    const std::vector<std::string> gone = {here + dead, here + dead + ".job", here + dead + ".sample"};
    const std::vector<std::string> kept = {
        mine,                                  // this process's own
        here + std::to_string(getppid()),      // one that runs
        ".out.mp4.stemviz-elsewhere-" + dead,  // another machine's: its processes are not ours to judge
        here + dead + ".partial",              // not a kind stemviz writes
        "out.mp4",                             // no temporary name at all
    };
    for (const auto& name : gone) std::ofstream(dir / name) << "x";
    for (const auto& name : kept) std::ofstream(dir / name) << "x";
    const std::vector<std::string> removed = remove_dead_leftovers(final_path);
    CHECK(removed.size() == gone.size());
    for (const auto& name : gone) CHECK_FALSE(fs::exists(dir / name));
    for (const auto& name : kept) CHECK(fs::exists(dir / name));
    // In a segments folder, any final name's leftovers go the same way.
    const fs::path segment_dead = dir / (std::string(".chunk-000003.mp4.stemviz-") + host + "-" + dead);
    std::ofstream(segment_dead) << "x";
    CHECK(remove_dead_leftovers_in(dir) == std::vector<std::string>{segment_dead.filename().string()});
    for (const auto& name : kept) CHECK(fs::exists(dir / name));
  }

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
