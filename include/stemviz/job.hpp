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

// What every job that draws frames shares: the look and the picture.
struct LookOptions {
  std::string scene = "classic";      // a bundled scene's name or a .toml path
  std::optional<int> width, height;   // pixels; the scene's [video] size when not given
  std::optional<Rational> fps;        // the scene's [video] fps when not given
};

struct RenderOptions {
  std::vector<std::filesystem::path> stems;  // a folder of stems, or the stem files
  LengthPolicy lengths = LengthPolicy::exact;  // stems of different lengths: refuse, pad, trim
  std::filesystem::path output;  // .mp4 to write
  bool overwrite = false;        // replace an existing output
  LookOptions look;
  VideoSettings video;           // its size and fps come from `look`
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

struct PreviewOptions {
  std::vector<std::filesystem::path> stems;
  LengthPolicy lengths = LengthPolicy::exact;
  std::filesystem::path output;  // .png to write
  bool overwrite = false;
  LookOptions look;
  double at = 0.0;               // seconds: the frame shown at this time
  int sheet_columns = 0;         // > 0: a contact sheet of columns x rows frames spread
  int sheet_rows = 0;            //      over the song instead of one frame
  bool watch = false;            // draw again whenever the scene or its shader changes
  int threads = 0;
  AnalysisSettings analysis;
  CacheSettings cache;
  bool quiet = false;
};

// Writes one frame of the video as it will be rendered (the same pixels before encoding),
// or a contact sheet. With `watch` it keeps drawing on every change to the scene files and
// reports a broken edit instead of stopping; only a signal ends it.
void run_preview(const PreviewOptions& options);

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
