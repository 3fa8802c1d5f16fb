// Part of the analysis stage: writes a FeatureTrack as a table, one row per video frame,
// for `stemviz analyze` (spreadsheets, scripts, other tools).
#pragma once

#include <stemviz/analysis/analysis.hpp>
#include <stemviz/audio/stems.hpp>
#include <stemviz/util/timeline.hpp>

#include <filesystem>
#include <ostream>
#include <vector>

namespace stemviz {

enum class TableFormat {
  csv,
  json,
  stemviz,  // the binary feature file (feature_file.hpp)
};

// The format for an output path by its extension (.csv, .json or .svf, any case); throws
// UsageError naming the path otherwise.
TableFormat table_format_for(const std::filesystem::path& path);

// CSV: a header `frame,time` then per stem (in order, names quoted when they need it)
// `<stem>.rms,.peak,.db,.level,.centroid,.flux,.onset,.band1..bandN`; one line per frame.
// JSON: {"format": "stemviz-features", "version": 1, the timeline, the settings, "stems"
// (name, file, channels), "frames": [{"frame", "time", "rms": [per stem], "peak", "db",
// "level", "centroid", "flux", "onset", "bands": [[per band] per stem]}, ...]}.
// Times are seconds from the song's start; values are as in StemFrameFeatures.
void write_feature_table(std::ostream& out, TableFormat format, const std::vector<StemInfo>& stems,
                         const Timeline& timeline, const FeatureTrack& features, const AnalysisSettings& settings);

// The picked onsets as CSV, `stem,frame,time,strength`, stem by stem in time order.
void write_onset_table(std::ostream& out, const std::vector<StemInfo>& stems, const Timeline& timeline,
                       const FeatureTrack& features);

// The picked onsets as a Standard MIDI File (format 1, 480 ticks per quarter at 120 bpm, so
// 960 ticks per second): a tempo track, then one track per stem named after it, with a
// 1/16-note on General MIDI's drum channel (10) at pitch 36 + stem index (C1 upward) per
// onset, velocity 1..127 from the onset's strength.
void write_onset_midi(std::ostream& out, const std::vector<StemInfo>& stems, const Timeline& timeline,
                      const FeatureTrack& features);

}  // namespace stemviz
