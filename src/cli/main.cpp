// stemviz: turns a folder of audio stems into an animated video.
#include "commands.hpp"

#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>

extern "C" {
#include <libavutil/log.h>
}

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <system_error>
#include <thread>

namespace {

// How long the pipeline has to stop on its own after SIGINT or SIGTERM before the process
// ends itself. It stops between frames, within a fraction of a second; a thread stuck in
// a library call that never returns (a file on a hung network share, a parser's endless
// loop) gets no more than this. Well below the 30 s that Slurm and Kubernetes wait before
// SIGKILL, which would leave temporary files behind.
constexpr std::chrono::milliseconds kStopGrace{5000};

// Written by the signal handler, read by the stop watchdog.
int signal_pipe[2] = {-1, -1};

extern "C" void on_signal(int) {
  const int interrupted_errno = errno;
  stemviz::cancel_requested().store(true);
  const char byte = 0;
  // A full pipe (a flood of signals) loses nothing: one byte is enough to wake the watchdog.
  [[maybe_unused]] const ssize_t written = write(signal_pipe[1], &byte, 1);
  errno = interrupted_errno;
}

// The exit code for a failure; with --progress json, the event stream ends with it too.
int failed(stemviz::ExitCode code, const std::string& message) {
  if (stemviz::cli::json_events) {
    stemviz::print_json_event(fmt::format("\"event\":\"error\",\"exit_code\":{},\"message\":{}", static_cast<int>(code),
                                          stemviz::json_string(message)));
  }
  return static_cast<int>(code);
}

// Reports the interruption once, whether the pipeline stopped or the watchdog stopped it.
int interrupted() {
  static std::atomic<bool> reported{false};
  if (reported.exchange(true)) return static_cast<int>(stemviz::ExitCode::interrupted);
  fmt::print(stderr, "stemviz: interrupted\n");
  return failed(stemviz::ExitCode::interrupted, "interrupted");
}

// Waits for the first signal, then for the pipeline to stop (the process exits, taking
// this thread with it). Should it still run after the grace period, or should a second
// signal come first, it removes the temporary files and ends the process with exit code
// 130 itself.
void stop_watchdog() {
  char byte;
  ssize_t got = 0;
  do {
    got = read(signal_pipe[0], &byte, 1);
  } while (got < 0 && errno == EINTR);
  if (got != 1) return;
  stemviz::wait_readable(signal_pipe[0], kStopGrace);  // a second signal ends the wait
  stemviz::remove_temp_files_now();
  _exit(interrupted());
}

// Installs the SIGINT/SIGTERM handler and its watchdog.
void stop_on_signals() {
  // Without a pipe or a thread (no descriptors or threads left), signals still stop the
  // pipeline at its next check.
  if (pipe2(signal_pipe, O_CLOEXEC) == 0) {
    // The handler must never block on a full pipe; the watchdog waits on the read end.
    fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK);
    try {
      std::thread(stop_watchdog).detach();
    } catch (const std::system_error&) {
    }
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"stemviz: renders a folder of audio stems into an animated video", "stemviz"};
  app.set_version_flag("--version", "stemviz " STEMVIZ_VERSION);
  app.require_subcommand(1);
  stemviz::cli::set_render_command(app);
  stemviz::cli::set_analyze_command(app);
  stemviz::cli::set_preview_command(app);
  stemviz::cli::set_scenes_command(app);
  stemviz::cli::set_plan_command(app);
  stemviz::cli::set_shard_command(app);
  stemviz::cli::set_stitch_command(app);
  stemviz::cli::set_status_command(app);

  // libav's own chatter (x264 statistics, muxer notes) is noise on a render's terminal;
  // its errors reach the user through stemviz's messages.
  av_log_set_level(AV_LOG_ERROR);
  stop_on_signals();
  // Past a file-size limit, a write should fail with an error naming the file (exit 1),
  // not kill the process and leave temporary files behind.
  std::signal(SIGXFSZ, SIG_IGN);
  // Every chunk's encoder allocates and frees tens of megabytes of frame buffers. After
  // the first such free, glibc raises its mmap threshold and serves later ones from the
  // heap, where they fragment and stay resident (peak 446-453 MB for 30 s of 1080p60 on
  // 2 workers). A fixed threshold hands them back with each chunk: 389 MB, at the same
  // speed (24.7-26.3 s against 25.4-27.9 s).
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, as for every other error (CLI11's own report takes two), and exit code 2
    // for every usage error (CLI11 has codes of its own).
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    fmt::print(stderr, "stemviz: error: {}; run with --help for the options\n", message);
    return static_cast<int>(stemviz::ExitCode::usage);
  } catch (const stemviz::Interrupted&) {
    return interrupted();
  } catch (const stemviz::Error& e) {
    fmt::print(stderr, "stemviz: error: {}\n", e.what());
    return failed(e.exit_code(), e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "stemviz: error: {}\n", e.what());
    return failed(stemviz::ExitCode::failure, e.what());
  }
  return static_cast<int>(stemviz::ExitCode::success);
}
