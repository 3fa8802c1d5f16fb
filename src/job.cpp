#include <stemviz/job.hpp>

#include <stemviz/analysis.hpp>
#include <stemviz/audio.hpp>
#include <stemviz/error.hpp>
#include <stemviz/feature_file.hpp>
#include <stemviz/feature_table.hpp>
#include <stemviz/files.hpp>
#include <stemviz/plan.hpp>
#include <stemviz/plot.hpp>
#include <stemviz/render.hpp>
#include <stemviz/scene.hpp>
#include <stemviz/stitch.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxStems = 32;
constexpr int kMaxSide = 8192;

// The folder `output` goes into: its parent, or the current folder for a bare file name.
fs::path folder_of(const fs::path& output) {
  return output.parent_path().empty() ? fs::path(".") : output.parent_path();
}

// A private folder beside the output for segments and the unfinished output, so the final
// rename stays on one filesystem. Removed with everything in it when the job ends.
class ScratchDir {
 public:
  explicit ScratchDir(const fs::path& output) {
    path_ = folder_of(output) / fmt::format(".{}.stemviz-{}", output.filename().string(), getpid());
    std::error_code error;
    fs::remove_all(path_, error);
    if (!fs::create_directory(path_, error)) {
      throw Failure(fmt::format("cannot create the scratch folder {}: {}", path_.string(),
                                error ? error.message() : "it exists"));
    }
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Refuses an output path that cannot be written, or that exists without `overwrite`.
void check_output_path(const fs::path& output, bool overwrite, const char* example_name) {
  const fs::path folder = folder_of(output);
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw InputError(fmt::format("{}: the output folder {} does not exist; create it first",
                                 output.string(), folder.string()));
  }
  if (access(folder.c_str(), W_OK) != 0) {
    throw InputError(fmt::format("{}: the output folder {} is not writable; choose another "
                                 "output path", output.string(), folder.string()));
  }
  if (fs::is_directory(output, error)) {
    throw UsageError(fmt::format("{}: is a folder; give a file name such as {}", output.string(),
                                 (output / example_name).string()));
  }
  if (fs::exists(output, error) && !overwrite) {
    throw UsageError(fmt::format("{}: already exists; pass -y to replace it", output.string()));
  }
}

// How messages name the stems the user gave.
std::string describe(const std::vector<fs::path>& inputs) {
  return inputs.size() == 1 ? inputs.front().string() : fmt::format("the {} stems given", inputs.size());
}

// "7 stems, 89.000 s at 44100 Hz", or for stems at different rates
// "2 stems, 89.000 s at 44100, 48000 Hz, mixed at 48000 Hz"
std::string describe_song(const std::vector<StemInfo>& stems, const Timeline& timeline) {
  std::vector<int> rates;
  for (const auto& stem : stems) rates.push_back(stem.sample_rate);
  std::sort(rates.begin(), rates.end());
  rates.erase(std::unique(rates.begin(), rates.end()), rates.end());
  const std::string at =
      rates.size() == 1 && rates.front() == timeline.sample_rate
          ? fmt::format("{} Hz", timeline.sample_rate)
          : fmt::format("{} Hz, mixed at {} Hz", fmt::join(rates, ", "), timeline.sample_rate);
  return fmt::format("{} stem{}, {:.3f} s at {}", stems.size(),
                     stems.size() == 1 ? "" : "s", timeline.duration_seconds(), at);
}

// The song's timeline: at the soundtrack's rate, as long as `lengths` makes it.
Timeline song_timeline(const std::vector<StemInfo>& stems, LengthPolicy lengths, Rational fps) {
  const int rate = mix_rate(stems);
  return {fps, rate, song_samples(stems, lengths, rate)};
}

// Finds, probes and checks the stems; says which files were passed over.
// The features of `stems`: from the cache when an entry matches, else analysed and then
// cached. Stems are hashed only when the features go to a file (`hash_stems`) or the cache.
FeatureFile features_for(const std::vector<StemInfo>& stems, const Timeline& timeline,
                         const AnalysisSettings& settings, const CacheSettings& cache_settings,
                         const fs::path& output, bool hash_stems, Progress& progress) {
  const std::string song = describe_song(stems, timeline);
  const fs::path folder =
      cache_settings.folder.empty() ? folder_of(output) / ".stemviz-cache" : cache_settings.folder;
  const FeatureCache cache(folder);
  const std::string key = cache_settings.enabled ? FeatureCache::key(stems, timeline, settings) : "";
  if (cache_settings.enabled) {
    if (auto cached = cache.load(key)) {
      progress.note(fmt::format("{}; features from the cache in {}", song, folder.string()));
      return std::move(*cached);
    }
  }
  progress.note(song + "; analysing");
  FeatureFile file;
  file.timeline = timeline;
  file.settings = settings;
  file.analysis = analyze(stems, timeline, settings);
  throw_if_cancelled();
  file.stems = describe_stems(stems, hash_stems || cache_settings.enabled, settings.threads);
  if (cache_settings.enabled) {
    const std::string problem = cache.store(key, file);
    if (!problem.empty()) progress.note("features not cached: " + problem);
  }
  return file;
}

// Durations may differ by up to one frame of `fps`.
std::vector<StemInfo> load_stems(const std::vector<fs::path>& inputs, LengthPolicy lengths,
                                 Rational fps, Progress& progress) {
  std::vector<std::string> skipped;
  std::vector<StemInfo> stems =
      probe_stems(collect_stems(inputs, &skipped), lengths, 1.0 / fps.to_double());
  if (!skipped.empty()) {
    progress.note(fmt::format("skipped {} file{} that {} not audio or hidden: {}", skipped.size(),
                              skipped.size() == 1 ? "" : "s", skipped.size() == 1 ? "is" : "are",
                              fmt::join(skipped, ", ")));
  }
  if (stems.size() > kMaxStems) {
    throw InputError(fmt::format("{}: {} stems found, at most {} can be shown; group some of "
                                 "them into submixes", describe(inputs), stems.size(), kMaxStems));
  }
  return stems;
}

}  // namespace

void validate(const RenderOptions& options) {
  const VideoSettings& video = options.video;
  if (video.width <= 0 || video.height <= 0 || video.width % 2 != 0 || video.height % 2 != 0 ||
      video.width > kMaxSide || video.height > kMaxSide) {
    throw UsageError(fmt::format("--size {}x{}: width and height must be even numbers from 2 to "
                                 "{}, e.g. 1920x1080", video.width, video.height, kMaxSide));
  }
  const auto& presets = x264_presets();
  if (std::find(presets.begin(), presets.end(), video.preset) == presets.end()) {
    throw UsageError(fmt::format("--preset {}: not an x264 preset; use one of {}", video.preset,
                                 fmt::join(presets, ", ")));
  }
  if (video.crf < 0 || video.crf > 51) {
    throw UsageError(fmt::format("--crf {}: must be from 0 (lossless) to 51", video.crf));
  }
  if (!(options.chunk_seconds > 0.0) || options.chunk_seconds > 3600.0) {
    throw UsageError(fmt::format("--chunk-seconds {}: must be more than 0 and at most 3600",
                                 options.chunk_seconds));
  }
  if (options.threads < 0) {
    throw UsageError(fmt::format("--threads {}: must be 0 (all cores) or more", options.threads));
  }
  if (options.from && !(*options.from >= 0.0)) {
    throw UsageError(fmt::format("--from {}: must be 0 or more seconds", *options.from));
  }
  if (options.to && !(*options.to > 0.0)) {
    throw UsageError(fmt::format("--to {}: must be more than 0 seconds", *options.to));
  }
  if (options.from && options.to && *options.from >= *options.to) {
    throw UsageError(fmt::format("--from {} is not before --to {}", *options.from, *options.to));
  }
  validate(options.analysis);
}

RenderSummary run_render(const RenderOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  validate(options);
  check_output_path(options.output, options.overwrite, "out.mp4");

  Progress progress(0, options.progress);
  const std::vector<StemInfo> stems =
      load_stems(options.stems, options.lengths, options.video.fps, progress);
  const Timeline timeline = song_timeline(stems, options.lengths, options.video.fps);
  const std::int64_t song_frames = timeline.frame_count();
  const std::int64_t first_frame = options.from ? timeline.frame_at_or_after(*options.from) : 0;
  const std::int64_t end_frame =
      options.to ? std::min(song_frames, timeline.frame_at_or_after(*options.to)) : song_frames;
  if (first_frame >= end_frame) {
    throw InputError(fmt::format("{}: --from {} lies past the end of the song ({:.3f} s)",
                                 describe(options.stems), options.from.value_or(0.0),
                                 timeline.duration_seconds()));
  }
  progress.set_total(end_frame - first_frame);
  AnalysisSettings analysis_settings = options.analysis;
  analysis_settings.threads = options.threads;
  const Analysis analysis = features_for(stems, timeline, analysis_settings, options.cache,
                                         options.output, false, progress).analysis;

  const Plan plan = make_plan(timeline, first_frame, end_frame,
                              frames_per_chunk(options.chunk_seconds, options.video.fps));
  const ClassicScene scene(static_cast<int>(stems.size()), options.video.width,
                           options.video.height);
  ScratchDir scratch(options.output);
  progress.note(fmt::format("rendering {} frames ({}x{} at {} fps) in {} chunks",
                            plan.frame_count(), options.video.width, options.video.height,
                            options.video.fps.to_string(), plan.chunks.size()));
  progress.start();
  const fs::path soundtrack = scratch.path() / "soundtrack.m4a";
  const auto segments = render_segments(
      plan, scene, analysis.features, options.video, scratch.path(), options.threads, progress,
      [&] { encode_soundtrack(plan, {&stems, analysis.mix_gain}, soundtrack); });
  progress.stop();

  progress.note("joining segments and soundtrack");
  const fs::path unfinished = scratch.path() / "output.mp4";
  stitch(plan, segments, soundtrack, unfinished);
  check_output(plan, unfinished);
  std::error_code error;
  fs::rename(unfinished, options.output, error);
  if (error) {
    throw Failure(fmt::format("cannot move the finished video to {}: {}",
                              options.output.string(), error.message()));
  }
  RenderSummary summary;
  summary.frames = plan.frame_count();
  summary.seconds_of_video = static_cast<double>(plan.frame_count()) / options.video.fps.to_double();
  summary.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

std::int64_t run_analyze(const AnalyzeOptions& options) {
  validate(options.analysis);
  if (options.threads < 0) {
    throw UsageError(fmt::format("--threads {}: must be 0 (all cores) or more", options.threads));
  }
  if (options.output.empty() && options.onsets_csv.empty() && options.onsets_midi.empty() &&
      options.plot.empty()) {
    throw UsageError("nothing to write; give -o features.csv (or .json, .svf), --onsets-csv FILE, "
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
  const fs::path first_output = !options.output.empty()      ? options.output
                                : !options.onsets_csv.empty() ? options.onsets_csv
                                : !options.onsets_midi.empty() ? options.onsets_midi
                                                               : options.plot;
  const FeatureFile feature_file = features_for(stems, timeline, settings, options.cache, first_output,
                                                format == TableFormat::stemviz, progress);
  const Analysis& analysis = feature_file.analysis;

  // Both files are complete before either takes its final name.
  const auto temp_beside = [](const fs::path& path) {
    return std::make_unique<TempFile>(
        folder_of(path) / fmt::format(".{}.stemviz-{}", path.filename().string(), getpid()));
  };
  const auto write = [&](const fs::path& path, const auto& write_table) {
    auto temp = temp_beside(path);
    std::ofstream out(temp->path(), std::ios::binary);
    if (out) write_table(out);
    out.close();
    if (!out) throw Failure(fmt::format("cannot write {} (disk full?)", temp->path().string()));
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
    onsets_file = write(options.onsets_csv, [&](std::ostream& out) {
      write_onset_table(out, stems, timeline, analysis.features);
    });
  }
  if (!options.onsets_midi.empty()) {
    midi_file = write(options.onsets_midi, [&](std::ostream& out) {
      write_onset_midi(out, stems, timeline, analysis.features);
    });
  }
  if (!options.plot.empty()) {
    for (const auto& stem : stems) {
      if (missing_glyphs(stem.name) > 0) {
        progress.note(fmt::format("{}: no installed font draws every character of this name; "
                                  "its label shows boxes (install a font for its script, e.g. "
                                  "fonts-noto-core)", stem.path.filename().string()));
      }
    }
    plot_file = temp_beside(options.plot);
    write_feature_plot(plot_file->path(), stems, timeline, analysis.features);
  }
  if (features_file) features_file->keep_as(options.output);
  if (midi_file) midi_file->keep_as(options.onsets_midi);
  if (plot_file) plot_file->keep_as(options.plot);
  if (onsets_file) onsets_file->keep_as(options.onsets_csv);
  return analysis.features.frame_count();
}

}  // namespace stemviz
