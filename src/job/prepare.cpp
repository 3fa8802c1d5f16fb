#include <stemviz/job/prepare.hpp>

#include <stemviz/job/scene_files.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace stemviz {

namespace fs = std::filesystem;

// How messages name the stems the user gave.
std::string describe_inputs(const std::vector<fs::path>& inputs) {
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

// Finds, probes and checks the stems; says which files were passed over. Durations may
// differ by up to one frame of `fps`.
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
                    describe_inputs(inputs), stems.size(), kMaxStems));
  }
  return stems;
}

// Refuses a negative --threads.
void check_threads(int threads) {
  if (threads < 0) throw UsageError(fmt::format("--threads {}: must be 0 (all cores) or more", threads));
}

namespace {

// The stems' folder name ("Song" for Song/ or Song/kick.wav).
std::string default_title(const std::vector<fs::path>& inputs) {
  const fs::path first = fs::absolute(inputs.front()).lexically_normal();
  std::error_code error;
  fs::path folder = fs::is_directory(first, error) ? first : first.parent_path();
  if (!folder.has_filename()) folder = folder.parent_path();
  return folder.filename().string();
}

}  // namespace

Look resolve_look(const LookOptions& options, const std::vector<fs::path>& stems, Progress& progress) {
  Look look{load_scene(options.scene), 0, 0, {}};
  SceneDescription& d = look.description;
  if (options.title) d.title = *options.title;
  if (d.title.empty()) d.title = default_title(stems);
  if (options.artist) d.artist = *options.artist;
  // Both go into the output's metadata and a job's manifest, and are printed.
  for (const auto& [text, name] : {std::pair{&d.title, "title"}, std::pair{&d.artist, "artist"}}) {
    if (const std::string problem = title_problem(*text); !problem.empty())
      throw InputError(
          fmt::format("the {} \"{}\" {}; give another with --{}", name, escaped(text->substr(0, 300)), problem, name));
  }
  look.width = options.width.value_or(look.description.width);
  look.height = options.height.value_or(look.description.height);
  look.fps = options.fps.value_or(look.description.fps);
  for (const std::string& warning : look.description.warnings) progress.note("warning: " + warning);
  return look;
}

void check_layer_stems(const SceneDescription& scene, const std::vector<StemInfo>& stems) {
  check_layer_stems(scene.layers, stem_names(stems));
}

std::vector<std::string> stem_names(const std::vector<StemInfo>& stems) {
  std::vector<std::string> names;
  for (const StemInfo& stem : stems) names.push_back(stem.name);
  return names;
}

namespace {

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

}  // namespace

// Reads the scene and the stems, analyses them (or takes the cached features) and cuts the
// frames into chunks over `shards` shards. `beside` is the output whose folder holds the
// default feature cache.
PreparedJob prepare_job(const JobSettings& settings, int threads, int shards, const fs::path& beside,
                        Progress& progress, bool analyse) {
  // The scene is read first: a mistake in it shows before minutes of analysis.
  Look look = resolve_look(settings.look, settings.stems, progress);
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
  check_layer_stems(look.description, job.stems);
  job.inputs = read_scene_files(look.description, settings.look, &manifest.assets);
  const Timeline timeline = song_timeline(job.stems, settings.lengths, look.fps);
  const std::int64_t song_frames = timeline.frame_count();
  const std::int64_t first_frame = settings.from ? timeline.frame_at_or_after(*settings.from) : 0;
  const std::int64_t end_frame =
      settings.to ? std::min(song_frames, timeline.frame_at_or_after(*settings.to)) : song_frames;
  if (first_frame >= end_frame) {
    throw InputError(fmt::format("{}: --from {} lies past the end of the song ({:.3f} s)",
                                 describe_inputs(settings.stems), settings.from.value_or(0.0),
                                 timeline.duration_seconds()));
  }
  AnalysisSettings analysis = settings.analysis;
  analysis.threads = threads;
  analysis.displays = display_requests(look.description.layers, stem_names(job.stems), look.fps.to_double());
  analysis.mix_features = mix_features_wanted(look.description.layers).has_value();
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
  manifest.title = manifest.scene.title;
  manifest.artist = manifest.scene.artist;
  describe_audio(settings, job);
  return job;
}

std::string describe_render(const Manifest& m) {
  return fmt::format("{} frames ({}x{} at {} fps, scene {}) in {} chunks", m.plan.frame_count(), m.video.width,
                     m.video.height, m.video.fps.to_string(), m.scene.name, m.plan.chunks.size());
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace stemviz
