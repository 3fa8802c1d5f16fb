#include <stemviz/job/job_folder.hpp>

#include <stemviz/job/scene_files.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>
#include <stemviz/util/hash.hpp>
#include <stemviz/util/json.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace stemviz {

namespace fs = std::filesystem;

using Json = nlohmann::json;

namespace {

fs::path record_path(const fs::path& file) { return fs::path(file) += ".done"; }

// The files of a job folder that a job of other settings must not find: everything
// stemviz puts there, and nothing else.
void remove_job_files(const fs::path& folder) {
  std::error_code ignored;
  for (const char* name : {"manifest.json", "job.env", "features.svf", "soundtrack.flac", "soundtrack.flac.done"}) {
    fs::remove(folder / name, ignored);
  }
  // audio.EXT (encoded_soundtrack) and its record, whatever the job's codec was.
  std::vector<fs::path> encoded;
  for (const auto& entry : fs::directory_iterator(folder, ignored)) {
    if (entry.path().filename().string().starts_with("audio.")) {
      encoded.push_back(entry.path());
    }
  }
  for (const fs::path& path : encoded) fs::remove(path, ignored);
  fs::remove_all(segments_folder(folder), ignored);
  fs::remove_all(assets_folder(folder), ignored);
}

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

fs::path manifest_path(const fs::path& job) { return job / "manifest.json"; }

fs::path segments_folder(const fs::path& job) { return job / "segments"; }

fs::path segment_path(const fs::path& segment_dir, const Chunk& chunk, VideoCodec codec) {
  const CodecFacts& facts = codec_facts(codec);
  return segment_dir / fmt::format("chunk-{:06}{}", chunk.index, *facts.extension ? facts.extension : ".mkv");
}

fs::path layer_segment_path(const fs::path& segment_dir, const Chunk& chunk, int stem, VideoCodec codec) {
  return segment_path(segment_dir / fmt::format("layer-{:02}", stem + 1), chunk, codec);
}

void record_file(const fs::path& file, const std::string& job_hash, std::int64_t frames) {
  std::error_code error;
  const auto bytes = fs::file_size(file, error);
  if (error) throw Failure(fmt::format("{}: cannot read its size: {}", file.string(), error.message()));
  Json record = {{"job", job_hash}, {"bytes", bytes}, {"sha256", sha256_of_file(file)}};
  if (frames > 0) record["frames"] = frames;
  TempFile temp(temp_path_for(record_path(file)));
  write_file(temp.path(), record.dump() + "\n");
  temp.keep_as(record_path(file));
}

std::string check_file(const fs::path& file, const std::string& job_hash, std::int64_t frames) {
  std::error_code error;
  if (!fs::is_regular_file(file, error)) return "missing";
  if (!fs::is_regular_file(record_path(file), error)) return "unfinished (no record beside it)";
  try {
    const Json record = parse_json_capped<Json>(read_whole(record_path(file)), record_path(file).string());
    if (record.at("job").get<std::string>() != job_hash) return "made for another job";
    if (frames > 0 && record.value("frames", std::int64_t{0}) != frames) return "holds another frame count";
    if (record.at("bytes").get<std::uintmax_t>() != fs::file_size(file, error) || error) {
      return "damaged: its size differs from its record";
    }
    if (record.at("sha256").get<std::string>() != sha256_of_file(file)) {
      return "damaged: its SHA-256 differs from its record";
    }
  } catch (const Json::exception&) {
    return "its record is damaged";
  } catch (const InputError&) {
    return "unreadable";
  }
  return {};
}

LoadedJob load_job(const fs::path& folder) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw InputError(fmt::format("{}: no such job folder; make one with `stemviz plan STEMS -o {}`", folder.string(),
                                 folder.string()));
  }
  const fs::path manifest_file = manifest_path(folder);
  if (!fs::exists(manifest_file, error)) {
    throw InputError(fmt::format("{}: no manifest.json in it; give a folder made by `stemviz plan`", folder.string()));
  }
  LoadedJob job{folder, read_manifest(manifest_file), {}, {}};
  const fs::path features = folder / job.manifest.features_file;
  if (fs::exists(features, error) && !fs::is_regular_file(features, error)) {
    // A pipe would block the read until something writes to it.
    throw InputError(fmt::format("{}: not a regular file; plan the job again", features.string()));
  }
  std::string hash;
  job.rows = std::make_unique<FeatureFileRows>(features, job.features, &hash);
  const Manifest& m = job.manifest;
  if (hash != m.features_hash || job.features.stems.size() != m.stems.size() ||
      !(job.features.timeline.fps == m.plan.timeline.fps) || job.features.timeline.samples != m.plan.timeline.samples) {
    throw InputError(fmt::format("{}: does not belong to {} (another job's features?); plan the job again",
                                 features.string(), manifest_file.string()));
  }
  return job;
}

bool write_job(const fs::path& folder, Manifest& manifest, const FeatureFile& features) {
  std::ostringstream feature_bytes;
  manifest.features_hash = write_feature_file(feature_bytes, features);
  manifest_text(manifest);  // sets the hash

  std::error_code error;
  fs::create_directories(folder, error);
  if (error || !fs::is_directory(folder)) {
    throw InputError(fmt::format("{}: cannot create the job folder: {}", folder.string(),
                                 error ? error.message() : "a file has that name"));
  }
  const fs::path manifest_file = manifest_path(folder);
  bool same_job = false;
  if (fs::exists(manifest_file, error)) {
    try {
      same_job = read_manifest(manifest_file).hash == manifest.hash;
    } catch (const Error&) {
      same_job = false;  // damaged, or of another version: it goes
    }
  }
  if (!same_job) remove_job_files(folder);

  const fs::path features_file = folder / manifest.features_file;
  TempFile temp(temp_path_for(features_file));
  write_file(temp.path(), feature_bytes.str());
  temp.keep_as(features_file);
  fs::create_directories(segments_folder(folder), error);
  if (error) {
    throw Failure(fmt::format("{}: cannot create it: {}", segments_folder(folder).string(), error.message()));
  }
  {
    // For the scripts that submit the job (cloud/), which read it as data (cloud/job-env.sh).
    TempFile env(temp_path_for(folder / "job.env"));
    write_file(env.path(),
               fmt::format("# This stemviz job's facts, read as KEY=value data by "
                           "cloud/job-env.sh\nSTEMVIZ_JOB_HASH={}\nSTEMVIZ_SHARDS={}\n"
                           "STEMVIZ_CHUNKS={}\nSTEMVIZ_FRAMES={}\n",
                           manifest.hash, manifest.shards, manifest.plan.chunks.size(), manifest.plan.frame_count()));
    env.keep_as(folder / "job.env");
  }
  copy_scene_files(folder, manifest.assets);
  // The manifest goes last: a folder with a manifest has everything a worker needs.
  if (!same_job) write_manifest(manifest_file, manifest);
  return same_job;
}

// Empty when the chunk's segment (and each of its layer segments) checks out, else why not.
std::string chunk_problem(const fs::path& segments, const Manifest& m, const Chunk& chunk) {
  std::string problem = check_file(segment_path(segments, chunk, m.video.codec), m.hash, chunk.frame_count);
  for (std::size_t stem = 0; problem.empty() && m.layers && stem < m.stems.size(); ++stem) {
    const fs::path layer = layer_segment_path(segments, chunk, static_cast<int>(stem), m.layers->codec);
    problem = check_file(layer, m.hash, chunk.frame_count);
    if (!problem.empty()) problem = fmt::format("{} (its layer {})", problem, layer.string());
  }
  return problem;
}

std::vector<ChunkState> chunk_states(const LoadedJob& job) {
  const Manifest& m = job.manifest;
  std::vector<ChunkState> states;
  for (std::size_t i = 0; i < m.plan.chunks.size(); ++i) {
    const Chunk& chunk = m.plan.chunks[i];
    states.push_back({chunk, m.shard_of_chunk[i], chunk_problem(segments_folder(job.folder), m, chunk)});
  }
  return states;
}

fs::path layer_output_path(const fs::path& folder, const Manifest& manifest, int stem) {
  const VideoCodec codec = manifest.layers ? manifest.layers->codec : manifest.video.codec;
  return folder / fmt::format("{:02}-{}{}", stem + 1, manifest.stems.at(static_cast<std::size_t>(stem)).name,
                              codec_facts(codec).extension);
}

}  // namespace stemviz
