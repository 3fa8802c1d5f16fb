#include <stemviz/job/preview.hpp>

#include <stemviz/draw/canvas.hpp>
#include <stemviz/draw/contact_sheet.hpp>
#include <stemviz/job/output_paths.hpp>
#include <stemviz/job/prepare.hpp>
#include <stemviz/job/scene_files.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

// Draws the frames a preview asks for into a PNG at `path`.
void write_preview(const PreviewOptions& options, const Scene& scene, const fs::path& path) {
  FrameCanvas canvas(scene);
  cairo_status_t status;
  if (options.sheet_columns <= 0) {
    canvas.draw(scene.timeline().frame_at(options.at));
    status = cairo_surface_write_to_png(canvas.surface(), path.c_str());
  } else {
    const CairoSurfacePtr sheet = draw_contact_sheet(canvas, scene, options.sheet_columns, options.sheet_rows);
    status = cairo_surface_write_to_png(sheet.get(), path.c_str());
  }
  if (status != CAIRO_STATUS_SUCCESS) {
    throw Failure(fmt::format("cannot write {}: {}", path.string(), cairo_status_to_string(status)));
  }
}

// When each file last changed; a missing file reads as the epoch.
std::vector<fs::file_time_type> change_times(const std::vector<std::string>& files) {
  std::vector<fs::file_time_type> times;
  for (const std::string& file : files) {
    std::error_code error;
    times.push_back(fs::last_write_time(file, error));
  }
  return times;
}

}  // namespace

void run_preview(const PreviewOptions& options) {
  validate(options.look);
  validate(options.analysis);
  check_threads(options.threads);
  if (options.sheet_columns < 0 || options.sheet_rows < 0 || options.sheet_columns * options.sheet_rows > 400) {
    throw UsageError("--sheet: give COLUMNSxROWS with at most 400 frames, e.g. 4x3");
  }
  if (!(options.at >= 0.0)) throw UsageError(fmt::format("--at {}: must be 0 or more seconds", options.at));
  check_output_path(options.output, options.overwrite || options.watch, "frame.png");
  Progress progress(0, options.quiet ? ProgressStyle::none : ProgressStyle::lines);
  Look look = resolve_look(options.look, options.stems, progress);
  const std::vector<StemInfo> stems = load_stems(options.stems, options.lengths, look.fps, progress);
  check_layer_stems(look.description, stems);
  const Timeline timeline = song_timeline(stems, options.lengths, look.fps);
  if (options.sheet_columns == 0 && options.at > timeline.duration_seconds()) {
    throw InputError(fmt::format("--at {}: the song is only {:.3f} s long", options.at, timeline.duration_seconds()));
  }
  AnalysisSettings settings = options.analysis;
  settings.threads = options.threads;
  settings.displays = display_requests(look.description.layers, stem_names(stems), look.fps.to_double());
  settings.mix_features = mix_features_wanted(look.description.layers).has_value();
  FeatureFile features = features_for(stems, timeline, settings, options.cache, options.output, false, progress);
  const auto draw = [&](Look& current) {
    check_layer_stems(current.description, stems);
    // An edited scene may show another waveform or spectrum: analyse for it (or take it from
    // the cache) before drawing.
    const std::vector<DisplayRequest> displays =
        display_requests(current.description.layers, stem_names(stems), current.fps.to_double());
    const bool mix = mix_features_wanted(current.description.layers).has_value();
    if (displays != settings.displays || mix != settings.mix_features) {
      settings.displays = displays;
      settings.mix_features = mix;
      features = features_for(stems, timeline, settings, options.cache, options.output, false, progress);
    }
    SceneInputs inputs = read_scene_files(current.description, options.look);
    const Scene scene(std::move(current.description), stem_names(stems), features.analysis.features, timeline,
                      current.width, current.height, std::move(inputs));
    TempFile temp(temp_path_for(options.output));
    write_preview(options, scene, temp.path());
    temp.keep_as(options.output);
  };
  std::vector<std::string> files = look.description.files;
  if (options.watch && files.empty()) {
    throw UsageError(
        fmt::format("--watch: scene {} is bundled, so no file changes; start from a copy: "
                    "stemviz scenes --show {} > my-scene.toml, then --scene my-scene.toml",
                    options.look.scene, options.look.scene));
  }
  draw(look);
  if (!options.watch) return;
  progress.note(
      fmt::format("wrote {}; watching {} for changes (Ctrl-C ends)", options.output.string(), fmt::join(files, ", ")));
  std::vector<fs::file_time_type> seen = change_times(files);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    throw_if_cancelled();
    const auto now = change_times(files);
    if (now == seen) continue;
    seen = now;
    // An editor may save in several writes: let it finish before reading.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      Look changed = resolve_look(options.look, options.stems, progress);
      const auto changed_files = changed.description.files;
      if (changed.fps != look.fps) {
        progress.note("note: the scene's fps changed; the preview keeps the rate it started with");
      }
      changed.fps = look.fps;
      draw(changed);
      files = changed_files;
      seen = change_times(files);
      progress.note(fmt::format("wrote {}", options.output.string()));
    } catch (const InputError& error) {
      // A half-finished edit is normal while watching: say what is wrong and wait for the next.
      fmt::print(stderr, "stemviz: error: {}\n", error.what());
    } catch (const UsageError& error) {
      fmt::print(stderr, "stemviz: error: {}\n", error.what());
    }
  }
}

}  // namespace stemviz
