// `stemviz preview`: one frame as it will be rendered, or a contact sheet, as a PNG; with
// --watch, drawn again on every change to the scene's files.
#pragma once

#include <stemviz/job/settings.hpp>

#include <filesystem>
#include <vector>

namespace stemviz {

struct PreviewOptions {
  std::vector<std::filesystem::path> stems;
  LengthPolicy lengths = LengthPolicy::exact;
  std::filesystem::path output;  // .png to write
  bool overwrite = false;
  LookOptions look;
  double at = 0.0;        // seconds: the frame shown at this time
  int sheet_columns = 0;  // > 0: a contact sheet of columns x rows frames spread
  int sheet_rows = 0;     //      over the song instead of one frame
  bool watch = false;     // draw again whenever the scene or its shader changes
  int threads = 0;
  AnalysisSettings analysis;
  CacheSettings cache;
  bool quiet = false;
};

// Writes one frame of the video as it will be rendered (the same pixels before encoding),
// or a contact sheet. With `watch` it keeps drawing on every change to the scene files and
// reports a broken edit instead of stopping; only a signal ends it.
void run_preview(const PreviewOptions& options);

}  // namespace stemviz
