// `stemviz stitch`: checks every segment of a job, joins them with the soundtrack and
// checks the result; the local render ends with the same step.
#pragma once

#include <stemviz/job/job_folder.hpp>
#include <stemviz/util/progress.hpp>

#include <cstdint>
#include <filesystem>

namespace stemviz {

struct StitchOptions {
  std::filesystem::path job;
  std::filesystem::path output;      // .mp4 to write
  std::filesystem::path layers_dir;  // the stems' layer videos, for a job planned with layers
  bool overwrite = false;
  ProgressStyle progress = ProgressStyle::lines;
};

// Checks every segment of the job, joins them with the soundtrack and checks the result;
// returns the number of frames.
std::int64_t run_stitch(const StitchOptions& options);

// Checks every segment, names the missing ones with their shards, joins them with the
// soundtrack into `output` (written under a temporary name beside it and renamed when the
// result checks out), and with `layers_dir` (may be empty) each stem's layer video into
// it; returns the number of frames.
std::int64_t stitch_job(const LoadedJob& job, const std::filesystem::path& output,
                        const std::filesystem::path& layers_dir, Progress& progress);

}  // namespace stemviz
