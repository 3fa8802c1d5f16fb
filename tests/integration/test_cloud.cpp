// The cloud/ recipes run for real: the Slurm one on a single-node Slurm cluster
// (tests/slurm/cluster.sh), the GNU parallel one on this machine as its host, the AWS
// Batch and Kubernetes scripts against stand-ins for S3 and Batch (tests/aws/aws) and for
// kubectl (tests/k8s/kubectl). Each submits a planned job as users would, and the result
// must equal a local render. They need root and the packages slurm-wlm, munge, parallel,
// jq, rsync and gettext-base (envsubst); scripts/test.sh installs them
// and sets STEMVIZ_REQUIRE_SCHEDULERS=1, so CI never skips these tests silently.
#include "../support/checks.hpp"
#include "../support/probe.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <thread>

using namespace stemviz;
using namespace stemviz::test;
namespace fs = std::filesystem;

namespace {

const fs::path kCluster = kSource / "tests" / "slurm" / "cluster.sh";

// Stops the cluster's daemons, pass or fail.
class Cluster {
 public:
  explicit Cluster(fs::path dir) : dir_(std::move(dir)) {
    started_ = run("/bin/bash", {kCluster.string(), "start", dir_.string()});
  }
  ~Cluster() { run("/bin/bash", {kCluster.string(), "stop", dir_.string()}); }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;
  const RunResult& started() const { return started_; }

 private:
  fs::path dir_;
  RunResult started_;
};

const std::vector<std::string> kLook = {"--size", "320x180", "--to", "2", "--chunk-seconds", "0.25"};
// 120 frames: six chunks of 15, then the last quarter in chunks of 8, 8, 8 and 6. Three
// shards split the frames at the chunk boundaries nearest to thirds: 45, 30 and 45 frames.
constexpr int kLookChunks = 10;
constexpr int kChunksOfShard1Of3 = 2;

// `plan` or `render` of the test kit with kLook and `arguments`; must succeed.
void stemviz_with_look(std::vector<std::string> arguments) {
  arguments.insert(arguments.end(), kLook.begin(), kLook.end());
  const RunResult result = run(kStemviz, arguments);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
}

// "COMPLETED", "FAILED", ... for a Slurm job id, from scontrol (there is no accounting).
std::string job_state(const std::string& id) {
  const RunResult shown = run("/usr/bin/scontrol", {"show", "job", id});
  std::smatch match;
  static const std::regex state("JobState=(\\w+)");
  return std::regex_search(shown.output, match, state) ? match[1].str() : "UNKNOWN";
}

}  // namespace

TEST_CASE("the Slurm recipe renders a 4-shard job and stitches it on a real cluster") {
  const bool required = std::getenv("STEMVIZ_REQUIRE_SCHEDULERS") != nullptr;
  const fs::path dir = fresh_dir("slurm");
  Cluster cluster(dir / "cluster");
  if (cluster.started().exit_code == 77 && !required) {
    MESSAGE("skipped: " << cluster.started().output);
    CHECK_FALSE(required);
    return;
  }
  INFO(cluster.started().output);
  REQUIRE(cluster.started().exit_code == 0);
  setenv("SLURM_CONF", (dir / "cluster" / "slurm.conf").c_str(), 1);
  setenv("STEMVIZ", kStemviz.c_str(), 1);
  setenv("STEMVIZ_CPUS_PER_SHARD", "1", 1);

  stemviz_with_look({"plan", kKit.string(), "-o", (dir / "job").string(), "--shards", "4", "-q"});
  stemviz_with_look({"render", kKit.string(), "-o", (dir / "local.mp4").string(), "-q"});

  const RunResult submitted = run("/bin/bash", {(kSource / "cloud" / "slurm" / "submit.sh").string(),
                                                (dir / "job").string(), (dir / "out.mp4").string(), "4"});
  INFO(submitted.output);
  REQUIRE(submitted.exit_code == 0);
  std::smatch ids;
  REQUIRE(std::regex_search(submitted.output, ids, std::regex("STEMVIZ_SHARD_JOB=(\\d+) STEMVIZ_STITCH_JOB=(\\d+)")));
  const std::string stitch_id = ids[2].str();

  std::string state;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    state = job_state(stitch_id);
    if (state == "COMPLETED" || state == "FAILED" || state == "CANCELLED" || state == "TIMEOUT") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const RunResult status = run(kStemviz, {"status", (dir / "job").string()});
  INFO("status: ", status.output);
  REQUIRE(state == "COMPLETED");
  for (int k = 0; k < 4; ++k) CHECK(job_state(ids[1].str() + "_" + std::to_string(k)) == "COMPLETED");
  const std::string all = std::to_string(kLookChunks);
  CHECK(status.output.find(all + " of " + all + " chunks done") != std::string::npos);
  CHECK(probe_video(dir / "out.mp4").decoded_frames == 120);
  CHECK(video_packets(dir / "out.mp4") == video_packets(dir / "local.mp4"));

  unsetenv("SLURM_CONF");
  unsetenv("STEMVIZ");
  unsetenv("STEMVIZ_CPUS_PER_SHARD");
}

TEST_CASE("the recipes read job.env as data: a command added to it runs nowhere and is refused") {
  const fs::path dir = fresh_dir("job-env");
  const fs::path job = dir / "job";
  stemviz_with_look({"plan", kKit.string(), "-o", job.string(), "--shards", "2", "--emit", "slurm", "-q"});
  const std::string planned = [&] {
    std::ifstream in(job / "job.env");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  const fs::path marker = dir / "ran";
  // As someone who can write the job folder would: a command, a command in a value, a key
  // the scripts do not know.
  for (const std::string& added :
       {"touch '" + marker.string() + "'\n", "STEMVIZ_SHARDS=$(touch '" + marker.string() + "')\n",
        std::string("PATH=/tmp/evil\n")}) {
    CAPTURE(added);
    std::ofstream(job / "job.env", std::ios::trunc) << planned << added;
    const fs::path cloud = kSource / "cloud";
    for (const std::vector<std::string>& script :
         {std::vector<std::string>{(cloud / "slurm" / "submit.sh").string(), job.string(), (dir / "o.mp4").string()},
          {(job / "slurm" / "submit.sh").string(), job.string(), (dir / "o.mp4").string()},
          {(cloud / "parallel" / "render.sh").string(), job.string(), (dir / "o.mp4").string(), ":"},
          {(cloud / "aws-batch" / "submit.sh").string(), job.string(), "s3://bucket/jobs", "s3://bucket/o.mp4"},
          {(cloud / "k8s" / "submit.sh").string(), job.string()}}) {
      CAPTURE(script.front());
      const RunResult result = run("/bin/bash", script);
      CHECK(result.exit_code == 3);
      CHECK(result.output.find("job.env:6: not what stemviz plan writes") != std::string::npos);
      CHECK_FALSE(fs::exists(marker));
    }
  }
}

TEST_CASE("the GNU parallel recipe renders a 3-shard job over its hosts and stitches it") {
  const bool required = std::getenv("STEMVIZ_REQUIRE_SCHEDULERS") != nullptr;
  if (!fs::exists("/usr/bin/parallel") && !required) {
    MESSAGE("skipped: GNU parallel is not installed");
    CHECK_FALSE(required);
    return;
  }
  const fs::path dir = fresh_dir("parallel");
  stemviz_with_look({"plan", kKit.string(), "-o", (dir / "my job").string(), "--shards", "3", "-q"});
  stemviz_with_look({"render", kKit.string(), "-o", (dir / "local.mp4").string(), "-q"});
  setenv("STEMVIZ", kStemviz.c_str(), 1);
  setenv("STEMVIZ_SHARDS_PER_HOST", "2", 1);
  // ':' is this machine, reached without ssh.
  const RunResult rendered = run("/bin/bash", {(kSource / "cloud" / "parallel" / "render.sh").string(),
                                               (dir / "my job").string(), (dir / "out put.mp4").string(), ":"});
  unsetenv("STEMVIZ");
  unsetenv("STEMVIZ_SHARDS_PER_HOST");
  INFO(rendered.output);
  REQUIRE(rendered.exit_code == 0);
  CHECK(rendered.output.find("shard 2 done") != std::string::npos);
  CHECK(probe_video(dir / "out put.mp4").decoded_frames == 120);
  CHECK(video_packets(dir / "out put.mp4") == video_packets(dir / "local.mp4"));
}

TEST_CASE("the AWS Batch recipe renders through S3, with a local stand-in for S3 and Batch") {
  const bool required = std::getenv("STEMVIZ_REQUIRE_SCHEDULERS") != nullptr;
  if ((!fs::exists("/usr/bin/jq") || !fs::exists("/usr/bin/rsync")) && !required) {
    MESSAGE("skipped: jq or rsync is not installed");
    CHECK_FALSE(required);
    return;
  }
  const fs::path dir = fresh_dir("aws-batch");
  // The worker finds stemviz and aws on PATH, as in the image.
  fs::create_directories(dir / "bin");
  fs::create_symlink(kStemviz, dir / "bin" / "stemviz");
  fs::create_symlink(kSource / "tests" / "aws" / "aws", dir / "bin" / "aws");
  const std::string old_path = std::getenv("PATH");
  setenv("PATH", ((dir / "bin").string() + ":" + old_path).c_str(), 1);
  setenv("STEMVIZ_FAKE_S3", (dir / "s3").c_str(), 1);
  stemviz_with_look({"render", kKit.string(), "-o", (dir / "local.mp4").string(), "-q"});

  for (const int shards : {3, 1}) {
    CAPTURE(shards);
    const std::string name = "song" + std::to_string(shards);
    stemviz_with_look({"plan", kKit.string(), "-o", (dir / name).string(), "--shards", std::to_string(shards), "-q"});
    const RunResult submitted =
        run("/bin/bash", {(kSource / "cloud" / "aws-batch" / "submit.sh").string(), (dir / name).string(),
                          "s3://bucket/jobs", "s3://bucket/videos/" + name + ".mp4"});
    INFO(submitted.output);
    REQUIRE(submitted.exit_code == 0);
    const fs::path video = dir / "s3" / "bucket" / "videos" / (name + ".mp4");
    REQUIRE(fs::exists(video));
    CHECK(probe_video(video).decoded_frames == 120);
    CHECK(video_packets(video) == video_packets(dir / "local.mp4"));
  }
  // A retried child starts on a fresh machine: it fetches the segments uploaded so far and
  // renders nothing again.
  setenv("AWS_BATCH_JOB_ARRAY_INDEX", "1", 1);
  setenv("STEMVIZ_WORK", (dir / "retry").c_str(), 1);
  const RunResult retried =
      run("/bin/bash", {(kSource / "cloud" / "aws-batch" / "worker.sh").string(), "shard", "s3://bucket/jobs/song3"});
  unsetenv("AWS_BATCH_JOB_ARRAY_INDEX");
  unsetenv("STEMVIZ_WORK");
  unsetenv("STEMVIZ_FAKE_S3");
  setenv("PATH", old_path.c_str(), 1);
  INFO(retried.output);
  CHECK(retried.exit_code == 0);
  CHECK(retried.output.find("rendered 0 of its " + std::to_string(kChunksOfShard1Of3) + " chunks") !=
        std::string::npos);
}

TEST_CASE("the Kubernetes recipe runs the shards' Indexed Job and the stitch, with a stand-in for kubectl") {
  const bool required = std::getenv("STEMVIZ_REQUIRE_SCHEDULERS") != nullptr;
  if ((!fs::exists("/usr/bin/jq") || !fs::exists("/usr/bin/envsubst")) && !required) {
    MESSAGE("skipped: jq or envsubst is not installed");
    CHECK_FALSE(required);
    return;
  }
  const fs::path dir = fresh_dir("k8s");
  const fs::path volume = dir / "volume";
  fs::create_directories(volume);
  fs::create_directories(dir / "bin");
  fs::create_symlink(kStemviz, dir / "bin" / "stemviz");  // the image's stemviz
  const std::string old_path = std::getenv("PATH");
  setenv("PATH", ((dir / "bin").string() + ":" + old_path).c_str(), 1);
  setenv("KUBECTL", (kSource / "tests" / "k8s" / "kubectl").c_str(), 1);
  setenv("STEMVIZ_FAKE_VOLUME", volume.c_str(), 1);
  setenv("STEMVIZ_IMAGE", "registry.example/stemviz-worker:1", 1);
  stemviz_with_look({"render", kKit.string(), "-o", (dir / "local.mp4").string(), "-q"});
  stemviz_with_look({"plan", kKit.string(), "-o", (volume / "Song").string(), "--shards", "4", "-q"});
  const fs::path submit = kSource / "cloud" / "k8s" / "submit.sh";

  const RunResult submitted = run("/bin/bash", {submit.string(), (volume / "Song").string()});
  INFO(submitted.output);
  CHECK(submitted.exit_code == 0);
  CHECK(submitted.output.find("wrote /work/Song.mp4") != std::string::npos);
  REQUIRE(fs::exists(volume / "Song.mp4"));
  CHECK(video_packets(volume / "Song.mp4") == video_packets(dir / "local.mp4"));

  // A job planned by another build: every index fails at once with exit code 4, without
  // retries, and the stitch is never applied.
  stemviz_with_look({"plan", kKit.string(), "-o", (volume / "other").string(), "--shards", "2", "-q"});
  std::string manifest;
  {
    std::ifstream in(volume / "other" / "manifest.json");
    manifest.assign(std::istreambuf_iterator<char>(in), {});
  }
  manifest.replace(manifest.find("\"version\": 1"), 12, "\"version\": 7");
  std::ofstream(volume / "other" / "manifest.json", std::ios::trunc) << manifest;
  const RunResult refused = run("/bin/bash", {submit.string(), (volume / "other").string()});
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("stemviz-other-shards failed") != std::string::npos);
  CHECK_FALSE(fs::exists(volume / "other.mp4"));
  CHECK_FALSE(fs::exists(volume / ".jobs" / "stemviz-other-stitch.status"));
  std::ifstream log(volume / ".jobs" / "stemviz-other-shards.log");
  const std::string attempts(std::istreambuf_iterator<char>(log), {});
  CHECK(std::count(attempts.begin(), attempts.end(), '\n') == 2);  // one attempt per index

  setenv("PATH", old_path.c_str(), 1);
  for (const char* name : {"KUBECTL", "STEMVIZ_FAKE_VOLUME", "STEMVIZ_IMAGE"}) unsetenv(name);
}
