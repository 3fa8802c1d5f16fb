// Running a program in a child process under a time limit, and telling how it ended: for
// calls into libraries that may never return on damaged input.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace stemviz {

// What became of a program run in a child process under a time limit.
enum class ChildOutcome {
  returned,   // it exited with status 0
  crashed,    // it died of a signal or exited with another status
  busy,       // still running at the limit and runnable: computing, caught in a loop
  waiting,    // still running at the limit, asleep: waiting on a disk, say
  unchecked,  // no child process could be started: nothing was tried
};

// Runs `command` (the program's path, then its arguments) with this process's environment
// plus `environment` ("NAME=value" entries), and waits up to `limit` for it to exit,
// killing it after that. The child starts with SIGINT and SIGTERM blocked, so a Ctrl-C to
// the process group neither kills it (which would read as a crash) nor reaches it twice.
//
// Safe from any thread: the child is started with posix_spawn, a fresh program image, never
// a fork() that would inherit locks other threads hold (a forked child that calls malloc
// while another thread held the allocator's lock at the fork waits for ever).
ChildOutcome run_watched(const std::vector<std::string>& command, const std::vector<std::string>& environment,
                         std::chrono::milliseconds limit);

// The path of this process's own program, for running a part of itself in a child.
std::string own_program();

}  // namespace stemviz
