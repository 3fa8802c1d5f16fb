// A render job end to end: stems -> audio -> analysis -> plan -> render pool -> stitch.
// The CLI fills RenderOptions and calls run_render(); everything else lives here.
#pragma once

#include <stemviz/analysis.hpp>
#include <stemviz/encode.hpp>
#include <stemviz/progress.hpp>

#include <filesystem>
#include <optional>

namespace stemviz {

struct RenderOptions {
  std::filesystem::path stems;   // folder of stems
  std::filesystem::path output;  // .mp4 to write
  bool overwrite = false;        // replace an existing output
  VideoSettings video;
  double chunk_seconds = 1.0;    // length of one chunk (and segment), > 0
  int threads = 0;               // workers for analysis and rendering; 0 = all cores
  std::optional<double> from;    // seconds: render only from here ...
  std::optional<double> to;      // ... up to here
  AnalysisSettings analysis;     // its threads field is ignored: `threads` serves both
  ProgressStyle progress = ProgressStyle::lines;
};

struct RenderSummary {
  std::int64_t frames = 0;
  double seconds_of_video = 0.0;
  double wall_seconds = 0.0;
};

// Checks the options that do not need the stems; throws UsageError naming the option.
void validate(const RenderOptions& options);

// Renders the video. The output appears only when it is complete and checked; a failure or
// an interrupt leaves neither the output nor temporary files behind.
RenderSummary run_render(const RenderOptions& options);

}  // namespace stemviz
