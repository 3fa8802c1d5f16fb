// A job folder: what `stemviz plan` writes, what every shard renders into and what the
// stitch joins. The local `stemviz render` uses one too (a private one, or --work-dir).
//
//   manifest.json                 the job (manifest.hpp)
//   job.env                       its hash and shard count, for shell scripts
//   features.svf                  the analysed features (feature_file.hpp)
//   soundtrack.flac               the stems' mix (write_soundtrack_master)
//   soundtrack.mka                in the output's audio codec, made once by the stitch
//   segments/chunk-NNNNNN.mp4     one video segment per chunk
//
// Every file that a step produces has a record beside it, NAME.done: the job's hash, the
// file's size and SHA-256 and, for a segment, its frame count. The record is written only
// after the file is complete, so a file without a matching record (a step killed halfway,
// a file of another job, a damaged copy) counts as missing and is made again.
#pragma once

#include <stemviz/analysis/feature_file.hpp>
#include <stemviz/job/manifest.hpp>
#include <stemviz/util/progress.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace stemviz {

std::filesystem::path manifest_path(const std::filesystem::path& job);
std::filesystem::path segments_folder(const std::filesystem::path& job);

// Writes `file`'s record for the job whose manifest hash is `job_hash`.
void record_file(const std::filesystem::path& file, const std::string& job_hash, std::int64_t frames = 0);
// Empty when `file` and its record match and belong to job `job_hash` (and hold `frames`
// frames, when given); otherwise why not ("missing", "damaged: its SHA-256 differs", ...).
std::string check_file(const std::filesystem::path& file, const std::string& job_hash, std::int64_t frames = 0);

struct LoadedJob {
  std::filesystem::path folder;
  Manifest manifest;
  FeatureFile features;                   // all but the values (features.analysis.features is empty)
  std::unique_ptr<FeatureFileRows> rows;  // the values, read from the file as needed
};

// Reads a job folder's manifest and checks its feature file (without keeping the values in
// memory) and that the two belong together.
// Throws InputError (missing or damaged files) or JobMismatch (manifest.hpp).
LoadedJob load_job(const std::filesystem::path& folder);

// Creates `folder` (and its segments folder) and writes the manifest and the feature file
// into it. Files of the same job that are already there and check out are kept, so an
// interrupted render resumes; anything of another job is removed first.
// Returns true when a job with the same hash was already there.
bool write_job(const std::filesystem::path& folder, Manifest& manifest, const FeatureFile& features);

struct ChunkState {
  Chunk chunk;
  int shard = 0;
  std::string problem;  // empty: its segment is complete and checks out
};

// Every chunk of the job and whether its segment is done.
std::vector<ChunkState> chunk_states(const LoadedJob& job);

struct ShardResult {
  std::int64_t chunks = 0, chunks_rendered = 0;  // of the shard; rendered by this call
  std::int64_t frames_rendered = 0;
};

// Renders the chunks among `chunks` whose segments are not done yet, recording each one as
// it completes. `alongside` as for render_segments().
ShardResult render_chunks(const LoadedJob& job, const std::vector<Chunk>& chunks, int threads, Progress& progress,
                          const std::function<void()>& alongside = {});

// Writes the job's soundtrack master from `stems` (mixed at `gain`), or from `given_mix`
// (--audio) when not null, unless it is there and checks out; nothing for a silent video.
// Only the machine that plans a job has the stems.
void write_soundtrack(const std::filesystem::path& folder, const Manifest& manifest, const std::vector<StemInfo>& stems,
                      float gain, const StemInfo* given_mix);

// The schedulers `stemviz plan --emit` writes recipes for: "slurm", "aws-batch", "k8s".
const std::vector<std::string>& recipe_names();

// Writes the cloud/ recipe for `scheduler` (one of recipe_names()) into folder/scheduler/:
// its scripts as they are (they read job.env), Kubernetes manifests filled in for this job
// (${STEMVIZ_IMAGE}, ${STEMVIZ_CLAIM} and ${STEMVIZ_CPUS} from the environment when set).
// Returns the folder written.
std::filesystem::path emit_recipe(const std::filesystem::path& folder, const Manifest& manifest,
                                  const std::string& scheduler);

// The soundtrack's AAC encoding, made from the master when it is not there yet.
void prepare_soundtrack(const LoadedJob& job);

// Where stem `stem`'s layer video goes in `folder`: NN-NAME.EXT (a folder for png).
std::filesystem::path layer_output_path(const std::filesystem::path& folder, const Manifest& manifest, int stem);

// Removes what killed runs left beside `output` (remove_dead_leftovers), saying so.
void remove_leftovers_beside(const std::filesystem::path& output, Progress& progress);

// Checks every segment, names the missing ones with their shards, joins them with the
// soundtrack into `output` (written under a temporary name beside it and renamed when the
// result checks out), and with `layers_dir` (may be empty) each stem's layer video into
// it; returns the number of frames.
std::int64_t stitch_job(const LoadedJob& job, const std::filesystem::path& output,
                        const std::filesystem::path& layers_dir, Progress& progress);

}  // namespace stemviz
