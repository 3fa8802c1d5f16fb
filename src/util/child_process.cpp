#include <stemviz/util/child_process.hpp>

#include <fmt/format.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <memory>
#include <thread>

extern char** environ;

namespace stemviz {

namespace {

// The state letter of process `pid` in /proc/PID/stat: R running or runnable, S asleep, D
// waiting on a device, ...; '?' when it cannot be read.
char process_state(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string line;
  std::getline(in, line);
  // "PID (NAME) STATE ...", where NAME may hold spaces and parentheses.
  const std::size_t name_end = line.rfind(')');
  return name_end != std::string::npos && name_end + 2 < line.size() ? line[name_end + 2] : '?';
}

// posix_spawn's attributes, destroyed in one place.
struct SpawnAttributes {
  posix_spawnattr_t value;
  SpawnAttributes() { posix_spawnattr_init(&value); }
  ~SpawnAttributes() { posix_spawnattr_destroy(&value); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
};

// argv- and envp-style arrays pointing into `strings`, ending in a null pointer.
std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

ChildOutcome run_watched(const std::vector<std::string>& command, const std::vector<std::string>& environment,
                         std::chrono::milliseconds limit) {
  if (command.empty()) return ChildOutcome::unchecked;
  std::vector<std::string> arguments = command;
  std::vector<std::string> variables;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) variables.emplace_back(*entry);
  variables.insert(variables.end(), environment.begin(), environment.end());
  const std::vector<char*> argv = c_strings(arguments);
  const std::vector<char*> envp = c_strings(variables);

  SpawnAttributes attributes;
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  posix_spawnattr_setsigmask(&attributes.value, &stop_signals);
  posix_spawnattr_setflags(&attributes.value, POSIX_SPAWN_SETSIGMASK);
  pid_t child = 0;
  if (posix_spawn(&child, argv[0], nullptr, &attributes.value, argv.data(), envp.data()) != 0)
    return ChildOutcome::unchecked;

  const auto deadline = std::chrono::steady_clock::now() + limit;
  // Most children are done within milliseconds: look often at first, then less.
  auto pause = std::chrono::microseconds(100);
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(child, &status, WNOHANG);
    if (done == child)
      return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ChildOutcome::returned : ChildOutcome::crashed;
    if (done < 0 && errno != EINTR) return ChildOutcome::unchecked;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(10));
  }
  // Runnable at every look: computing, caught in a loop (however little of a busy machine's
  // processor it gets). Otherwise asleep: waiting, most likely on a disk.
  bool runnable = true;
  for (int look = 0; look < 3 && runnable; ++look) {
    if (look > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    runnable = process_state(child) == 'R';
  }
  kill(child, SIGKILL);
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return runnable ? ChildOutcome::busy : ChildOutcome::waiting;
}

// /proc/self/exe names the running program even after its file was replaced or removed (an
// upgrade while a render runs): the kernel follows the link to the file this process runs.
std::string own_program() { return "/proc/self/exe"; }

}  // namespace stemviz
