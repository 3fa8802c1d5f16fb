// The steps every command that draws or analyses takes first: reading the scene, finding
// and probing the stems, the song's timeline, the features (cached or analysed), and for
// a render or a plan the job they make, worked out in memory.
#pragma once

#include <stemviz/analysis/feature_file.hpp>
#include <stemviz/audio/stems.hpp>
#include <stemviz/job/manifest.hpp>
#include <stemviz/job/settings.hpp>
#include <stemviz/scene/scene_file.hpp>
#include <stemviz/scene/scene_inputs.hpp>
#include <stemviz/util/progress.hpp>
#include <stemviz/util/timeline.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace stemviz {

// The most stems one picture shows.
inline constexpr int kMaxStems = 32;
// Video above this rate is refused: players and editors do not go further.
inline constexpr double kMaxVideoFps = 240.0;

// How messages name the stems the user gave.
std::string describe_inputs(const std::vector<std::filesystem::path>& inputs);

// The song's timeline: at the soundtrack's rate, as long as `lengths` makes it.
Timeline song_timeline(const std::vector<StemInfo>& stems, LengthPolicy lengths, Rational fps);

// Finds, probes and checks the stems; says which files were passed over. Durations may
// differ by up to one frame of `fps`.
std::vector<StemInfo> load_stems(const std::vector<std::filesystem::path>& inputs, LengthPolicy lengths, Rational fps,
                                 Progress& progress);

// The features of `stems`: from the cache when an entry matches, else analysed and then
// cached. Stems are hashed only when the features go to a file (`hash_stems`) or the cache.
FeatureFile features_for(const std::vector<StemInfo>& stems, const Timeline& timeline, const AnalysisSettings& settings,
                         const CacheSettings& cache_settings, const std::filesystem::path& output, bool hash_stems,
                         Progress& progress);

// The scene for `stems`, at the size and rate the options or the scene ask for.
struct Look {
  SceneDescription description;
  int width = 0, height = 0;
  Rational fps;
};

// Throws InputError at the `stem` key of the first layer of `scene` bound to a stem that is
// not among `stems`: before the analysis, which takes far longer.
void check_layer_stems(const SceneDescription& scene, const std::vector<StemInfo>& stems);

// Refuses a negative --threads.
void check_threads(int threads);

// Reads the scene the options name and says which of its keys have no effect. Its title and
// artist are the options' when given; a scene with no title takes the name of the folder of
// `stems` (a folder of stems, or the stem files).
Look resolve_look(const LookOptions& options, const std::vector<std::filesystem::path>& stems, Progress& progress);

std::vector<std::string> stem_names(const std::vector<StemInfo>& stems);

// A job worked out in memory: its manifest, features and the stems its soundtrack needs.
struct PreparedJob {
  Manifest manifest;
  FeatureFile features;
  std::vector<StemInfo> stems;
  std::optional<StemInfo> given_mix;  // --audio
  SceneInputs inputs;                 // the files the scene names, read
};

// Reads the scene and the stems, analyses them (or takes the cached features) and cuts the
// frames into chunks over `shards` shards. `beside` is the output whose folder holds the
// default feature cache.
PreparedJob prepare_job(const JobSettings& settings, int threads, int shards, const std::filesystem::path& beside,
                        Progress& progress, bool analyse = true);

std::string describe_render(const Manifest& m);

// Seconds of wall time since `start`.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace stemviz
