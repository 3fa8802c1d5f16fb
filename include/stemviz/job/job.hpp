// Jobs end to end. A render: stems -> audio -> analysis -> plan -> render pool -> stitch,
// in one process or split into plan, shards and stitch on many machines (job_folder.hpp);
// an analysis: stems -> audio -> analysis -> feature file; a preview: one frame as a PNG.
// The CLI fills the options and calls run_*(); everything else lives here.
#pragma once

#include <stemviz/analysis/analysis.hpp>
#include <stemviz/media/codecs.hpp>
#include <stemviz/job/manifest.hpp>
#include <stemviz/util/progress.hpp>

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
  std::string scene = "classic";     // a bundled scene's name or a .toml path
  std::optional<int> width, height;  // pixels; the scene's [video] size when not given
  std::optional<Rational> fps;       // the scene's [video] fps when not given
};

// What a job renders: the settings `stemviz render` and `stemviz plan` share.
struct JobSettings {
  std::vector<std::filesystem::path> stems;    // a folder of stems, or the stem files
  LengthPolicy lengths = LengthPolicy::exact;  // stems of different lengths: refuse, pad, trim
  LookOptions look;
  VideoCodec codec = VideoCodec::h264;
  Quality quality = Quality::standard;
  std::optional<std::string> preset;      // overrides the quality's (h264, hevc)
  std::optional<int> crf;                 // overrides the quality's (h264, hevc, vp9)
  std::optional<AudioCodec> audio_codec;  // default: the container's usual one
  bool no_audio = false;                  // a video without sound
  std::filesystem::path audio_file;       // --audio: this mix instead of the stems' sum
  std::optional<std::string> title;       // metadata; default: the stems folder's name
  bool layers = false;                    // also one video per stem, that stem alone with alpha
  double chunk_seconds = 1.0;             // length of one chunk (and segment), > 0
  std::optional<double> from;             // seconds: render only from here ...
  std::optional<double> to;               // ... up to here
  AnalysisSettings analysis;              // its threads field is ignored: the job's threads serve both
  CacheSettings cache;
};

// Checks the settings that do not need the stems; throws UsageError naming the option.
void validate(const JobSettings& settings);

struct RenderOptions {
  JobSettings job;
  std::filesystem::path output;      // .mp4 to write
  bool overwrite = false;            // replace an existing output
  std::filesystem::path layers_dir;  // also write one alpha video per stem here (JobSettings::layers)
  std::filesystem::path work_dir;    // keep the job here, so an interrupted render resumes;
                                     // empty: a private folder beside the output, removed at the end
  int threads = 0;                   // workers for analysis and rendering; 0 = all cores
  ProgressStyle progress = ProgressStyle::lines;
};

struct RenderSummary {
  std::int64_t frames = 0;
  std::int64_t frames_rendered = 0;  // fewer than `frames` when a job in the work folder resumed
  double seconds_of_video = 0.0;
  double wall_seconds = 0.0;
  StageTimes times;  // each stage's wall time, the workers' time per kind of work
};

// Renders the video: plans a one-shard job, renders it and stitches it, through the same
// code as a sharded render. The output appears only when it is complete and checked; a
// failure or an interrupt leaves neither the output nor temporary files behind (finished
// segments stay in a --work-dir).
RenderSummary run_render(const RenderOptions& options);

// The job a render would make, for --dry-run: the options and the scene checked and the
// stems' headers read, nothing analysed, hashed, drawn or written.
Manifest plan_render(const RenderOptions& options);

struct PlanOptions {
  JobSettings job;
  std::filesystem::path folder;   // the job folder to write; may be empty with `estimate`
  bool overwrite = false;         // replace a job already in `folder`
  int shards = 1;                 // machines (or array tasks) the chunks are spread over
  std::vector<std::string> emit;  // schedulers to write recipes for (recipe_names())
  bool estimate = false;          // time sample frames and predict the job's cost
  int cores_per_machine = 0;      // for the estimate; 0 = this machine's
  int threads = 0;                // for the analysis; 0 = all cores
  ProgressStyle progress = ProgressStyle::lines;
};

// What a job would cost at one shard count.
struct ShardingEstimate {
  int shards = 0;
  int cores_per_machine = 0;
  std::int64_t chunks_per_shard = 0;  // the most any shard has
  double shard_seconds = 0.0;         // wall time of the largest shard on one machine
  double job_seconds = 0.0;           // with every shard on its own machine at once, plus the stitch
  double core_hours = 0.0;            // billed: machines x cores x their wall time
};

struct PlanEstimate {
  std::int64_t sample_frames = 0;         // frames drawn and encoded to measure
  double seconds_per_frame = 0.0;         // of one core, drawing and encoding
  double stitch_seconds = 0.0;            // joining and the soundtrack, on one core
  std::vector<ShardingEstimate> options;  // the asked shard count first, then powers of two
};

struct PlanSummary {
  std::int64_t frames = 0;
  std::size_t chunks = 0;
  int shards = 0;
  std::string hash;                            // the manifest's
  std::vector<std::filesystem::path> recipes;  // folders written for `emit`
  std::optional<PlanEstimate> estimate;        // with `estimate`
};

// Analyses the stems and writes a job folder (job_folder.hpp) that is all a worker needs,
// when `folder` is given. With `estimate` it also draws and encodes sample frames on one
// core and predicts wall time and core-hours of the job at several shard counts.
PlanSummary run_plan(const PlanOptions& options);

struct ShardOptions {
  std::filesystem::path job;
  std::optional<int> index;  // the shard to render; when not given, read from `index_env` ...
  std::string index_env;     // ... or else from AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID
                             // or JOB_COMPLETION_INDEX, whichever is set
  int index_base = 0;        // what the variable counts from (0 or 1)
  int threads = 0;           // 0 = all cores
  ProgressStyle progress = ProgressStyle::lines;
};

struct ShardSummary {
  int shard = 0;
  std::int64_t chunks = 0, chunks_rendered = 0, frames_rendered = 0;
  double wall_seconds = 0.0;
};

// Renders the chunks of one shard that are not done yet into the job's segments folder.
ShardSummary run_shard(const ShardOptions& options);

struct StitchOptions {
  std::filesystem::path job;
  std::filesystem::path output;      // .mp4 to write
  std::filesystem::path layers_dir;  // the stems' layer videos, for a job planned with layers
  bool overwrite = false;
  ProgressStyle progress = ProgressStyle::lines;
};

// Checks every segment of the job, joins them with the soundtrack and checks the result;
// returns the number of frames.
std::int64_t run_stitch(const StitchOptions& options);

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
