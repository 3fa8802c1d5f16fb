// `stemviz plan`: analyses the stems and writes a job folder that is all a worker needs,
// and predicts what the job would cost.
#pragma once

#include <stemviz/job/estimate.hpp>
#include <stemviz/job/settings.hpp>
#include <stemviz/util/progress.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace stemviz {

struct PlanOptions {
  JobSettings job;
  std::filesystem::path folder;   // the job folder to write; may be empty with `estimate`
  bool overwrite = false;         // replace a job already in `folder`
  int shards = 1;                 // machines (or array tasks) the chunks are spread over
  std::vector<std::string> emit;  // schedulers to write recipes for (recipe_names())
  bool estimate = false;          // time sample frames and predict the job's cost
  int cores_per_machine = 0;      // for the estimate; 0 = this machine's
  int threads = 0;                // for the analysis; 0 = all cores
  ProgressStyle progress = ProgressStyle::lines;
};

struct PlanSummary {
  std::int64_t frames = 0;
  std::size_t chunks = 0;
  int shards = 0;
  std::string hash;                            // the manifest's
  std::vector<std::filesystem::path> recipes;  // folders written for `emit`
  std::optional<PlanEstimate> estimate;        // with `estimate`
};

// Analyses the stems and writes a job folder (job_folder.hpp) that is all a worker needs,
// when `folder` is given. With `estimate` it also draws and encodes sample frames on one
// core and predicts wall time and core-hours of the job at several shard counts.
PlanSummary run_plan(const PlanOptions& options);

}  // namespace stemviz
