// Jobs end to end. A render: stems -> audio -> analysis -> plan -> render pool -> stitch;
// an analysis: stems -> audio -> analysis -> feature file. The CLI fills the options and
// calls run_render() or run_analyze(); everything else lives here.
#pragma once

#include <stemviz/analysis.hpp>
#include <stemviz/encode.hpp>
#include <stemviz/progress.hpp>

#include <filesystem>
#include <optional>
#include <vector>

namespace stemviz {

// Where analysed features are kept between runs (FeatureCache).
struct CacheSettings {
  bool enabled = true;
  std::filesystem::path folder;  // empty: .stemviz-cache in the output's folder
};

struct RenderOptions {
  std::vector<std::filesystem::path> stems;  // a folder of stems, or the stem files
  LengthPolicy lengths = LengthPolicy::exact;  // stems of different lengths: refuse, pad, trim
  std::filesystem::path output;  // .mp4 to write
  bool overwrite = false;        // replace an existing output
  VideoSettings video;
  double chunk_seconds = 1.0;    // length of one chunk (and segment), > 0
  int threads = 0;               // workers for analysis and rendering; 0 = all cores
  std::optional<double> from;    // seconds: render only from here ...
  std::optional<double> to;      // ... up to here
  AnalysisSettings analysis;     // its threads field is ignored: `threads` serves both
  CacheSettings cache;
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

struct AnalyzeOptions {
  std::vector<std::filesystem::path> stems;  // a folder of stems, or the stem files
  LengthPolicy lengths = LengthPolicy::exact;
  std::filesystem::path output;       // .csv, .json or .svf (feature file), by extension;
                                      // may be empty ...
  std::filesystem::path onsets_csv;   // ... or these are given: the picked onsets ...
  std::filesystem::path onsets_midi;  // ... as a MIDI file ...
  std::filesystem::path plot;         // ... and a PNG picture of the envelopes
  bool overwrite = false;
  Rational fps{60, 1};           // one row per video frame at this rate
  int threads = 0;               // 0 = all cores
  AnalysisSettings analysis;     // its threads field is ignored: `threads` serves
  CacheSettings cache;
  bool quiet = false;            // no notes on stderr
};

// Writes the features of every stem at every frame to `options.output`, the onsets to
// `options.onsets_csv` and `options.onsets_midi` and a plot to `options.plot` (each if
// given); files appear only when all are complete. Returns the number
// of frames analysed.
std::int64_t run_analyze(const AnalyzeOptions& options);

}  // namespace stemviz
