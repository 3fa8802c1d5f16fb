// `stemviz status JOB [--json]`: which chunks of a job are done, shard by shard, for people
// and for the scripts that watch a cluster.
#include "commands.hpp"

#include <stemviz/job/job_folder.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>

namespace stemviz::cli {

namespace {

struct StatusArguments {
  std::filesystem::path job;
  bool json = false;
};

struct ShardTally {
  int chunks = 0;
  std::vector<int> missing;
};

void run(const StatusArguments& arguments) {
  const LoadedJob job = load_job(arguments.job);
  const Manifest& m = job.manifest;
  std::map<int, ShardTally> shards;
  for (int k = 0; k < m.shards; ++k) shards[k];
  int done = 0;
  for (const ChunkState& state : chunk_states(job)) {
    ShardTally& tally = shards[state.shard];
    ++tally.chunks;
    if (state.problem.empty()) {
      ++done;
    } else {
      tally.missing.push_back(state.chunk.index);
    }
  }
  const int chunks = static_cast<int>(m.plan.chunks.size());
  if (arguments.json) {
    nlohmann::json out = {{"job", arguments.job.string()},
                          {"hash", m.hash},
                          {"shards", m.shards},
                          {"chunks", chunks},
                          {"done", done},
                          {"complete", done == chunks},
                          {"frames", m.plan.frame_count()}};
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [shard, tally] : shards) {
      list.push_back({{"shard", shard},
                      {"chunks", tally.chunks},
                      {"done", tally.chunks - static_cast<int>(tally.missing.size())},
                      {"missing", tally.missing}});
    }
    out["by_shard"] = list;
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  fmt::print("{}: {} of {} chunks done over {} shard{}{}\n", arguments.job.string(), done, chunks, m.shards,
             m.shards == 1 ? "" : "s", done == chunks ? "; ready to stitch" : "");
  for (const auto& [shard, tally] : shards) {
    const int shard_done = tally.chunks - static_cast<int>(tally.missing.size());
    std::string missing;
    if (!tally.missing.empty()) {
      missing =
          fmt::format("; missing chunk{} {}", tally.missing.size() == 1 ? "" : "s", fmt::join(tally.missing, " "));
    }
    fmt::print("  shard {}: {}/{} done{}\n", shard, shard_done, tally.chunks, missing);
  }
}

}  // namespace

void set_status_command(CLI::App& app) {
  auto arguments = std::make_shared<StatusArguments>();
  CLI::App* status = app.add_subcommand("status", "Show which chunks of a job are done, per shard");
  status->add_option("job", arguments->job, "Job folder written by `stemviz plan`")->required();
  status->add_flag("--json", arguments->json, "One JSON object on stdout instead of text");
  status->callback([arguments] { run(*arguments); });
}

}  // namespace stemviz::cli
