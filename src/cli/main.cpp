// stemviz: turns a folder of audio stems into an animated video.
#include "commands.hpp"

#include <stemviz/error.hpp>

#include <fmt/format.h>

extern "C" {
#include <libavutil/log.h>
}

#include <malloc.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>

namespace {

extern "C" void on_signal(int) { stemviz::cancel_requested().store(true); }

// The exit code for a failure; with --progress json, the event stream ends with it too.
int failed(stemviz::ExitCode code, const std::string& message) {
  if (stemviz::cli::json_events) {
    stemviz::print_json_event(fmt::format("\"event\":\"error\",\"exit_code\":{},\"message\":{}",
                                          static_cast<int>(code), stemviz::json_string(message)));
  }
  return static_cast<int>(code);
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
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
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
    fmt::print(stderr, "stemviz: interrupted\n");
    return failed(stemviz::ExitCode::interrupted, "interrupted");
  } catch (const stemviz::Error& e) {
    fmt::print(stderr, "stemviz: error: {}\n", e.what());
    return failed(e.exit_code(), e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "stemviz: error: {}\n", e.what());
    return failed(stemviz::ExitCode::failure, e.what());
  }
  return static_cast<int>(stemviz::ExitCode::success);
}
