// `stemviz shard`: renders one shard's chunks of a job folder, on whichever machine a
// scheduler gives it.
#pragma once

#include <stemviz/util/progress.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace stemviz {

struct ShardOptions {
  std::filesystem::path job;
  std::optional<int> index;  // the shard to render; when not given, read from `index_env` ...
  std::string index_env;     // ... or else from AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID
                             // or JOB_COMPLETION_INDEX, whichever is set
  int index_base = 0;        // what the variable counts from (0 or 1)
  int threads = 0;           // 0 = all cores
  ProgressStyle progress = ProgressStyle::lines;
};

struct ShardSummary {
  int shard = 0;
  std::int64_t chunks = 0, chunks_rendered = 0, frames_rendered = 0;
  double wall_seconds = 0.0;
};

// Renders the chunks of one shard that are not done yet into the job's segments folder.
ShardSummary run_shard(const ShardOptions& options);

}  // namespace stemviz
