// `stemviz analyze`: stems -> audio -> analysis -> a feature table, onsets, a plot.
#pragma once

#include <stemviz/job/settings.hpp>
#include <stemviz/util/timeline.hpp>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace stemviz {

struct AnalyzeOptions {
  std::vector<std::filesystem::path> stems;  // a folder of stems, or the stem files
  LengthPolicy lengths = LengthPolicy::exact;
  std::filesystem::path output;       // .csv, .json or .svf (feature file), by extension;
                                      // may be empty ...
  std::filesystem::path onsets_csv;   // ... or these are given: the picked onsets ...
  std::filesystem::path onsets_midi;  // ... as a MIDI file ...
  std::filesystem::path plot;         // ... and a PNG picture of the envelopes
  bool overwrite = false;
  Rational fps{60, 1};        // one row per video frame at this rate
  int threads = 0;            // 0 = all cores
  AnalysisSettings analysis;  // its threads field is ignored: `threads` serves
  CacheSettings cache;
  bool quiet = false;  // no notes on stderr
};

// Writes the features of every stem at every frame to `options.output`, the onsets to
// `options.onsets_csv` and `options.onsets_midi` and a plot to `options.plot` (each if
// given); files appear only when all are complete. Returns the number
// of frames analysed.
std::int64_t run_analyze(const AnalyzeOptions& options);

}  // namespace stemviz
