#include <stemviz/job/analyze_job.hpp>

#include <stemviz/analysis/feature_table.hpp>
#include <stemviz/draw/plot.hpp>
#include <stemviz/job/output_paths.hpp>
#include <stemviz/job/prepare.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <optional>

namespace stemviz {

namespace fs = std::filesystem;

std::int64_t run_analyze(const AnalyzeOptions& options) {
  validate(options.analysis);
  check_threads(options.threads);
  if (options.output.empty() && options.onsets_csv.empty() && options.onsets_midi.empty() && options.plot.empty()) {
    throw UsageError(
        "nothing to write; give -o features.csv (or .json, .svf), --onsets-csv FILE, "
        "--onsets-midi FILE.mid or --plot FILE.png");
  }
  std::optional<TableFormat> format;
  if (!options.output.empty()) {
    format = table_format_for(options.output);
    check_output_path(options.output, options.overwrite, "features.csv");
  }
  if (!options.onsets_csv.empty()) check_output_path(options.onsets_csv, options.overwrite, "onsets.csv");
  if (!options.onsets_midi.empty()) check_output_path(options.onsets_midi, options.overwrite, "onsets.mid");
  if (!options.plot.empty()) check_output_path(options.plot, options.overwrite, "envelopes.png");

  Progress progress(0, options.quiet ? ProgressStyle::none : ProgressStyle::lines);
  const std::vector<StemInfo> stems = load_stems(options.stems, options.lengths, options.fps, progress);
  const Timeline timeline = song_timeline(stems, options.lengths, options.fps);
  AnalysisSettings settings = options.analysis;
  settings.threads = options.threads;
  const fs::path first_output = !options.output.empty()        ? options.output
                                : !options.onsets_csv.empty()  ? options.onsets_csv
                                : !options.onsets_midi.empty() ? options.onsets_midi
                                                               : options.plot;
  const FeatureFile feature_file =
      features_for(stems, timeline, settings, options.cache, first_output, format == TableFormat::stemviz, progress);
  const Analysis& analysis = feature_file.analysis;

  // Both files are complete before either takes its final name.
  const auto temp_beside = [](const fs::path& path) { return std::make_unique<TempFile>(temp_path_for(path)); };
  const auto write = [&](const fs::path& path, const auto& write_table) {
    auto temp = temp_beside(path);
    std::ofstream out(temp->path(), std::ios::binary);
    if (out) write_table(out);
    out.close();
    if (!out) throw Failure(fmt::format("cannot write {}: {}", temp->path().string(), system_error_text()));
    return temp;
  };
  std::unique_ptr<TempFile> features_file, onsets_file, midi_file, plot_file;
  if (format) {
    features_file = write(options.output, [&](std::ostream& out) {
      if (*format == TableFormat::stemviz) {
        write_feature_file(out, feature_file);
      } else {
        write_feature_table(out, *format, stems, timeline, analysis.features, settings);
      }
    });
  }
  if (!options.onsets_csv.empty()) {
    onsets_file = write(options.onsets_csv,
                        [&](std::ostream& out) { write_onset_table(out, stems, timeline, analysis.features); });
  }
  if (!options.onsets_midi.empty()) {
    midi_file = write(options.onsets_midi,
                      [&](std::ostream& out) { write_onset_midi(out, stems, timeline, analysis.features); });
  }
  if (!options.plot.empty()) {
    for (const auto& stem : stems) {
      if (missing_glyphs(stem.name) > 0) {
        progress.note(
            fmt::format("{}: no installed font draws every character of this name; "
                        "its label shows boxes (install a font for its script, e.g. "
                        "fonts-noto-core)",
                        stem.path.filename().string()));
      }
    }
    plot_file = temp_beside(options.plot);
    write_feature_plot(plot_file->path(), stem_names(stems), timeline, analysis.features);
  }
  if (features_file) features_file->keep_as(options.output);
  if (midi_file) midi_file->keep_as(options.onsets_midi);
  if (plot_file) plot_file->keep_as(options.plot);
  if (onsets_file) onsets_file->keep_as(options.onsets_csv);
  return analysis.features.frame_count();
}

}  // namespace stemviz
