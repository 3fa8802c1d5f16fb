#include <stemviz/job/job.hpp>

#include <stemviz/media/encode.hpp>

#include <stemviz/analysis/analysis.hpp>
#include <stemviz/audio/stems.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/analysis/feature_file.hpp>
#include <stemviz/analysis/feature_table.hpp>
#include <stemviz/util/files.hpp>
#include <stemviz/job/job_folder.hpp>
#include <stemviz/job/manifest.hpp>
#include <stemviz/job/plan.hpp>
#include <stemviz/draw/plot.hpp>
#include <stemviz/draw/canvas.hpp>
#include <stemviz/scene/scene_file.hpp>
#include <stemviz/draw/text.hpp>

#include <fmt/format.h>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <queue>
#include <thread>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxStems = 32;

// A private folder beside the output for segments and the unfinished output, so the final
// rename stays on one filesystem. Removed with everything in it when the job ends.
class ScratchDir {
 public:
  explicit ScratchDir(const fs::path& output) : folder_(temp_path_for(output, ".job")) {
    std::error_code error;
    fs::remove_all(path(), error);
    if (!fs::create_directory(path(), error)) {
      throw Failure(fmt::format("cannot create the scratch folder {}: {}", path().string(),
                                error ? error.message() : "it exists"));
    }
  }
  const fs::path& path() const { return folder_.path(); }

 private:
  TempFile folder_;
};

// Refuses an output path that cannot be written, or that exists without `overwrite`.
void check_output_path(const fs::path& output, bool overwrite, const char* example_name) {
  const fs::path folder = folder_of(output);
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw InputError(
        fmt::format("{}: the output folder {} does not exist; create it first", output.string(), folder.string()));
  }
  if (access(folder.c_str(), W_OK) != 0) {
    throw InputError(
        fmt::format("{}: the output folder {} is not writable; choose another "
                    "output path",
                    output.string(), folder.string()));
  }
  if (fs::is_directory(output, error)) {
    throw UsageError(
        fmt::format("{}: is a folder; give a file name such as {}", output.string(), (output / example_name).string()));
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
  const std::string at = rates.size() == 1 && rates.front() == timeline.sample_rate
                             ? fmt::format("{} Hz", timeline.sample_rate)
                             : fmt::format("{} Hz, mixed at {} Hz", fmt::join(rates, ", "), timeline.sample_rate);
  return fmt::format("{} stem{}, {:.3f} s at {}", stems.size(), stems.size() == 1 ? "" : "s",
                     timeline.duration_seconds(), at);
}

// The song's timeline: at the soundtrack's rate, as long as `lengths` makes it.
Timeline song_timeline(const std::vector<StemInfo>& stems, LengthPolicy lengths, Rational fps) {
  const int rate = mix_rate(stems);
  return {fps, rate, song_samples(stems, lengths, rate)};
}

// Finds, probes and checks the stems; says which files were passed over.
// The features of `stems`: from the cache when an entry matches, else analysed and then
// cached. Stems are hashed only when the features go to a file (`hash_stems`) or the cache.
FeatureFile features_for(const std::vector<StemInfo>& stems, const Timeline& timeline, const AnalysisSettings& settings,
                         const CacheSettings& cache_settings, const fs::path& output, bool hash_stems,
                         Progress& progress) {
  const std::string song = describe_song(stems, timeline);
  const fs::path folder = cache_settings.folder.empty() ? folder_of(output) / ".stemviz-cache" : cache_settings.folder;
  const FeatureCache cache(folder);
  // The stage starts before the cache lookup, so --stats also counts a cached run's time.
  progress.stage("analysis");
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
std::vector<StemInfo> load_stems(const std::vector<fs::path>& inputs, LengthPolicy lengths, Rational fps,
                                 Progress& progress) {
  std::vector<std::string> skipped;
  std::vector<StemInfo> stems = probe_stems(collect_stems(inputs, &skipped), lengths, 1.0 / fps.to_double());
  if (!skipped.empty()) {
    progress.note(fmt::format("skipped {} file{} that {} not audio or hidden: {}", skipped.size(),
                              skipped.size() == 1 ? "" : "s", skipped.size() == 1 ? "is" : "are",
                              fmt::join(skipped, ", ")));
  }
  if (stems.size() > kMaxStems) {
    throw InputError(
        fmt::format("{}: {} stems found, at most {} can be shown; group some of "
                    "them into submixes",
                    describe(inputs), stems.size(), kMaxStems));
  }
  return stems;
}

// The scene for `stems`, at the size and rate the options or the scene ask for.
struct Look {
  SceneDescription description;
  int width = 0, height = 0;
  Rational fps;
};

// Refuses a negative --threads.
void check_threads(int threads) {
  if (threads < 0) throw UsageError(fmt::format("--threads {}: must be 0 (all cores) or more", threads));
}

// Reads the scene the options name and says which of its keys have no effect.
Look resolve_look(const LookOptions& options, Progress& progress) {
  Look look{load_scene(options.scene), 0, 0, {}};
  look.width = options.width.value_or(look.description.width);
  look.height = options.height.value_or(look.description.height);
  look.fps = options.fps.value_or(look.description.fps);
  for (const std::string& warning : look.description.warnings) progress.note("warning: " + warning);
  return look;
}

std::vector<std::string> stem_names(const std::vector<StemInfo>& stems) {
  std::vector<std::string> names;
  for (const StemInfo& stem : stems) names.push_back(stem.name);
  return names;
}

}  // namespace

void validate(const LookOptions& look) {
  if (look.width || look.height) {
    const int width = look.width.value_or(0), height = look.height.value_or(0);
    if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0 || width > kLargestPictureSide ||
        height > kLargestPictureSide) {
      throw UsageError(
          fmt::format("--size {}x{}: width and height must be even numbers from 2 to "
                      "{}, e.g. 1920x1080",
                      width, height, kLargestPictureSide));
    }
  }
}

void validate(const JobSettings& settings) {
  validate(settings.look);
  const CodecFacts& facts = codec_facts(settings.codec);
  encoder_settings(settings.codec, settings.quality, false, settings.preset, settings.crf);
  if (settings.no_audio && (settings.audio_codec || !settings.audio_file.empty())) {
    throw UsageError(settings.audio_codec ? "--no-audio and --audio-codec: choose one"
                                          : "--no-audio and --audio: choose one");
  }
  if (settings.audio_codec &&
      std::find(facts.audio.begin(), facts.audio.end(), *settings.audio_codec) == facts.audio.end()) {
    std::vector<std::string> names;
    for (const AudioCodec a : facts.audio) names.push_back(audio_codec_name(a));
    throw UsageError(fmt::format("--audio-codec {}: the {} file of --codec {} holds {}",
                                 audio_codec_name(*settings.audio_codec), facts.extension, facts.name,
                                 fmt::join(names, " or ")));
  }
  if (!(settings.chunk_seconds > 0.0) || settings.chunk_seconds > 3600.0) {
    throw UsageError(fmt::format("--chunk-seconds {}: must be more than 0 and at most 3600", settings.chunk_seconds));
  }
  if (settings.from && !(*settings.from >= 0.0)) {
    throw UsageError(fmt::format("--from {}: must be 0 or more seconds", *settings.from));
  }
  if (settings.to && !(*settings.to > 0.0)) {
    throw UsageError(fmt::format("--to {}: must be more than 0 seconds", *settings.to));
  }
  if (settings.from && settings.to && *settings.from >= *settings.to) {
    throw UsageError(fmt::format("--from {} is not before --to {}", *settings.from, *settings.to));
  }
  validate(settings.analysis);
}

namespace {

// A job worked out in memory: its manifest, features and the stems its soundtrack needs.
struct PreparedJob {
  Manifest manifest;
  FeatureFile features;
  std::vector<StemInfo> stems;
  std::optional<StemInfo> given_mix;  // --audio
};

// Video above this rate is refused: players and editors do not go further.
constexpr double kMaxVideoFps = 240.0;

// The stems' folder name ("Song" for Song/ or Song/kick.wav).
std::string default_title(const std::vector<fs::path>& inputs) {
  const fs::path first = fs::absolute(inputs.front()).lexically_normal();
  std::error_code error;
  fs::path folder = fs::is_directory(first, error) ? first : first.parent_path();
  if (!folder.has_filename()) folder = folder.parent_path();
  return folder.filename().string();
}

// The job's soundtrack: codec, and where its master comes from (the stems' mix, or the
// mix given with --audio, which must last as long as the song within one frame).
void describe_audio(const JobSettings& settings, PreparedJob& job) {
  AudioOutput& audio = job.manifest.audio;
  const Plan& plan = job.manifest.plan;
  audio.codec =
      settings.no_audio ? AudioCodec::none : settings.audio_codec.value_or(codec_facts(settings.codec).audio.front());
  audio.sample_rate = plan.timeline.sample_rate;
  audio.samples = plan.end_sample() - plan.first_sample();
  if (settings.audio_file.empty() || audio.codec == AudioCodec::none) return;
  const StemInfo mix = probe_stems({settings.audio_file}).front();
  const double song = plan.timeline.duration_seconds();
  const double given = static_cast<double>(mix.samples) / mix.sample_rate;
  if (std::abs(given - song) > 1.0 / plan.timeline.fps.to_double()) {
    throw InputError(
        fmt::format("--audio {}: lasts {:.3f} s but the stems {:.3f} s; export the mix with the "
                    "same start and end as the stems",
                    settings.audio_file.string(), given, song));
  }
  const Timeline own{plan.timeline.fps, mix.sample_rate, mix.samples};
  const std::int64_t first = own.first_sample(plan.first_frame);
  const std::int64_t end = std::min(own.first_sample(plan.end_frame),
                                    mul_div_floor(plan.timeline.samples, mix.sample_rate, plan.timeline.sample_rate));
  audio.source = settings.audio_file.filename().string();
  audio.sample_rate = mix.sample_rate;
  audio.samples = end - first;
  job.given_mix = mix;
}

// True when `folder` holds only what write_image_sequence() writes.
bool holds_an_image_sequence(const fs::path& folder) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    const bool frame = name.starts_with("frame-") && name.ends_with(".png");
    if (!frame && name != "audio.flac" && name != "audio.wav") return false;
  }
  return !error;
}

// Refuses an output that cannot be written, that exists without `overwrite`, or whose name
// says another container than the codec writes; for png, the output is a folder of frames.
void check_video_output(const fs::path& output, bool overwrite, VideoCodec codec) {
  const CodecFacts& facts = codec_facts(codec);
  if (*facts.extension == '\0') {
    const fs::path target = output.has_filename() ? output : output.parent_path();
    const fs::path parent = folder_of(target);
    std::error_code error;
    if (!fs::is_directory(parent, error) || access(parent.c_str(), W_OK) != 0) {
      throw InputError(
          fmt::format("{}: the folder {} does not exist or is not writable; create it or choose "
                      "another",
                      target.string(), parent.string()));
    }
    if (fs::is_regular_file(target, error)) {
      throw UsageError(
          fmt::format("-o {}: is a file, but --codec png writes a folder of frames; give a folder "
                      "name",
                      target.string()));
    }
    if (fs::exists(target, error) && !overwrite) {
      throw UsageError(fmt::format("{}: already exists; pass -y to replace it", target.string()));
    }
    if (fs::is_directory(target, error) && !holds_an_image_sequence(target)) {
      throw InputError(fmt::format("{}: holds other files than a frame sequence; give a new folder", target.string()));
    }
    return;
  }
  check_output_path(output, overwrite, (std::string("out") + facts.extension).c_str());
  const std::string extension = output.extension().string();
  const bool mp4_alias = std::string(facts.extension) == ".mp4" && extension == ".m4v";
  if (extension != facts.extension && !mp4_alias) {
    throw UsageError(fmt::format("-o {}: --codec {} writes a {} file; name it {}", output.string(), facts.name,
                                 facts.extension, fs::path(output).replace_extension(facts.extension).string()));
  }
}

// Refuses layer videos that would replace files without `overwrite`.
void check_layer_outputs(const fs::path& folder, const Manifest& manifest, bool overwrite) {
  if (folder.empty() || overwrite) return;
  for (int stem = 0; stem < static_cast<int>(manifest.stems.size()); ++stem) {
    const fs::path path = layer_output_path(folder, manifest, stem);
    std::error_code error;
    if (fs::exists(path, error)) {
      throw UsageError(fmt::format("{}: already exists; pass -y to replace it", path.string()));
    }
  }
}

// Reads the scene and the stems, analyses them (or takes the cached features) and cuts the
// frames into chunks over `shards` shards. `beside` is the output whose folder holds the
// default feature cache.
PreparedJob prepare_job(const JobSettings& settings, int threads, int shards, const fs::path& beside,
                        Progress& progress, bool analyse = true) {
  // The scene is read first: a mistake in it shows before minutes of analysis.
  Look look = resolve_look(settings.look, progress);
  PreparedJob job;
  Manifest& manifest = job.manifest;
  manifest.software = SoftwareVersions::of_this_binary();
  const CodecFacts& facts = codec_facts(settings.codec);
  const bool alpha = look.description.background.transparent;
  if (alpha && !facts.alpha) {
    throw UsageError(
        fmt::format("scene {} has a transparent background, which {} cannot carry; use --codec "
                    "prores, vp9, ffv1 or png",
                    look.description.name, facts.name));
  }
  if (look.fps.to_double() > kMaxVideoFps) {
    throw UsageError(
        fmt::format("--fps {}: video is made at up to {} frames per second", look.fps.to_string(), kMaxVideoFps));
  }
  manifest.video = encoder_settings(settings.codec, settings.quality, alpha, settings.preset, settings.crf);
  manifest.video.width = look.width;
  manifest.video.height = look.height;
  manifest.video.fps = look.fps;
  if (settings.layers) {
    // Layers need alpha: in the output's codec when it has it, else as ProRes 4444.
    manifest.layers = facts.alpha
                          ? encoder_settings(settings.codec, settings.quality, true, settings.preset, settings.crf)
                          : encoder_settings(VideoCodec::prores, settings.quality, true, {}, {});
    manifest.layers->width = look.width;
    manifest.layers->height = look.height;
    manifest.layers->fps = look.fps;
  }
  job.stems = load_stems(settings.stems, settings.lengths, look.fps, progress);
  const Timeline timeline = song_timeline(job.stems, settings.lengths, look.fps);
  const std::int64_t song_frames = timeline.frame_count();
  const std::int64_t first_frame = settings.from ? timeline.frame_at_or_after(*settings.from) : 0;
  const std::int64_t end_frame =
      settings.to ? std::min(song_frames, timeline.frame_at_or_after(*settings.to)) : song_frames;
  if (first_frame >= end_frame) {
    throw InputError(fmt::format("{}: --from {} lies past the end of the song ({:.3f} s)", describe(settings.stems),
                                 settings.from.value_or(0.0), timeline.duration_seconds()));
  }
  AnalysisSettings analysis = settings.analysis;
  analysis.threads = threads;
  if (analyse) {
    job.features = features_for(job.stems, timeline, analysis, settings.cache, beside, true, progress);
    manifest.stems = job.features.stems;
    manifest.analysis = job.features.settings;
  } else {
    manifest.stems = describe_stems(job.stems, false, threads);
    manifest.analysis = analysis;
  }
  manifest.scene = std::move(look.description);
  manifest.plan = make_plan(timeline, first_frame, end_frame, frames_per_chunk(settings.chunk_seconds, look.fps));
  if (static_cast<std::size_t>(shards) > manifest.plan.chunks.size()) {
    throw UsageError(
        fmt::format("--shards {}: the job has only {} chunks; use at most {} shards, or a "
                    "shorter --chunk-seconds",
                    shards, manifest.plan.chunks.size(), manifest.plan.chunks.size()));
  }
  manifest.shards = shards;
  manifest.shard_of_chunk = assign_shards(manifest.plan.chunks, shards);
  manifest.title = settings.title.value_or(default_title(settings.stems));
  describe_audio(settings, job);
  return job;
}

std::string describe_render(const Manifest& m) {
  return fmt::format("{} frames ({}x{} at {} fps, scene {}) in {} chunks", m.plan.frame_count(), m.video.width,
                     m.video.height, m.video.fps.to_string(), m.scene.name, m.plan.chunks.size());
}

// True when `folder` is missing, empty or holds a stemviz job: the folders a job may be
// written into without destroying anything else.
bool holds_a_job_or_nothing(const fs::path& folder) {
  std::error_code error;
  if (!fs::exists(folder, error)) return true;
  if (!fs::is_directory(folder, error)) return false;
  return fs::is_empty(folder, error) || fs::exists(manifest_path(folder), error);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

RenderSummary run_render(const RenderOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  validate(options.job);
  check_threads(options.threads);
  check_video_output(options.output, options.overwrite, options.job.codec);
  if (!options.work_dir.empty() && !holds_a_job_or_nothing(options.work_dir)) {
    throw InputError(
        fmt::format("--work-dir {}: holds files that are not a stemviz job; give a new or "
                    "empty folder",
                    options.work_dir.string()));
  }

  Progress progress(0, options.progress);
  JobSettings settings = options.job;
  settings.layers = !options.layers_dir.empty();
  PreparedJob prepared = prepare_job(settings, options.threads, 1, options.output, progress);
  check_layer_outputs(options.layers_dir, prepared.manifest, options.overwrite);
  remove_leftovers_beside(options.output, progress);
  std::optional<ScratchDir> scratch;
  if (options.work_dir.empty()) scratch.emplace(options.output);
  const fs::path folder = options.work_dir.empty() ? scratch->path() : options.work_dir;
  if (write_job(folder, prepared.manifest, prepared.features)) {
    progress.note(fmt::format("resuming the job in {}", folder.string()));
  }
  // The render reads the job folder's copy a block at a time: keeping this one would make
  // memory grow with the song's length (about 40 KB per second of 7 stems).
  prepared.features = {};
  // From here on the render reads the job folder exactly as a shard on another machine does.
  const LoadedJob job = load_job(folder);
  progress.note("rendering " + describe_render(job.manifest));
  const float gain = job.features.analysis.mix_gain;
  const ShardResult rendered = render_chunks(job, job.manifest.plan.chunks, options.threads, progress, [&] {
    write_soundtrack(folder, job.manifest, prepared.stems, gain, prepared.given_mix ? &*prepared.given_mix : nullptr);
    prepare_soundtrack(job);
  });
  stitch_job(job, options.output, options.layers_dir, progress);

  RenderSummary summary;
  summary.frames = job.manifest.plan.frame_count();
  summary.frames_rendered = rendered.frames_rendered;
  summary.seconds_of_video = static_cast<double>(summary.frames) / job.manifest.video.fps.to_double();
  summary.wall_seconds = seconds_since(started);
  summary.times = progress.times();
  return summary;
}

namespace {

// Seconds of CPU time this thread has used.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

// A shard's chunks go to its machine's cores in order, each to the first core that is free
// (as the render pool takes them); the last ones may leave cores idle.
ShardingEstimate predict(const Manifest& m, const PlanEstimate& measured, int shards, int cores) {
  ShardingEstimate e;
  e.shards = shards;
  e.cores_per_machine = cores;
  const std::vector<int> shard_of = assign_shards(m.plan.chunks, shards);
  // A worker loads the job before its first frame; half a second covers it.
  constexpr double kShardStartSeconds = 0.5;
  double billed = 0.0;
  for (int k = 0; k < shards; ++k) {
    std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
    for (int c = 0; c < cores; ++c) free_at.push(0.0);
    std::int64_t chunks = 0;
    double finished = 0.0;
    for (std::size_t i = 0; i < m.plan.chunks.size(); ++i) {
      if (shard_of[i] != k) continue;
      const double done =
          free_at.top() + static_cast<double>(m.plan.chunks[i].frame_count) * measured.seconds_per_frame;
      free_at.pop();
      free_at.push(done);
      finished = std::max(finished, done);
      ++chunks;
    }
    const double seconds = kShardStartSeconds + finished;
    e.chunks_per_shard = std::max(e.chunks_per_shard, chunks);
    e.shard_seconds = std::max(e.shard_seconds, seconds);
    billed += seconds * cores;
  }
  e.job_seconds = e.shard_seconds + measured.stitch_seconds;
  e.core_hours = (billed + measured.stitch_seconds) / 3600.0;
  return e;
}

// Draws and encodes a few frames from three places in the song on this thread.
PlanEstimate estimate_job(const PreparedJob& job, int shards, int cores) {
  const Manifest& m = job.manifest;
  std::vector<std::string> names;
  for (const FeatureFileStem& stem : m.stems) names.push_back(stem.name);
  const Scene scene(m.scene, names, job.features.analysis.features, m.plan.timeline, m.video.width, m.video.height);
  FrameCanvas canvas(scene);
  canvas.draw(m.plan.first_frame);  // fonts and buffers are set up once per worker, not per frame
  PlanEstimate estimate;
  const double started = thread_cpu_seconds();
  for (const double at : {0.25, 0.75}) {
    const Chunk& chunk = m.plan.chunks[static_cast<std::size_t>(at * static_cast<double>(m.plan.chunks.size()))];
    // Whole chunks (up to 1 s at 60 fps): a segment's keyframe, encoder start and flush
    // weigh on its frames as in the render. The file goes when `sample` does.
    const TempFile sample(fs::temp_directory_path() / fmt::format("stemviz-estimate-{}.mp4", getpid()));
    SegmentEncoder encoder(sample.path(), m.video);
    const std::int64_t frames = std::min<std::int64_t>(chunk.frame_count, 60);
    for (std::int64_t f = chunk.first_frame; f < chunk.first_frame + frames; ++f) {
      throw_if_cancelled();
      canvas.draw(f);
      encoder.add_frame(canvas.pixels(), canvas.stride());
    }
    encoder.commit();
    estimate.sample_frames += frames;
  }
  estimate.seconds_per_frame = (thread_cpu_seconds() - started) / static_cast<double>(estimate.sample_frames);
  // Joining copies packets and checks segments (about a second for a song); encoding the
  // soundtrack to AAC dominates: 89 s of audio took 4.1 s on a 2-core x86-64 machine.
  const double seconds_of_video = static_cast<double>(m.plan.frame_count()) / m.video.fps.to_double();
  estimate.stitch_seconds = 1.0 + seconds_of_video / 20.0;
  const int chunk_count = static_cast<int>(m.plan.chunks.size());
  estimate.options.push_back(predict(m, estimate, shards, cores));
  for (int n = 1; n <= chunk_count && n <= 1024; n *= 2) {
    if (n != shards) estimate.options.push_back(predict(m, estimate, n, cores));
  }
  std::sort(estimate.options.begin() + 1, estimate.options.end(),
            [](const ShardingEstimate& a, const ShardingEstimate& b) { return a.shards < b.shards; });
  return estimate;
}

}  // namespace

Manifest plan_render(const RenderOptions& options) {
  validate(options.job);
  check_threads(options.threads);
  check_video_output(options.output, options.overwrite, options.job.codec);
  Progress quiet(0, ProgressStyle::none);
  return prepare_job(options.job, options.threads, 1, options.output, quiet, false).manifest;
}

PlanSummary run_plan(const PlanOptions& options) {
  validate(options.job);
  check_threads(options.threads);
  if (options.shards < 1 || options.shards > 100000) {
    throw UsageError(fmt::format("--shards {}: must be from 1 to 100000", options.shards));
  }
  for (const std::string& scheduler : options.emit) {
    const auto& names = recipe_names();
    if (std::find(names.begin(), names.end(), scheduler) == names.end()) {
      throw UsageError(fmt::format("--emit {}: no recipe for it; use {}", scheduler, fmt::join(names, ", ")));
    }
  }
  if (options.cores_per_machine < 0 || options.cores_per_machine > 4096) {
    throw UsageError(
        fmt::format("--cores-per-machine {}: must be from 1 to 4096 (0: this machine's)", options.cores_per_machine));
  }
  const fs::path& folder = options.folder;
  if (folder.empty() && !options.estimate) {
    throw UsageError("give the job folder to write with -o JOB (or --estimate alone to predict the cost)");
  }
  std::error_code error;
  const fs::path parent = folder_of(folder.has_filename() ? folder : folder.parent_path());
  if (!fs::is_directory(parent, error)) {
    throw InputError(
        fmt::format("{}: the folder {} does not exist; create it first", folder.string(), parent.string()));
  }
  if (!folder.empty() && !holds_a_job_or_nothing(folder)) {
    throw InputError(
        fmt::format("{}: exists and is not a stemviz job folder; give a new or empty folder", folder.string()));
  }
  if (!folder.empty() && fs::exists(manifest_path(folder), error) && !options.overwrite) {
    throw UsageError(fmt::format("{}: already holds a job; pass -y to replace it", folder.string()));
  }
  Progress progress(0, options.progress);
  PreparedJob prepared =
      prepare_job(options.job, options.threads, options.shards, folder.empty() ? fs::path("plan") : folder, progress);
  PlanSummary summary;
  if (options.estimate) {
    progress.note("drawing and encoding sample frames on one core");
    const int cores = options.cores_per_machine > 0
                          ? options.cores_per_machine
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    summary.estimate = estimate_job(prepared, options.shards, cores);
  }
  const Manifest& m = prepared.manifest;
  if (!folder.empty()) {
    write_job(folder, prepared.manifest, prepared.features);
    progress.note("mixing the soundtrack");
    write_soundtrack(folder, m, prepared.stems, prepared.features.analysis.mix_gain,
                     prepared.given_mix ? &*prepared.given_mix : nullptr);
    for (const std::string& scheduler : options.emit) summary.recipes.push_back(emit_recipe(folder, m, scheduler));
  }
  summary.frames = m.plan.frame_count();
  summary.chunks = m.plan.chunks.size();
  summary.shards = m.shards;
  summary.hash = m.hash;
  return summary;
}

namespace {

// The shard index from the option, or from the variable an array job scheduler sets.
int shard_index(const ShardOptions& options) {
  if (options.index) return *options.index;
  std::vector<std::string> names;
  if (!options.index_env.empty()) {
    names = {options.index_env};
  } else {
    names = {"AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"};
  }
  for (const std::string& name : names) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') continue;
    char* end = nullptr;
    errno = 0;
    const long index = std::strtol(value, &end, 10);
    if (errno != 0 || *end != '\0' || index < options.index_base || index > 1'000'000) {
      throw UsageError(fmt::format("{}={}: not a shard index counting from {}", name, value, options.index_base));
    }
    return static_cast<int>(index - options.index_base);
  }
  throw UsageError(
      fmt::format("no shard index: pass --index K, or run as an array job that sets {}", fmt::join(names, ", ")));
}

}  // namespace

ShardSummary run_shard(const ShardOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  check_threads(options.threads);
  if (options.index_base != 0 && options.index_base != 1) {
    throw UsageError(fmt::format("--index-base {}: must be 0 or 1", options.index_base));
  }
  const LoadedJob job = load_job(options.job);
  check_runs_here(job.manifest, manifest_path(options.job));
  const int shard = shard_index(options);
  if (shard < 0 || shard >= job.manifest.shards) {
    throw UsageError(fmt::format("shard {}: the job in {} has shards 0 to {}", shard, options.job.string(),
                                 job.manifest.shards - 1));
  }
  Progress progress(0, options.progress);
  const std::vector<Chunk> chunks = job.manifest.chunks_of_shard(shard);
  const Manifest& m = job.manifest;
  progress.note(fmt::format("shard {} of {}: chunks {}-{} of {} ({} frames, {}x{} at {} fps, scene {})", shard,
                            m.shards, chunks.front().index, chunks.back().index, m.plan.chunks.size(),
                            m.plan.frame_count(), m.video.width, m.video.height, m.video.fps.to_string(),
                            m.scene.name));
  const ShardResult result = render_chunks(job, chunks, options.threads, progress);
  return {shard, result.chunks, result.chunks_rendered, result.frames_rendered, seconds_since(started)};
}

std::int64_t run_stitch(const StitchOptions& options) {
  const LoadedJob job = load_job(options.job);
  check_runs_here(job.manifest, manifest_path(options.job));
  check_video_output(options.output, options.overwrite, job.manifest.video.codec);
  if (!options.layers_dir.empty() && !job.manifest.layers) {
    throw UsageError(
        fmt::format("--layers {}: the job in {} was planned without layers; plan it again with "
                    "--layers",
                    options.layers_dir.string(), options.job.string()));
  }
  check_layer_outputs(options.layers_dir, job.manifest, options.overwrite);
  Progress progress(0, options.progress);
  if (job.manifest.layers && options.layers_dir.empty()) {
    progress.note("the job has a layer video per stem; pass --layers DIR to write them");
  }
  return stitch_job(job, options.output, options.layers_dir, progress);
}

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

namespace {

// "1:23.45" for a time in seconds.
std::string clock_time(double seconds) {
  const int minutes = static_cast<int>(seconds / 60.0);
  return fmt::format("{}:{:05.2f}", minutes, seconds - 60.0 * minutes);
}

// Draws the frames a preview asks for into a PNG at `path`.
void write_preview(const PreviewOptions& options, const Scene& scene, const fs::path& path) {
  const Timeline& timeline = scene.timeline();
  FrameCanvas canvas(scene);
  cairo_status_t status;
  if (options.sheet_columns <= 0) {
    canvas.draw(timeline.frame_at(options.at));
    status = cairo_surface_write_to_png(canvas.surface(), path.c_str());
  } else {
    // Tiles share the picture's width; each shows a frame scaled down, stamped with its time.
    const int columns = options.sheet_columns, rows = options.sheet_rows;
    const double tile_width = static_cast<double>(scene.width()) / columns;
    const double scale = tile_width / scene.width();
    const double tile_height = scene.height() * scale;
    const int gap = 2;
    CairoSurfacePtr sheet = make_image_surface(scene.width() + gap * (columns - 1),
                                               static_cast<int>(std::ceil(tile_height * rows)) + gap * (rows - 1));
    CairoPtr cr(cairo_create(sheet.get()));
    cairo_set_source_rgb(cr.get(), 0.0, 0.0, 0.0);
    cairo_paint(cr.get());
    const PangoLayoutPtr text = text_layout(cr.get(), "", std::max(9.0, tile_height / 12.0), PANGO_WEIGHT_BOLD);
    const int tiles = columns * rows;
    for (int k = 0; k < tiles; ++k) {
      throw_if_cancelled();
      const double seconds = (k + 0.5) * timeline.duration_seconds() / tiles;
      const std::int64_t frame = timeline.frame_at(seconds);
      canvas.draw(frame);
      const double x = (k % columns) * (tile_width + gap), y = (k / columns) * (tile_height + gap);
      cairo_save(cr.get());
      cairo_translate(cr.get(), x, y);
      cairo_scale(cr.get(), scale, scale);
      cairo_set_source_surface(cr.get(), canvas.surface(), 0, 0);
      cairo_pattern_set_filter(cairo_get_source(cr.get()), CAIRO_FILTER_GOOD);
      cairo_paint(cr.get());
      cairo_restore(cr.get());
      const std::string stamp = clock_time(timeline.frame_time(frame));
      pango_layout_set_text(text.get(), stamp.c_str(), static_cast<int>(stamp.size()));
      const double pad = tile_height / 30.0;
      cairo_move_to(cr.get(), x + pad + 1, y + pad + 1);
      cairo_set_source_rgba(cr.get(), 0, 0, 0, 0.8);
      pango_cairo_show_layout(cr.get(), text.get());
      cairo_move_to(cr.get(), x + pad, y + pad);
      cairo_set_source_rgb(cr.get(), 1, 1, 1);
      pango_cairo_show_layout(cr.get(), text.get());
    }
    cairo_surface_flush(sheet.get());
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
  Look look = resolve_look(options.look, progress);
  const std::vector<StemInfo> stems = load_stems(options.stems, options.lengths, look.fps, progress);
  const Timeline timeline = song_timeline(stems, options.lengths, look.fps);
  if (options.sheet_columns == 0 && options.at > timeline.duration_seconds()) {
    throw InputError(fmt::format("--at {}: the song is only {:.3f} s long", options.at, timeline.duration_seconds()));
  }
  AnalysisSettings settings = options.analysis;
  settings.threads = options.threads;
  const FeatureFile features = features_for(stems, timeline, settings, options.cache, options.output, false, progress);
  const auto draw = [&](Look& current) {
    const Scene scene(std::move(current.description), stem_names(stems), features.analysis.features, timeline,
                      current.width, current.height);
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
      Look changed = resolve_look(options.look, progress);
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
