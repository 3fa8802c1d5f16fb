// A job folder: what `stemviz plan` writes, what every shard renders into and what the
// stitch joins. The local `stemviz render` uses one too (a private one, or --work-dir).
//
//   manifest.json                  the job (manifest.hpp)
//   job.env                        its hash and shard count, for shell scripts
//   features.svf                   the analysed features (feature_file.hpp)
//   soundtrack.flac                the stems' mix (soundtrack_files.hpp)
//   audio.EXT                      that mix in the output's audio codec and container,
//                                  made once before the stitch (audio.mp4, audio.webm, ...)
//   segments/chunk-NNNNNN.EXT      one video segment per chunk, in the codec's container
//   segments/layer-NN/chunk-...    with --layers, each stem's layer segments
//   assets/SHA256.EXT              each picture the scene names, by content (scene_files.hpp)
//
// Every file that a step produces has a record beside it, NAME.done: the job's hash, the
// file's size and SHA-256 and, for a segment, its frame count. The record is written only
// after the file is complete, so a file without a matching record (a step killed halfway,
// a file of another job, a damaged copy) counts as missing and is made again.
#pragma once

#include <stemviz/analysis/feature_file.hpp>
#include <stemviz/job/manifest.hpp>
#include <stemviz/job/plan.hpp>
#include <stemviz/media/codecs.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace stemviz {

std::filesystem::path manifest_path(const std::filesystem::path& job);

std::filesystem::path segments_folder(const std::filesystem::path& job);

// Where chunk `chunk`'s segment lives inside `segment_dir`; its extension is the codec's
// (Matroska for png).
std::filesystem::path segment_path(const std::filesystem::path& segment_dir, const Chunk& chunk, VideoCodec codec);
// Where stem `stem`'s (0-based) layer segment of the chunk lives: layer-NN/ inside it.
std::filesystem::path layer_segment_path(const std::filesystem::path& segment_dir, const Chunk& chunk, int stem,
                                         VideoCodec codec);

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

// Empty when the chunk's segment (and each of its layer segments) in `segments` checks out,
// else why not.
std::string chunk_problem(const std::filesystem::path& segments, const Manifest& m, const Chunk& chunk);

struct ChunkState {
  Chunk chunk;
  int shard = 0;
  std::string problem;  // empty: its segment is complete and checks out
};

// Every chunk of the job and whether its segment is done.
std::vector<ChunkState> chunk_states(const LoadedJob& job);

// Where stem `stem`'s layer video goes in `folder`: NN-NAME.EXT (a folder for png).
std::filesystem::path layer_output_path(const std::filesystem::path& folder, const Manifest& manifest, int stem);

}  // namespace stemviz
