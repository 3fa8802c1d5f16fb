// Reliability: every kind of bad input is refused the same way (a one-line message naming
// the file, a distinct exit code, nothing left behind), odd but valid input renders, and a
// render killed at any moment resumes to the video an uninterrupted render gives.
#include "../support/checks.hpp"
#include "../support/probe.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sndfile.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <functional>
#include <numbers>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

using namespace stemviz;
using namespace stemviz::test;
namespace fs = std::filesystem;

namespace {

constexpr int kPcm16 = SF_FORMAT_WAV | SF_FORMAT_PCM_16;

double tone(std::int64_t i, int channel) {
  return 0.4 * std::sin(2 * std::numbers::pi * (220.0 + 110.0 * channel) * static_cast<double>(i) / 44100.0);
}
double silence(std::int64_t, int) { return 0.0; }

// Every file under `dir`, as paths relative to it, sorted.
std::vector<std::string> tree(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    names.push_back(fs::relative(entry.path(), dir).string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A folder of `count` one-second mono stems named 1.wav, 2.wav, ...
fs::path good_stems(const std::string& name, int count) {
  const fs::path dir = fresh_dir(name);
  for (int i = 1; i <= count; ++i) write_stem(dir / (std::to_string(i) + ".wav"), kPcm16, 44100, 1, 44100, tone);
  return dir;
}

// The lines of `output` that report an error.
std::vector<std::string> error_lines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("stemviz: error: ")) lines.push_back(line);
  }
  return lines;
}

// Runs `arguments` and checks the refusal: exit code, one error line naming `text` (notes
// about the work done before may precede it), nothing new in `out_dir`, and the stems
// folder (if any) as it was.
void check_refusal(const std::vector<std::string>& arguments, int exit_code, const std::string& text,
                   const fs::path& out_dir, const fs::path& stems = {}) {
  const std::vector<std::string> stems_before = stems.empty() ? std::vector<std::string>{} : tree(stems);
  const RunResult result = run(kStemviz, arguments);
  INFO(result.output);
  CHECK(result.exit_code == exit_code);
  const auto errors = error_lines(result.output);
  REQUIRE(errors.size() == 1);
  CHECK(errors.front().find(text) != std::string::npos);
  CHECK(tree(out_dir).empty());
  if (!stems.empty()) CHECK(tree(stems) == stems_before);
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_bytes(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// Runs stemviz as the unprivileged user "nobody" where the tests run as root (who may read
// and write anything); as itself otherwise. Empty when nobody cannot run the binary (a
// checkout under a private home folder): permissions cannot be tested there.
std::optional<RunResult> run_unprivileged(const std::vector<std::string>& arguments) {
  if (geteuid() != 0) return run(kStemviz, arguments);
  const std::vector<std::string> as_nobody{"--reuid=65534", "--regid=65534", "--clear-groups", kStemviz.string()};
  std::vector<std::string> probe = as_nobody;
  probe.push_back("--version");
  if (run("/usr/bin/setpriv", probe).exit_code != 0) return std::nullopt;
  std::vector<std::string> all = as_nobody;
  all.insert(all.end(), arguments.begin(), arguments.end());
  return run("/usr/bin/setpriv", all);
}

// check_refusal's checks (exit code 3, one error line holding each of `texts`, nothing in
// `out_dir`) for a run as nobody; `restore` puts back the permissions the case took away,
// also when nobody cannot run the binary and the case is skipped.
void check_unprivileged_refusal(const std::vector<std::string>& arguments, const std::vector<std::string>& texts,
                                const fs::path& out_dir, const std::function<void()>& restore) {
  const std::optional<RunResult> unprivileged = run_unprivileged(arguments);
  restore();
  if (!unprivileged) {
    MESSAGE("skipped: the user nobody cannot run " << kStemviz.string());
    return;
  }
  const RunResult& result = *unprivileged;
  INFO(result.output);
  CHECK(result.exit_code == 3);
  for (const std::string& text : texts) CHECK(result.output.find(text) != std::string::npos);
  CHECK(error_lines(result.output).size() == 1);
  CHECK(tree(out_dir).empty());
}

}  // namespace

TEST_CASE("bad input of every kind: one line naming the file, a distinct exit code, nothing left") {
  const fs::path out_dir = fresh_dir("refused-out");
  const std::string out = (out_dir / "out.mp4").string();

  SUBCASE("an empty folder") {
    const fs::path empty = fresh_dir("refused-empty");
    check_refusal({"render", empty.string(), "-o", out}, 3, "no audio files found", out_dir, empty);
  }
  SUBCASE("a folder with no audio") {
    const fs::path dir = fresh_dir("refused-no-audio");
    std::ofstream(dir / "notes.txt") << "take 3 was the good one\n";
    fs::create_directory(dir / "bounces");
    check_refusal({"render", dir.string(), "-o", out}, 3, "no audio files found", out_dir, dir);
  }
  SUBCASE("a garbage file among good ones") {
    const fs::path dir = good_stems("refused-garbage", 3);
    write_bytes(dir / "4.wav", std::string(5000, '\x7f'));
    check_refusal({"render", dir.string(), "-o", out}, 3, "4.wav: cannot read audio", out_dir, dir);
  }
  SUBCASE("a truncated WAV among good ones: shorter than the others") {
    const fs::path dir = good_stems("refused-truncated-wav", 3);
    const std::string bytes = read_bytes(dir / "3.wav");
    write_bytes(dir / "3.wav", bytes.substr(0, bytes.size() / 2));
    check_refusal({"render", dir.string(), "-o", out}, 3, "3.wav: 0.5", out_dir, dir);
  }
  SUBCASE("a truncated FLAC among good ones: its header promises more than it holds") {
    const fs::path dir = good_stems("refused-truncated-flac", 2);
    write_stem(dir / "3.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, 1, 44100, tone);
    const std::string bytes = read_bytes(dir / "3.flac");
    write_bytes(dir / "3.flac", bytes.substr(0, bytes.size() / 2));
    check_refusal({"render", dir.string(), "-o", out}, 3, "3.flac", out_dir, dir);
  }
  SUBCASE("a WAV whose header libsndfile parses for good, among good ones") {
    // Found by fuzzing: a LIST entry claiming nearly 4 GB sends libsndfile 1.2's sf_open
    // into an endless loop; stemviz gives up on it after its time limit for headers.
    const fs::path dir = good_stems("refused-endless-header", 2);
    fs::copy_file(fs::path(STEMVIZ_SOURCE_DIR) / "tests/fuzz/corpus/audio/timeout-list-entry-wraps.wav", dir / "3.wav");
    check_refusal({"render", dir.string(), "-o", out}, 3,
                  "3.wav: damaged audio: libsndfile was still reading its header", out_dir, dir);
  }
  SUBCASE("a pipe named as a stem") {
    const fs::path dir = good_stems("refused-pipe", 1);
    REQUIRE(mkfifo((dir / "2.wav").c_str(), 0600) == 0);
    check_refusal({"render", (dir / "1.wav").string(), (dir / "2.wav").string(), "-o", out}, 3,
                  "2.wav: not a regular file", out_dir, dir);
  }
  SUBCASE("an unreadable file among good ones") {
    const fs::path dir = good_stems("refused-unreadable", 2);
    fs::permissions(out_dir, fs::perms::all);  // so that only the stem stands in the way
    fs::permissions(dir / "2.wav", fs::perms::none);
    check_unprivileged_refusal({"render", dir.string(), "-o", out}, {"2.wav: cannot read audio"}, out_dir,
                               [&] { fs::permissions(dir / "2.wav", fs::perms::owner_read | fs::perms::owner_write); });
  }
  SUBCASE("stems of different durations") {
    const fs::path dir = good_stems("refused-lengths", 2);
    write_stem(dir / "3.wav", kPcm16, 44100, 1, 2 * 44100, tone);
    check_refusal({"render", dir.string(), "-o", out}, 3, "stems differ in length", out_dir, dir);
  }
  SUBCASE("a file without samples") {
    const fs::path dir = good_stems("refused-no-samples", 2);
    write_stem(dir / "3.wav", kPcm16, 44100, 1, 0, tone);
    check_refusal({"render", dir.string(), "-o", out}, 3, "3.wav: the file holds no samples", out_dir, dir);
  }
  SUBCASE("a sample rate no audio is recorded at") {
    const fs::path dir = good_stems("refused-rate", 1);
    write_stem(dir / "2.wav", kPcm16, 2, 1, 2, tone);
    check_refusal({"render", dir.string(), "-o", out, "--pad"}, 3, "2.wav: a sample rate of 2 Hz", out_dir, dir);
  }
  SUBCASE("an output folder that does not exist") {
    const fs::path dir = good_stems("refused-missing-folder", 1);
    check_refusal({"render", dir.string(), "-o", (out_dir / "no" / "out.mp4").string()}, 3, "does not exist", out_dir,
                  dir);
  }
  SUBCASE("a read-only output folder") {
    const fs::path dir = good_stems("refused-read-only", 1);
    fs::permissions(out_dir, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                 fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
    fs::permissions(dir, fs::perms::all);
    check_unprivileged_refusal({"render", dir.string(), "-o", out}, {out_dir.string(), "is not writable"}, out_dir,
                               [&] { fs::permissions(out_dir, fs::perms::owner_all); });
  }
  SUBCASE("an output that exists, without -y") {
    const fs::path dir = good_stems("refused-exists", 1);
    const fs::path kept_dir = fresh_dir("refused-exists-out");
    write_bytes(kept_dir / "out.mp4", "an earlier render");
    const RunResult result = run(kStemviz, {"render", dir.string(), "-o", (kept_dir / "out.mp4").string()});
    INFO(result.output);
    CHECK(result.exit_code == 2);
    CHECK(result.output.find("pass -y") != std::string::npos);
    CHECK(tree(kept_dir) == std::vector<std::string>{"out.mp4"});
    CHECK(read_bytes(kept_dir / "out.mp4") == "an earlier render");
  }
  SUBCASE("nonsense option values") {
    const fs::path dir = good_stems("refused-values", 1);
    const auto refused = [&](std::vector<std::string> extra, const std::string& text) {
      std::vector<std::string> arguments{"render", dir.string(), "-o", out};
      arguments.insert(arguments.end(), extra.begin(), extra.end());
      CAPTURE(extra.front());
      check_refusal(arguments, 2, text, out_dir, dir);
    };
    refused({"--size", "0x0"}, "--size");
    refused({"--size", "0"}, "--size");
    refused({"--size", "-640x360"}, "--size");
    refused({"--fps", "0"}, "--fps");
    refused({"--fps", "-30"}, "--fps");
    refused({"--fps", "sixty"}, "--fps");
    refused({"--from", "-1"}, "--from");
    refused({"--to", "-2"}, "--to");
    refused({"--from", "0.8", "--to", "0.2"}, "--from");
    refused({"--threads", "-3"}, "--threads");
    refused({"--chunk-seconds", "-1"}, "--chunk-seconds");
    refused({"--crf", "nan"}, "--crf");
  }
  SUBCASE("an invalid scene file") {
    const fs::path dir = good_stems("refused-scene", 1);
    const fs::path scene_dir = fresh_dir("refused-scene-file");
    std::ofstream(scene_dir / "look.toml") << "[camera]\nfov = 30 +\n";
    check_refusal({"render", dir.string(), "-o", out, "--scene", (scene_dir / "look.toml").string()}, 3,
                  "look.toml:2:", out_dir, dir);
  }
  SUBCASE("an invalid shader beside the scene") {
    const fs::path dir = good_stems("refused-shader", 1);
    const fs::path scene_dir = fresh_dir("refused-shader-file");
    std::ofstream(scene_dir / "look.toml") << "[object]\nshader = \"glossy\"\n";
    std::ofstream(scene_dir / "glossy.shader") << "# Glossy.\nr = 0.5\ng = sqrt(\nb = 1\n";
    check_refusal({"render", dir.string(), "-o", out, "--scene", (scene_dir / "look.toml").string()}, 3,
                  "glossy.shader:3:", out_dir, dir);
  }
}

TEST_CASE("odd but valid stems render: silence, one stem, 6-channel beside stereo, any name") {
  const fs::path out_dir = fresh_dir("odd-out");
  const auto renders = [&](const fs::path& stems, const std::string& name) {
    const fs::path out = out_dir / name;
    const RunResult result = run(kStemviz, {"render", stems.string(), "-o", out.string(), "--size", "320x180"});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    const VideoProbe p = probe_video(out);
    CHECK(p.decoded_frames == 60);
    CHECK(p.audio_channels == 2);
    CHECK(std::abs(p.audio_seconds - 1.0) <= 1.0 / 60);
    return p;
  };
  SUBCASE("a stem of digital silence") {
    const fs::path dir = good_stems("odd-silence", 2);
    write_stem(dir / "3.wav", kPcm16, 44100, 1, 44100, silence);
    renders(dir, "silence.mp4");
  }
  SUBCASE("every stem silent") {
    const fs::path dir = fresh_dir("odd-all-silent");
    for (const char* name : {"a.wav", "b.wav"}) write_stem(dir / name, kPcm16, 44100, 1, 44100, silence);
    renders(dir, "all-silent.mp4");
  }
  SUBCASE("one stem") { renders(good_stems("odd-one", 1), "one.mp4"); }
  SUBCASE("a 6-channel stem beside a stereo one") {
    const fs::path dir = fresh_dir("odd-channels");
    write_stem(dir / "room.wav", kPcm16, 44100, 6, 44100, tone);
    write_stem(dir / "overheads.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 44100, 2, 44100, tone);
    renders(dir, "channels.mp4");
  }
  SUBCASE("names with spaces, accents, Cyrillic, CJK and emoji, in and out") {
    const fs::path dir = fresh_dir("odd names ünï Ключ 鼓 🥁");
    for (const char* name : {"kick in.wav", "caisse claire é.wav", "хэт.wav", "タム.wav", "🥁 crash.wav"}) {
      write_stem(dir / name, kPcm16, 44100, 1, 44100, tone);
    }
    renders(dir, "vidéo 鼓 🥁.mp4");
  }
}

TEST_CASE("a render killed at random moments resumes each time to the uninterrupted video") {
  const fs::path dir = fresh_dir("sigkill");
  const fs::path work = dir / "work";
  const fs::path out = dir / "out.mp4";
  // 15 chunks of 15 to 5 frames: a kill lands before, among or after finished chunks.
  const std::vector<std::string> look = {"--size", "320x180", "--to", "3", "--chunk-seconds", "0.25"};
  const auto command = [&](const fs::path& output, std::vector<std::string> extra) {
    std::vector<std::string> arguments{"render", kKit.string(), "-o", output.string()};
    arguments.insert(arguments.end(), look.begin(), look.end());
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return arguments;
  };
  const fs::path reference = dir / "reference.mp4";
  const auto started_at = std::chrono::steady_clock::now();
  const RunResult uninterrupted = run(kStemviz, command(reference, {}));
  REQUIRE(uninterrupted.exit_code == 0);
  const auto whole =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at);

  // Kill times spread over a whole render's length: in the analysis, among the chunks, in
  // the stitch.
  const unsigned seed = std::random_device{}();
  MESSAGE("kill times drawn with seed " << seed << " over " << whole.count() << " ms");
  std::mt19937 random(seed);
  std::uniform_int_distribution<long> delay_ms(10, std::max<long>(20, whole.count()));
  int kills = 0;
  for (int attempt = 0; attempt < 6; ++attempt) {
    const Started started = start(kStemviz, command(out, {"--work-dir", work.string(), "-y"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    kill(started.pid, SIGKILL);
    const RunResult killed = finish(started);
    if (killed.exit_code == 0) continue;  // it finished before the kill
    ++kills;
  }
  MESSAGE(kills << " renders killed");

  // The frames of the chunks the killed runs finished, as the job's manifest cuts them.
  int frames_done = 0;
  if (fs::exists(work / "segments")) {
    const auto manifest = nlohmann::json::parse(read_bytes(work / "manifest.json"));
    for (const nlohmann::json& chunk : manifest.at("chunks")) {
      const std::string name = fmt::format("chunk-{:06}.mp4.done", chunk.at("index").get<int>());
      if (fs::exists(work / "segments" / name)) frames_done += chunk.at("frames").get<int>();
    }
  }
  const RunResult resumed = run(kStemviz, command(out, {"--work-dir", work.string(), "--progress", "json", "-y"}));
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  const auto event = nlohmann::json::parse(resumed.output.substr(resumed.output.rfind('{')));
  // Only what no killed run had finished is drawn again.
  CHECK(event.at("frames_rendered").get<int>() == 180 - frames_done);
  CHECK(frame_hashes(out) == frame_hashes(reference));
  CHECK(video_packets(out) == video_packets(reference));
  // Nothing of the killed runs is left beside the output, or half-written in the job.
  CHECK(files_in(dir) == std::vector<std::string>{".stemviz-cache", "out.mp4", "reference.mp4", "work"});
  for (const std::string& name : files_in(work / "segments")) CHECK(name.find(".stemviz-") == std::string::npos);
}

TEST_CASE("SIGTERM stops the workers, keeps finished segments, and the same command finishes the video") {
  const fs::path dir = fresh_dir("sigterm");
  const fs::path work = dir / "work";
  const fs::path out = dir / "out.mp4";
  const std::vector<std::string> arguments = {"render",    kKit.string(), "-o",         out.string(),      "--size",
                                              "320x180",   "--to",        "3",          "--chunk-seconds", "0.25",
                                              "--threads", "1",           "--work-dir", work.string()};
  const Started started = start(kStemviz, arguments);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const auto done_segments = [&] {
    int count = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(work / "segments", error))
      count += entry.path().extension() == ".done";
    return count;
  };
  while (done_segments() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(started.pid, SIGTERM);
  const RunResult stopped = finish(started);
  INFO(stopped.output);
  CHECK(stopped.exit_code == 130);
  CHECK_FALSE(fs::exists(out));
  const int kept = done_segments();
  CHECK(kept >= 3);
  for (const std::string& name : files_in(work / "segments")) CHECK(name.find(".stemviz-") == std::string::npos);
  CHECK(files_in(dir) == std::vector<std::string>{".stemviz-cache", "work"});

  std::vector<std::string> again = arguments;
  again.insert(again.end(), {"--progress", "json"});
  const RunResult finished = run(kStemviz, again);
  INFO(finished.output);
  REQUIRE(finished.exit_code == 0);
  const auto event = nlohmann::json::parse(finished.output.substr(finished.output.rfind('{')));
  CHECK(event.at("frames_rendered").get<int>() == 180 - 15 * kept);
  const fs::path reference = dir / "reference.mp4";
  std::vector<std::string> plain(arguments.begin(), arguments.end() - 2);
  plain[3] = reference.string();
  REQUIRE(run(kStemviz, plain).exit_code == 0);
  CHECK(video_packets(out) == video_packets(reference));
}

TEST_CASE("SIGTERM ends stemviz with exit code 130 even inside a call that never returns") {
  // A scene read from a pipe that nobody writes to: stemviz waits in open() and never comes
  // back to check its stop flag, as it would in a library stuck on a damaged file or a hung
  // network share. Without the stop watchdog only SIGKILL ends it (the hang guard below).
  const fs::path dir = fresh_dir("sigterm-stuck");
  const fs::path scene = dir / "scene.toml";
  REQUIRE(mkfifo(scene.c_str(), 0600) == 0);
  const std::vector<std::string> arguments = {"render",  kKit.string(), "-o", (dir / "out.mp4").string(),
                                              "--scene", scene.string()};
  for (const int signals : {1, 2}) {
    CAPTURE(signals);
    const Started started = start(kStemviz, arguments);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (int i = 0; i < signals; ++i) {
      // Apart, or the kernel merges them into one.
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      kill(started.pid, SIGTERM);
    }
    const RunResult stopped = finish(started, std::chrono::seconds(60));
    INFO(stopped.output);
    CHECK(stopped.exit_code == 130);
    CHECK(stopped.output.find("stemviz: interrupted") != std::string::npos);
    CHECK(files_in(dir) == std::vector<std::string>{"scene.toml"});
  }
}

TEST_CASE("a full disk is a runtime failure naming the path, and leaves nothing behind") {
  // A small tmpfs of its own, mounted in a private mount namespace (as a user namespace's
  // root where the tests do not run as root), so nothing else sees it.
  const fs::path dir = fresh_dir("disk-full");
  const fs::path mount_point = dir / "small";
  fs::create_directory(mount_point);
  const auto render_on_tmpfs = [&](const std::string& size) {
    const std::string script =
        "mount -t tmpfs -o size=\"$1\" stemviz-test \"$2\" || exit 77\n"
        "\"$3\" render \"$4\" -o \"$2/out.mp4\" --to 2\n"
        "code=$?\n"
        "echo \"left:$(ls -A \"$2\" | tr '\\n' ' ')\"\n"
        "exit $code\n";
    return run("/usr/bin/unshare", {"--user", "--map-root-user", "--mount", "/bin/sh", "-c", script, "sh", size,
                                    mount_point.string(), kStemviz.string(), kKit.string()});
  };
  const RunResult probe = render_on_tmpfs("64m");
  if (probe.exit_code == 77 || probe.output.find("unshare:") != std::string::npos) {
    MESSAGE("skipped: this machine does not allow a private tmpfs (" << probe.output << ")");
    CHECK(fs::exists(kStemviz));
    return;
  }
  INFO(probe.output);
  REQUIRE(probe.exit_code == 0);
  // Full before the render (the job's feature file), while the segments are written, and
  // only when the finished video is joined (2 s of the kit: about 0.9 MB of job folder and
  // feature cache, then 0.3 MB of video).
  for (const auto& full_at : {std::pair{"100k", ".job/.features.svf.stemviz-"}, std::pair{"400k", ".job/segments/"},
                              std::pair{"1000k", ".out.mp4.stemviz-"}}) {
    const std::string size = full_at.first, stage = full_at.second;
    CAPTURE(size);
    const RunResult full = render_on_tmpfs(size);
    INFO(full.output);
    CHECK(full.exit_code == 1);
    CHECK(full.output.find(mount_point.string()) != std::string::npos);
    CHECK(full.output.find(stage) != std::string::npos);
    CHECK(full.output.find("No space left on device") != std::string::npos);
    const std::string left = full.output.substr(full.output.find("left:") + 5);
    CHECK((left == "\n" || left == ".stemviz-cache \n"));
  }
}
