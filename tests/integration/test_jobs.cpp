// Sharded renders through job folders: plan, shard, stitch and status run as the real
// binary, and their output is compared with a local render byte for byte.
#include "../support/checks.hpp"
#include "../support/probe.hpp"

#include <stemviz/util/hash.hpp>

#include <stemviz/job/job_folder.hpp>
#include <stemviz/job/manifest.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

using namespace stemviz;
using namespace stemviz::test;
namespace fs = std::filesystem;

namespace {

// Small and in many chunks, so that shards have work to split and tests stay quick.
const std::vector<std::string> kLook = {"--size", "320x180", "--to", "3", "--chunk-seconds", "0.25"};
// 180 frames: nine chunks of 15, then the last quarter in five of 8 and one of 5.
constexpr int kLookChunks = 15;

std::vector<std::string> with_look(std::vector<std::string> arguments) {
  arguments.insert(arguments.end(), kLook.begin(), kLook.end());
  return arguments;
}

RunResult must_run(const std::vector<std::string>& arguments) {
  const RunResult result = run(kStemviz, arguments);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return result;
}

// The local render every sharded one must equal, made in `dir` (ctest runs test cases in
// separate processes at once, so each makes its own).
fs::path local_render(const fs::path& dir) {
  const fs::path out = dir / "local.mp4";
  if (!fs::exists(out)) {
    must_run(with_look({"render", kKit.string(), "-o", out.string(), "--progress", "none"}));
  }
  return out;
}

void check_same_video(const fs::path& a, const fs::path& b) {
  const VideoProbe pa = probe_video(a), pb = probe_video(b);
  CHECK(pa.decoded_frames == 180);
  CHECK(pb.decoded_frames == pa.decoded_frames);
  CHECK(pb.audio_seconds == doctest::Approx(pa.audio_seconds));
  CHECK(video_packets(a) == video_packets(b));
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

int done_segments(const fs::path& job) {
  int count = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(job / "segments", error)) {
    if (entry.path().extension() == ".done") ++count;
  }
  return count;
}

// Sets an environment variable for the children started inside one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) { setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

}  // namespace

TEST_CASE("a job rendered in shards equals the local render byte for byte, for any shard count") {
  for (const int shards : {1, 2, 5}) {
    CAPTURE(shards);
    const fs::path dir = fresh_dir("jobs-shards-" + std::to_string(shards));
    const fs::path job = dir / "job";
    must_run(with_look({"plan", kKit.string(), "-o", job.string(), "--shards", std::to_string(shards), "-q"}));
    CHECK(fs::is_regular_file(job / "manifest.json"));
    CHECK(fs::is_regular_file(job / "features.svf"));
    CHECK(fs::is_regular_file(job / "soundtrack.flac"));
    // Shards in reverse order, one thread each: neither changes a byte.
    for (int k = shards - 1; k >= 0; --k) {
      must_run({"shard", job.string(), "--index", std::to_string(k), "--threads", "1", "-q"});
    }
    const RunResult status = must_run({"status", job.string(), "--json"});
    const auto json = nlohmann::json::parse(status.output);
    CHECK(json.at("complete").get<bool>());
    CHECK(json.at("chunks").get<int>() == kLookChunks);
    CHECK(json.at("by_shard").size() == static_cast<std::size_t>(shards));
    must_run({"stitch", job.string(), "-o", (dir / "out.mp4").string(), "-q"});
    check_same_video(local_render(dir), dir / "out.mp4");
  }
}

TEST_CASE("a shard takes its index from the array job's variable") {
  const fs::path dir = fresh_dir("jobs-env");
  const fs::path job = dir / "job";
  must_run(with_look({"plan", kKit.string(), "-o", job.string(), "--shards", "4", "-q"}));
  {
    ScopedEnv env("AWS_BATCH_JOB_ARRAY_INDEX", "0");
    CHECK(must_run({"shard", job.string()}).output.find("shard 0 done") != std::string::npos);
  }
  {
    ScopedEnv env("SLURM_ARRAY_TASK_ID", "1");
    CHECK(must_run({"shard", job.string()}).output.find("shard 1 done") != std::string::npos);
  }
  {
    ScopedEnv env("JOB_COMPLETION_INDEX", "2");
    CHECK(must_run({"shard", job.string()}).output.find("shard 2 done") != std::string::npos);
  }
  {
    ScopedEnv env("MY_TASK", "4");  // counting from 1: the fourth shard
    CHECK(
        must_run({"shard", job.string(), "--index-env", "MY_TASK", "--index-base", "1"}).output.find("shard 3 done") !=
        std::string::npos);
  }
  must_run({"stitch", job.string(), "-o", (dir / "out.mp4").string(), "-q"});
  check_same_video(local_render(dir), dir / "out.mp4");

  const RunResult no_index = run(kStemviz, {"shard", job.string()});
  CHECK(no_index.exit_code == 2);
  CHECK(no_index.output.find("--index") != std::string::npos);
  const RunResult too_high = run(kStemviz, {"shard", job.string(), "--index", "4"});
  CHECK(too_high.exit_code == 2);
  CHECK(too_high.output.find("shards 0 to 3") != std::string::npos);
}

TEST_CASE("two runs of the same shard at once both succeed and give the local render's bytes") {
  // A scheduler's retry may start while the first attempt still runs (AWS Batch and
  // Kubernetes both do this): each run writes under names of its own and renames them
  // into place, so neither trips over the other's files.
  const fs::path dir = fresh_dir("jobs-twice");
  const fs::path job = dir / "job";
  must_run(with_look({"plan", kKit.string(), "-o", job.string(), "--shards", "2", "-q"}));
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    fs::remove_all(job / "segments");
    const Started first = start(kStemviz, {"shard", job.string(), "--index", "1", "--threads", "1", "-q"});
    const Started second = start(kStemviz, {"shard", job.string(), "--index", "1", "--threads", "1", "-q"});
    const RunResult a = finish(first), b = finish(second);
    CHECK_MESSAGE(a.exit_code == 0, a.output);
    CHECK_MESSAGE(b.exit_code == 0, b.output);
  }
  must_run({"shard", job.string(), "--index", "0", "-q"});
  must_run({"stitch", job.string(), "-o", (dir / "out.mp4").string(), "-q"});
  check_same_video(local_render(dir), dir / "out.mp4");
}

TEST_CASE("a killed shard run again renders only what is missing") {
  const fs::path dir = fresh_dir("jobs-killed");
  const fs::path job = dir / "job";
  must_run(with_look({"plan", kKit.string(), "-o", job.string(), "--shards", "1", "-q"}));
  const Started started = start(kStemviz, {"shard", job.string(), "--index", "0", "--threads", "1"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (done_segments(job) < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(started.pid, SIGKILL);
  finish(started);
  const int done = done_segments(job);
  REQUIRE(done >= 3);
  REQUIRE(done < kLookChunks);

  const RunResult stitch_early = run(kStemviz, {"stitch", job.string(), "-o", (dir / "out.mp4").string()});
  CHECK(stitch_early.exit_code == 3);
  CHECK(stitch_early.output.find("shard 0") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out.mp4"));

  const RunResult again = must_run({"shard", job.string(), "--index", "0"});
  const std::string all = std::to_string(kLookChunks);
  CHECK(again.output.find(std::to_string(done) + " of " + all + " chunks already done") != std::string::npos);
  CHECK(again.output.find("rendered " + std::to_string(kLookChunks - done) + " of its " + all + " chunks") !=
        std::string::npos);
  must_run({"stitch", job.string(), "-o", (dir / "out.mp4").string(), "-q"});
  check_same_video(local_render(dir), dir / "out.mp4");
}

TEST_CASE("a damaged segment is refused by the stitch and rendered again by its shard") {
  const fs::path dir = fresh_dir("jobs-damaged");
  const fs::path job = dir / "job";
  must_run(with_look({"plan", kKit.string(), "-o", job.string(), "--shards", "3", "-q"}));
  for (const char* k : {"0", "1", "2"}) must_run({"shard", job.string(), "--index", k, "-q"});
  const fs::path victim = job / "segments" / "chunk-000005.mp4";
  {
    std::fstream file(victim, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(2000);
    file.put('\x5a');
  }
  const RunResult status = must_run({"status", job.string()});
  CHECK(status.output.find("shard 1: 3/4 done; missing chunk 5") != std::string::npos);
  const RunResult refused = run(kStemviz, {"stitch", job.string(), "-o", (dir / "out.mp4").string()});
  CHECK(refused.exit_code == 3);
  CHECK(refused.output.find("chunk-000005.mp4 is damaged") != std::string::npos);
  CHECK(refused.output.find("shard 1 (chunk 5)") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out.mp4"));
  CHECK(must_run({"shard", job.string(), "--index", "1"}).output.find("rendered 1 of its 4 chunks") !=
        std::string::npos);
  must_run({"stitch", job.string(), "-o", (dir / "out.mp4").string(), "-q"});
  check_same_video(local_render(dir), dir / "out.mp4");
}

TEST_CASE("a segment that is a playlist naming another video is refused, even with a forged record") {
  const fs::path dir = fresh_dir("jobs-playlist");
  const fs::path job = dir / "job";
  must_run(with_look({"plan", kKit.string(), "-o", job.string(), "--shards", "3", "-q"}));
  for (const char* k : {"0", "1", "2"}) must_run({"shard", job.string(), "--index", k, "-q"});
  // As an attacker who can write the job folder would: chunk 5 becomes an HLS playlist that
  // names chunk 0 (a video libav would follow), with a record made for it.
  const fs::path victim = job / "segments" / "chunk-000005.mp4";
  std::ofstream(victim, std::ios::trunc) << "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n"
                                         << (job / "segments" / "chunk-000000.mp4").string() << "\n#EXT-X-ENDLIST\n";
  const nlohmann::json old_record = nlohmann::json::parse(read_text(fs::path(victim.string() + ".done")));
  const nlohmann::json record = {{"job", old_record.at("job")},
                                 {"bytes", fs::file_size(victim)},
                                 {"sha256", stemviz::sha256_of_file(victim)},
                                 {"frames", old_record.at("frames")}};
  std::ofstream(victim.string() + ".done", std::ios::trunc) << record.dump() << "\n";
  const RunResult refused = run(kStemviz, {"stitch", job.string(), "-o", (dir / "out.mp4").string()});
  INFO(refused.output);
  CHECK(refused.exit_code == 3);
  CHECK(refused.output.find("chunk-000005.mp4: not a file as stemviz writes them") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out.mp4"));
}

TEST_CASE("a manifest that was edited, damaged or made by another build is refused") {
  const fs::path dir = fresh_dir("jobs-manifest");
  const fs::path job = dir / "job";
  must_run(with_look({"plan", kKit.string(), "-o", job.string(), "--shards", "2", "-q"}));
  const std::string original = read_text(job / "manifest.json");
  const auto refused = [&](const std::string& manifest_text, int exit_code, const std::string& message) {
    std::ofstream(job / "manifest.json", std::ios::binary | std::ios::trunc) << manifest_text;
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"shard", job.string(), "--index", "0"},
          std::vector<std::string>{"stitch", job.string(), "-o", (dir / "out.mp4").string()}}) {
      const RunResult result = run(kStemviz, command);
      INFO(command.front(), ": ", result.output);
      CHECK(result.exit_code == exit_code);
      CHECK(result.output.find(message) != std::string::npos);
      CHECK(std::count(result.output.begin(), result.output.end(), '\n') == 1);
    }
    CHECK_FALSE(fs::exists(dir / "out.mp4"));
    CHECK(done_segments(job) == 0);
  };
  // Rewrites the manifest through the library, so its hash matches the change.
  const auto rehashed = [&](const auto& change) {
    std::ofstream(job / "manifest.json", std::ios::binary | std::ios::trunc) << original;
    Manifest manifest = read_manifest(job / "manifest.json");
    change(manifest);
    return manifest_text(manifest);
  };

  SUBCASE("an edited setting no longer matches the hash") {
    std::string edited = original;
    const auto at = edited.find("\"crf\": 18");
    REQUIRE(at != std::string::npos);
    edited.replace(at, 9, "\"crf\": 17");
    refused(edited, 4, "does not match its hash");
  }
  SUBCASE("a truncated manifest") { refused(original.substr(0, original.size() / 2), 3, "truncated"); }
  SUBCASE("brackets nested 100,000 deep are refused before anything walks them") {
    // The JSON serializer that computes the hash recursed once per level and overflowed
    // the stack (SIGSEGV).
    std::string nested = original;
    nested.insert(1, "\"deep\": " + std::string(100'000, '[') + std::string(100'000, ']') + ",");
    refused(nested, 3, "nests deeper than 32 levels");
  }
  SUBCASE("another stemviz version") {
    refused(rehashed([](Manifest& m) { m.software.stemviz = "0.0.1"; }), 4, "stemviz 0.0.1 (this binary: ");
  }
  SUBCASE("another libavcodec") {
    refused(rehashed([](Manifest& m) { m.software.libavcodec = "61.3.100"; }), 4, "libavcodec 61.3.100");
  }
  // The limits `plan` enforces hold when a manifest is read: beyond them a job would
  // exhaust memory or time, or divide by zero.
  SUBCASE("more stems than a picture shows") {
    refused(rehashed([](Manifest& m) { m.stems.resize(33, m.stems.front()); }), 3,
            "it lists 33 stems, more than the 32 a picture shows");
  }
  SUBCASE("more shards than chunks") {
    refused(rehashed([](Manifest& m) { m.shards = 2'000'000'000; }), 3,
            "the shard count 2000000000 is not from 1 to its");
  }
  SUBCASE("a frame rate above 240") {
    refused(rehashed([](Manifest& m) {
              m.video.fps = m.plan.timeline.fps = {1000, 1};
            }),
            3, "its frame rate 1000 is above the 240 fps");
  }
  SUBCASE("chunk frame counts whose sum wraps around") {
    refused(rehashed([](Manifest& m) {
              m.plan.chunks[0].frame_count = std::int64_t{1} << 62;
              m.plan.chunks[1].first_frame = m.plan.chunks[0].end_frame();
              m.plan.chunks[1].frame_count = std::int64_t{1} << 62;
            }),
            3, "chunk 0 does not follow the chunk before it");
  }
  SUBCASE("a pipe as the manifest is refused at once") {
    fs::remove(job / "manifest.json");
    REQUIRE(mkfifo((job / "manifest.json").c_str(), 0600) == 0);
    const RunResult result = finish(start(kStemviz, {"shard", job.string(), "--index", "0"}), std::chrono::seconds(20));
    CHECK(result.exit_code == 3);
    CHECK(result.output.find("manifest.json: not a regular file") != std::string::npos);
  }
  // Stem names become file names (stitch --layers) and are printed; titles are printed.
  SUBCASE("a stem name that would write outside the layers folder") {
    refused(rehashed([](Manifest& m) { m.stems[0].name = "x/../../somewhere"; }), 3,
            "the stem name \"x/../../somewhere\" holds a '/' or '\\'");
  }
  SUBCASE("a stem name with a terminal escape is refused, and printed escaped") {
    refused(rehashed([](Manifest& m) { m.stems[0].name = "kick\x1b[2J"; }), 3,
            "the stem name \"kick\\x1b[2J\" holds a control character");
  }
  SUBCASE("a title with a line break") {
    refused(rehashed([](Manifest& m) { m.title = "one\ntwo"; }), 3, "its title holds a control character");
  }
  SUBCASE("a file outside the job folder") {
    refused(rehashed([](Manifest& m) { m.features_file = "../features.svf"; }), 3, "not a plain file name");
  }
  SUBCASE("another format version") {
    std::string text = original;
    text.replace(text.find("\"version\": 1"), 12, "\"version\": 9");
    refused(text, 4, "format version 9");
  }
  SUBCASE("no manifest at all") {
    fs::remove(job / "manifest.json");
    const RunResult result = run(kStemviz, {"shard", job.string(), "--index", "0"});
    CHECK(result.exit_code == 3);
    CHECK(result.output.find("stemviz plan") != std::string::npos);
  }
}

TEST_CASE("plan refuses what it must not overwrite and more shards than chunks") {
  const fs::path dir = fresh_dir("jobs-plan-errors");
  const fs::path job = dir / "job";
  const RunResult too_many = run(
      kStemviz, with_look({"plan", kKit.string(), "-o", job.string(), "--shards", std::to_string(kLookChunks + 1)}));
  CHECK(too_many.exit_code == 2);
  CHECK(too_many.output.find("only " + std::to_string(kLookChunks) + " chunks") != std::string::npos);
  CHECK_FALSE(fs::exists(job / "manifest.json"));

  must_run(with_look({"plan", kKit.string(), "-o", job.string(), "-q"}));
  const RunResult again = run(kStemviz, with_look({"plan", kKit.string(), "-o", job.string()}));
  CHECK(again.exit_code == 2);
  CHECK(again.output.find("pass -y") != std::string::npos);
  must_run(with_look({"plan", kKit.string(), "-o", job.string(), "-y", "--shards", "3", "-q"}));
  CHECK(read_manifest(job / "manifest.json").shards == 3);

  const fs::path other = dir / "not-a-job";
  fs::create_directories(other);
  std::ofstream(other / "notes.txt") << "keep me";
  const RunResult foreign = run(kStemviz, with_look({"plan", kKit.string(), "-o", other.string(), "-y"}));
  CHECK(foreign.exit_code == 3);
  CHECK(read_text(other / "notes.txt") == "keep me");
  const RunResult foreign_work =
      run(kStemviz, with_look({"render", kKit.string(), "-o", (dir / "o.mp4").string(), "--work-dir", other.string()}));
  CHECK(foreign_work.exit_code == 3);
  CHECK(foreign_work.output.find("--work-dir") != std::string::npos);
}

TEST_CASE("plan refuses stem names and titles that are not plain text, and prints them escaped") {
  const fs::path dir = fresh_dir("jobs-names");
  const fs::path stems = dir / "stems";
  fs::create_directories(stems);
  fs::copy_file(kKit / "01-kick.wav", stems / "kick.wav");
  fs::copy_file(kKit / "02-snare.wav", stems / "snare\x1b[31m.wav");
  const fs::path job = dir / "job";
  const RunResult escape = run(kStemviz, with_look({"plan", stems.string(), "-o", job.string()}));
  CHECK(escape.exit_code == 3);
  CHECK(escape.output.find("snare\\x1b[31m.wav: its name holds a control character; rename the file") !=
        std::string::npos);
  CHECK(escape.output.find('\x1b') == std::string::npos);
  CHECK_FALSE(fs::exists(job));
  fs::remove(stems / "snare\x1b[31m.wav");
  const RunResult title = run(kStemviz, with_look({"plan", stems.string(), "-o", job.string(), "--title", "a\nb"}));
  CHECK(title.exit_code == 3);
  CHECK(title.output.find("the title \"a\\x0ab\" holds a control character; give another with --title") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(job));
}

TEST_CASE("render --work-dir resumes an interrupted render and gives the same video") {
  const fs::path dir = fresh_dir("jobs-work-dir");
  const fs::path work = dir / "work";
  const fs::path out = dir / "out.mp4";
  const Started started =
      start(kStemviz,
            with_look({"render", kKit.string(), "-o", out.string(), "--work-dir", work.string(), "--threads", "1"}));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (done_segments(work) < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(started.pid, SIGINT);
  const RunResult interrupted = finish(started);
  CHECK(interrupted.exit_code == 130);
  CHECK_FALSE(fs::exists(out));
  const int done = done_segments(work);
  CHECK(done >= 2);
  // Only finished segments and their records stay: no temporary files.
  for (const std::string& name : files_in(work / "segments")) CHECK(name.find(".stemviz-") == std::string::npos);

  const RunResult resumed =
      must_run(with_look({"render", kKit.string(), "-o", out.string(), "--work-dir", work.string()}));
  CHECK(resumed.output.find("resuming") != std::string::npos);
  if (done < 12) CHECK(resumed.output.find("rendered now") != std::string::npos);
  check_same_video(local_render(dir), out);
  CHECK(fs::is_regular_file(work / "manifest.json"));
}

TEST_CASE("plan --emit writes each scheduler's recipe into the job folder, filled in for the job") {
  const fs::path dir = fresh_dir("jobs-emit");
  const fs::path job = dir / "My Song";
  const RunResult planned = must_run(with_look(
      {"plan", kKit.string(), "-o", job.string(), "--shards", "3", "--emit", "slurm,k8s", "--emit", "aws-batch"}));
  CHECK(planned.output.find("k8s recipe in") != std::string::npos);
  const fs::path cloud = fs::path(STEMVIZ_SOURCE_DIR) / "cloud";
  // Scripts read job.env, so they are copied as they are, ready to run.
  for (const char* script : {"slurm/submit.sh", "slurm/shard.sbatch", "slurm/stitch.sbatch", "aws-batch/submit.sh",
                             "aws-batch/worker.sh", "k8s/submit.sh"}) {
    CAPTURE(script);
    CHECK(read_text(job / script) == read_text(cloud / script));
    CHECK((fs::status(job / script).permissions() & fs::perms::owner_exec) != fs::perms::none);
  }
  // Each recipe carries the reader of job.env its scripts source.
  for (const char* scheduler : {"slurm", "aws-batch", "k8s"})
    CHECK(read_text(job / scheduler / "job-env.sh") == read_text(cloud / "job-env.sh"));
  CHECK(read_text(job / "aws-batch" / "shard-job-definition.json") ==
        read_text(cloud / "aws-batch" / "shard-job-definition.json"));
  CHECK_FALSE(fs::exists(job / "aws-batch" / "Dockerfile"));
  CHECK(read_text(job / "job.env").find("STEMVIZ_SHARDS=3\n") != std::string::npos);
  // Kubernetes manifests cannot read job.env: they come filled in.
  const std::string shards = read_text(job / "k8s" / "shards.yaml");
  CHECK(shards.find("${") == std::string::npos);
  CHECK(shards.find("completions: 3\n") != std::string::npos);
  CHECK(shards.find("name: stemviz-my-song-shards\n") != std::string::npos);
  CHECK(shards.find("\"/work/My Song\"") != std::string::npos);
  CHECK(read_text(job / "k8s" / "stitch.yaml").find("\"/work/My Song.mp4\"") != std::string::npos);

  const RunResult unknown =
      run(kStemviz, with_look({"plan", kKit.string(), "-o", (dir / "other").string(), "--emit", "lsf"}));
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.output.find("slurm, aws-batch, k8s") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "other"));
}

TEST_CASE("plan --estimate prints wall time and core-hours per shard count and writes nothing") {
  const fs::path dir = fresh_dir("jobs-estimate");
  const RunResult estimated =
      run(kStemviz, {"plan", kKit.string(), "--estimate", "--shards", "3", "--size", "320x180", "--chunk-seconds",
                     "0.25", "--cores-per-machine", "4", "--cache-dir", (dir / "cache").string(), "-q"});
  INFO(estimated.output);
  REQUIRE(estimated.exit_code == 0);
  // Twelve 0.25 s chunks, then the last quarter (60 frames) in chunks of 8.
  CHECK(estimated.output.find("240 frames in 20 chunks") != std::string::npos);
  // One row per shard count: the asked one first, then 1, 2, 4, 8, 16.
  std::vector<int> shard_counts;
  std::istringstream lines(estimated.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    int shards = 0, cores = 0, chunks = 0;
    std::string shard_wall, job_wall;
    double core_hours = -1;
    if (fields >> shards >> cores >> chunks >> shard_wall >> job_wall >> core_hours) {
      CHECK(cores == 4);
      // Shards split the frames evenly, so the one holding the short chunks holds more.
      CHECK(chunks >= (20 + shards - 1) / shards);
      CHECK(chunks <= 20 - (shards - 1));
      CHECK(core_hours > 0.0);
      CHECK(shard_wall.find(':') != std::string::npos);
      shard_counts.push_back(shards);
    }
  }
  CHECK(shard_counts == std::vector<int>{3, 1, 2, 4, 8, 16});
  CHECK(estimated.output.find("<- --shards") != std::string::npos);
  CHECK(files_in(dir) == std::vector<std::string>{"cache"});

  const RunResult no_folder = run(kStemviz, {"plan", kKit.string(), "--shards", "2"});
  CHECK(no_folder.exit_code == 2);
  CHECK(no_folder.output.find("-o JOB") != std::string::npos);

  must_run(with_look({"plan", kKit.string(), "-o", (dir / "job").string(), "--estimate", "-q"}));
  CHECK(fs::is_regular_file(dir / "job" / "manifest.json"));
}
