// `stemviz render`: stems -> audio -> analysis -> plan -> render pool -> stitch in one
// process, through the same job folder steps as a render spread over machines.
#pragma once

#include <stemviz/job/manifest.hpp>
#include <stemviz/job/settings.hpp>
#include <stemviz/util/progress.hpp>

#include <cstdint>
#include <filesystem>

namespace stemviz {

struct RenderOptions {
  JobSettings job;
  std::filesystem::path output;      // .mp4 to write
  bool overwrite = false;            // replace an existing output
  std::filesystem::path layers_dir;  // also write one alpha video per stem here (JobSettings::layers)
  std::filesystem::path work_dir;    // keep the job here, so an interrupted render resumes;
                                     // empty: a private folder beside the output, removed at the end
  int threads = 0;                   // workers for analysis and rendering; 0 = all cores
  ProgressStyle progress = ProgressStyle::lines;
};

struct RenderSummary {
  std::int64_t frames = 0;
  std::int64_t frames_rendered = 0;  // fewer than `frames` when a job in the work folder resumed
  double seconds_of_video = 0.0;
  double wall_seconds = 0.0;
  StageTimes times;  // each stage's wall time, the workers' time per kind of work
};

// Renders the video: plans a one-shard job, renders it and stitches it, through the same
// code as a sharded render. The output appears only when it is complete and checked; a
// failure or an interrupt leaves neither the output nor temporary files behind (finished
// segments stay in a --work-dir).
RenderSummary run_render(const RenderOptions& options);

// The job a render would make, for --dry-run: the options and the scene checked and the
// stems' headers read, nothing analysed, hashed, drawn or written.
Manifest plan_render(const RenderOptions& options);

}  // namespace stemviz
