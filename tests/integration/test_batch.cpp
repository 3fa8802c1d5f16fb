// Batch use from scripts: JSON progress lines, --dry-run, the exit codes, and
// examples/batch-render.sh over a folder of songs.
#include "../support/checks.hpp"
#include "../support/probe.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace stemviz;
using namespace stemviz::test;
namespace fs = std::filesystem;

namespace {

// Each line of `output` that starts with '{', parsed.
std::vector<nlohmann::json> json_lines(const std::string& output) {
  std::vector<nlohmann::json> events;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.front() == '{') events.push_back(nlohmann::json::parse(line));
  }
  return events;
}

}  // namespace

TEST_CASE("--progress json writes one parsable object per line, ending with a done or error event") {
  const fs::path dir = fresh_dir("json-progress");
  const RunResult ok = run(kStemviz, {"render", kKit.string(), "-o", (dir / "out.mp4").string(), "--size", "320x180",
                                      "--to", "2", "--chunk-seconds", "0.5", "--progress", "json"});
  INFO(ok.output);
  REQUIRE(ok.exit_code == 0);
  const std::vector<nlohmann::json> events = json_lines(ok.output);
  REQUIRE(events.size() >= 4);
  std::vector<std::string> stages;
  for (const auto& e : events) {
    if (e.at("event") == "stage") stages.push_back(e.at("stage"));
  }
  CHECK(stages == std::vector<std::string>{"analysis", "render", "stitch"});
  nlohmann::json last_progress;
  for (const auto& e : events) {
    if (e.at("event") == "progress") last_progress = e;
  }
  REQUIRE(last_progress.is_object());
  CHECK(last_progress.at("frames") == 120);
  CHECK(last_progress.at("total") == 120);
  // Three 0.5 s chunks, then the last quarter in chunks of 8 frames (the plan's tail).
  CHECK(last_progress.at("chunks_done") == 7);
  CHECK(last_progress.at("chunks") == 7);
  CHECK(last_progress.contains("fps"));
  CHECK(last_progress.contains("eta_seconds"));
  const nlohmann::json& done = events.back();
  CHECK(done.at("event") == "done");
  CHECK(done.at("frames") == 120);
  CHECK(done.at("output") == (dir / "out.mp4").string());

  const RunResult bad = run(
      kStemviz, {"render", (dir / "no-such-folder").string(), "-o", (dir / "bad.mp4").string(), "--progress", "json"});
  CHECK(bad.exit_code == 3);
  const std::vector<nlohmann::json> bad_events = json_lines(bad.output);
  REQUIRE_FALSE(bad_events.empty());
  CHECK(bad_events.back().at("event") == "error");
  CHECK(bad_events.back().at("exit_code") == 3);
}

TEST_CASE("--stats says where the time went: each stage's wall time, the workers' time per frame") {
  const fs::path dir = fresh_dir("stats");
  const RunResult json = run(kStemviz, {"render", kKit.string(), "-o", (dir / "a.mp4").string(), "--size", "320x180",
                                        "--to", "1", "--stats", "--progress", "json"});
  INFO(json.output);
  REQUIRE(json.exit_code == 0);
  const nlohmann::json done = json_lines(json.output).back();
  REQUIRE(done.contains("stats"));
  const nlohmann::json& stats = done.at("stats");
  std::vector<std::string> stages;
  double staged = 0.0;
  for (const auto& [name, seconds] : stats.at("stage_seconds").items()) {
    stages.push_back(name);
    staged += seconds.get<double>();
  }
  CHECK(stages == std::vector<std::string>{"analysis", "render", "stitch"});
  CHECK(staged <= done.at("wall_seconds").get<double>());
  for (const char* kind : {"draw", "convert", "encode"}) {
    CAPTURE(kind);
    CHECK(stats.at("worker_seconds").at(kind).get<double>() > 0.0);
    CHECK(stats.at("worker_ms_per_frame").at(kind).get<double>() ==
          doctest::Approx(1e3 * stats.at("worker_seconds").at(kind).get<double>() / 60));
  }

  const RunResult text = run(kStemviz, {"render", kKit.string(), "-o", (dir / "b.mp4").string(), "--size", "320x180",
                                        "--to", "1", "--stats", "--threads", "2"});
  INFO(text.output);
  REQUIRE(text.exit_code == 0);
  CHECK(text.output.find("wall time by stage: analysis ") != std::string::npos);
  CHECK(text.output.find("worker time per frame: draw ") != std::string::npos);
  CHECK(text.output.find("2 workers busy") != std::string::npos);
}

TEST_CASE("--dry-run says what would be rendered and writes nothing") {
  const fs::path dir = fresh_dir("dry-run");
  const RunResult text = run(kStemviz, {"render", kKit.string(), "-o", (dir / "out.mov").string(), "--codec", "prores",
                                        "--to", "2", "--dry-run"});
  INFO(text.output);
  REQUIRE(text.exit_code == 0);
  CHECK(text.output.find("stems    7: ") != std::string::npos);
  CHECK(text.output.find("4.000 s at 44100 Hz") != std::string::npos);
  CHECK(text.output.find("1920x1080 at 60 fps, prores profile hq (standard): 120 frames, 2.000 s, in 2 chunks") !=
        std::string::npos);
  CHECK(text.output.find("audio    aac from the stems' mix") != std::string::npos);
  CHECK(fs::is_empty(dir));  // no video, no cache: nothing was analysed

  const RunResult json =
      run(kStemviz, {"render", kKit.string(), "-o", (dir / "out.mp4").string(), "--dry-run", "--progress", "json"});
  REQUIRE(json.exit_code == 0);
  const auto events = json_lines(json.output);
  REQUIRE(events.size() == 1);
  CHECK(events[0].at("event") == "dry_run");
  CHECK(events[0].at("frames") == 240);
  CHECK(events[0].at("stems").size() == 7);
  CHECK(fs::is_empty(dir));
}

TEST_CASE("a write past a file-size limit is a runtime failure (exit 1) naming the file, leaving nothing") {
  if (!fs::exists("/usr/bin/prlimit")) {
    MESSAGE("skipped: prlimit (util-linux) is not installed");
    CHECK(fs::exists(kStemviz));
    return;
  }
  const fs::path dir = fresh_dir("file-size-limit");
  const RunResult result = run("/usr/bin/prlimit", {"--fsize=300000", kStemviz.string(), "render", kKit.string(), "-o",
                                                    (dir / "out.mp4").string(), "--no-cache", "--to", "3"});
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("File too large") != std::string::npos);
  CHECK(result.output.find(dir.string()) != std::string::npos);
  CHECK(fs::is_empty(dir));
}

TEST_CASE("examples/batch-render.sh renders each song folder once, skips what is up to date, reports failures") {
  const fs::path dir = fresh_dir("batch");
  const fs::path songs = dir / "songs", out = dir / "videos";
  for (const char* name : {"First Song", "Café ☕", "Песня", "歌 2"}) {
    REQUIRE(run(kStemvizKit, {(songs / name).string(), "--seconds", "1", "--stems", "2"}).exit_code == 0);
  }
  const std::string script = (kSource / "examples" / "batch-render.sh").string();
  setenv("STEMVIZ", kStemviz.c_str(), 1);
  const auto batch = [&] {
    return run("/bin/bash", {script, songs.string(), out.string(), "-j", "2", "--", "--size", "320x180"});
  };
  const RunResult first = batch();
  INFO(first.output);
  CHECK(first.exit_code == 0);
  for (const char* name : {"First Song", "Café ☕", "Песня", "歌 2"}) {
    CAPTURE(name);
    CHECK(probe_video(out / (std::string(name) + ".mp4")).decoded_frames == 60);
  }
  CHECK(first.output.find("4 songs, 0 failed") != std::string::npos);

  const RunResult again = batch();
  CHECK(again.exit_code == 0);
  CHECK(std::count(again.output.begin(), again.output.end(), '\n') == 6);
  std::size_t skipped = 0;
  for (std::size_t at = again.output.find("skipped"); at != std::string::npos;
       at = again.output.find("skipped", at + 1)) {
    ++skipped;
  }
  CHECK(skipped == 4);

  // A damaged stem fails that song (exit 3 in the table) and the script, not the others.
  fs::create_directories(songs / "broken");
  std::ofstream(songs / "broken" / "a.wav") << "not audio";
  const RunResult broken = batch();
  unsetenv("STEMVIZ");
  CHECK(broken.exit_code == 1);
  CHECK(broken.output.find("failed (exit 3)") != std::string::npos);
  CHECK(broken.output.find("5 songs, 1 failed") != std::string::npos);
  CHECK_FALSE(fs::exists(out / "broken.mp4"));
}
