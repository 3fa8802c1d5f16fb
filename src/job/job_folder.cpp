#include <stemviz/job/job_folder.hpp>

#include <stemviz/util/bundled.hpp>
#include <stemviz/media/encode.hpp>
#include <stemviz/media/soundtrack.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>
#include <stemviz/util/hash.hpp>
#include <stemviz/job/render_pool.hpp>
#include <stemviz/draw/canvas.hpp>
#include <stemviz/media/stitch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace stemviz {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

// The muxer and extension of the soundtrack in the output's audio codec: the output's
// container, or for an image sequence a file of its own.
std::pair<const char*, const char*> audio_container(const Manifest& m) {
  const CodecFacts& facts = codec_facts(m.video.codec);
  if (*facts.extension != '\0') return {facts.container, facts.extension};
  return m.audio.codec == AudioCodec::pcm ? std::pair{"wav", ".wav"} : std::pair{"flac", ".flac"};
}

// The soundtrack encoded for the output, made once by the stitch.
fs::path encoded_soundtrack(const fs::path& folder, const Manifest& m) {
  return folder / (std::string("audio") + audio_container(m).second);
}

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
}

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// "3, 5-9, 12" for sorted chunk indices.
std::string ranges(const std::vector<int>& indices) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < indices.size();) {
    std::size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    parts.push_back(j == i ? std::to_string(indices[i]) : fmt::format("{}-{}", indices[i], indices[j]));
    i = j + 1;
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

fs::path manifest_path(const fs::path& job) { return job / "manifest.json"; }
fs::path segments_folder(const fs::path& job) { return job / "segments"; }

void record_file(const fs::path& file, const std::string& job_hash, std::int64_t frames) {
  std::error_code error;
  const auto bytes = fs::file_size(file, error);
  if (error) throw Failure(fmt::format("{}: cannot read its size: {}", file.string(), error.message()));
  Json record = {{"job", job_hash}, {"bytes", bytes}, {"sha256", sha256_of_file(file)}};
  if (frames > 0) record["frames"] = frames;
  TempFile temp(fs::path(record_path(file)) += ".tmp");
  write_file(temp.path(), record.dump() + "\n");
  temp.keep_as(record_path(file));
}

std::string check_file(const fs::path& file, const std::string& job_hash, std::int64_t frames) {
  std::error_code error;
  if (!fs::is_regular_file(file, error)) return "missing";
  if (!fs::is_regular_file(record_path(file), error)) return "unfinished (no record beside it)";
  try {
    const Json record = Json::parse(read_whole(record_path(file)));
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
  TempFile temp(fs::path(features_file) += ".tmp");
  write_file(temp.path(), feature_bytes.str());
  temp.keep_as(features_file);
  fs::create_directories(segments_folder(folder), error);
  if (error) {
    throw Failure(fmt::format("{}: cannot create it: {}", segments_folder(folder).string(), error.message()));
  }
  {
    // For the scripts that submit the job (cloud/): `. JOB/job.env` gives its shard count.
    TempFile env(folder / "job.env.tmp");
    write_file(env.path(),
               fmt::format("# This stemviz job, for shell scripts: . job.env\nSTEMVIZ_JOB_HASH={}\nSTEMVIZ_SHARDS={}\n"
                           "STEMVIZ_CHUNKS={}\nSTEMVIZ_FRAMES={}\n",
                           manifest.hash, manifest.shards, manifest.plan.chunks.size(), manifest.plan.frame_count()));
    env.keep_as(folder / "job.env");
  }
  // The manifest goes last: a folder with a manifest has everything a worker needs.
  if (!same_job) write_manifest(manifest_file, manifest);
  return same_job;
}

namespace {

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

}  // namespace

std::vector<ChunkState> chunk_states(const LoadedJob& job) {
  const Manifest& m = job.manifest;
  std::vector<ChunkState> states;
  for (std::size_t i = 0; i < m.plan.chunks.size(); ++i) {
    const Chunk& chunk = m.plan.chunks[i];
    states.push_back({chunk, m.shard_of_chunk[i], chunk_problem(segments_folder(job.folder), m, chunk)});
  }
  return states;
}

ShardResult render_chunks(const LoadedJob& job, const std::vector<Chunk>& chunks, int threads, Progress& progress,
                          const std::function<void()>& alongside) {
  const Manifest& m = job.manifest;
  const fs::path segments = segments_folder(job.folder);
  // A job folder copied without its segments (as the cloud recipes do) has none yet.
  std::error_code error;
  fs::create_directories(segments, error);
  for (std::size_t stem = 0; !error && m.layers && stem < m.stems.size(); ++stem) {
    fs::create_directories(layer_segment_path(segments, {}, static_cast<int>(stem), m.layers->codec).parent_path(),
                           error);
  }
  if (error) throw Failure(fmt::format("cannot create {}: {}", segments.string(), error.message()));
  ShardResult result;
  result.chunks = static_cast<std::int64_t>(chunks.size());
  std::vector<Chunk> missing;
  for (const Chunk& chunk : chunks) {
    if (!chunk_problem(segments, m, chunk).empty()) {
      missing.push_back(chunk);
      result.frames_rendered += chunk.frame_count;
    }
  }
  result.chunks_rendered = static_cast<std::int64_t>(missing.size());
  if (missing.size() < chunks.size()) {
    progress.note(fmt::format("{} of {} chunks already done", chunks.size() - missing.size(), chunks.size()));
  }
  std::vector<std::string> names;
  for (const FeatureFileStem& stem : m.stems) names.push_back(stem.name);
  const Scene scene(m.scene, names, *job.rows, m.plan.timeline, m.video.width, m.video.height);
  progress.stage("render");
  progress.set_total(result.frames_rendered);
  progress.set_chunks(result.chunks_rendered);
  progress.start();
  render_segments(
      missing, scene, m.video, m.layers ? &*m.layers : nullptr, segments, threads, progress,
      [&](const Chunk& chunk, const fs::path& path) { record_file(path, m.hash, chunk.frame_count); }, alongside);
  progress.stop();
  return result;
}

void write_soundtrack(const fs::path& folder, const Manifest& manifest, const std::vector<StemInfo>& stems, float gain,
                      const StemInfo* given_mix) {
  if (manifest.audio.codec == AudioCodec::none) return;
  const fs::path master = folder / manifest.soundtrack_file;
  if (check_file(master, manifest.hash).empty()) return;
  if (given_mix != nullptr) {
    const Timeline own{manifest.plan.timeline.fps, given_mix->sample_rate, given_mix->samples};
    const std::int64_t first = own.first_sample(manifest.plan.first_frame);
    copy_soundtrack_master(*given_mix, first, first + manifest.audio.samples, master);
  } else {
    const Plan& plan = manifest.plan;
    write_soundtrack_master(stems, gain, plan.timeline.sample_rate, plan.first_sample(), plan.end_sample(), master);
  }
  record_file(master, manifest.hash);
}

const std::vector<std::string>& recipe_names() {
  static const std::vector<std::string> names = {"slurm", "aws-batch", "k8s"};
  return names;
}

namespace {

// The job folder's own name ("song" for jobs/song/).
std::string folder_name(const fs::path& folder) {
  fs::path normal = fs::absolute(folder).lexically_normal();
  if (!normal.has_filename()) normal = normal.parent_path();
  return normal.filename().string();
}

// The job folder's name as Kubernetes object names allow it, as cloud/k8s/submit.sh makes it.
std::string kubernetes_name(const fs::path& folder) {
  std::string name = folder_name(folder);
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) c = '-';
  }
  return name;
}

std::string from_environment(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

fs::path emit_recipe(const fs::path& folder, const Manifest& manifest, const std::string& scheduler) {
  const std::string prefix = "cloud/" + scheduler + "/";
  const fs::path out = folder / scheduler;
  std::error_code error;
  fs::create_directories(out, error);
  if (error) throw Failure(fmt::format("cannot create {}: {}", out.string(), error.message()));
  const std::vector<std::pair<std::string, std::string>> values = {
      {"STEMVIZ_FOLDER", folder_name(folder)},
      {"STEMVIZ_NAME", kubernetes_name(folder)},
      {"STEMVIZ_SHARDS", std::to_string(manifest.shards)},
      {"STEMVIZ_PARALLELISM", from_environment("STEMVIZ_PARALLELISM", std::to_string(manifest.shards).c_str())},
      {"STEMVIZ_IMAGE", from_environment("STEMVIZ_IMAGE", "stemviz-worker:latest")},
      {"STEMVIZ_CLAIM", from_environment("STEMVIZ_CLAIM", "stemviz-work")},
      {"STEMVIZ_CPUS", from_environment("STEMVIZ_CPUS", "16")},
  };
  for (const BundledFile& file : bundled_files()) {
    if (!file.path.starts_with(prefix)) continue;
    const std::string name(file.path.substr(prefix.size()));
    // The Dockerfile builds from the source tree, so it stays there.
    if (name.find('/') != std::string::npos || name == "Dockerfile") continue;
    std::string text(file.text);
    if (name.ends_with(".yaml")) {
      for (const auto& [key, value] : values) {
        const std::string placeholder = "${" + key + "}";
        for (std::size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at)) {
          text.replace(at, placeholder.size(), value);
          at += value.size();
        }
      }
    }
    TempFile temp(out / (name + ".tmp"));
    write_file(temp.path(), text);
    if (name.ends_with(".sh") || name.ends_with(".sbatch")) {
      fs::permissions(temp.path(), fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                      fs::perm_options::add, error);
    }
    temp.keep_as(out / name);
  }
  return out;
}

void prepare_soundtrack(const LoadedJob& job) {
  const Manifest& m = job.manifest;
  if (m.audio.codec == AudioCodec::none) return;
  const fs::path encoded = encoded_soundtrack(job.folder, m);
  if (check_file(encoded, m.hash).empty()) return;
  const fs::path master = job.folder / m.soundtrack_file;
  const std::string problem = check_file(master, m.hash);
  if (!problem.empty()) {
    throw InputError(fmt::format("{}: {}; plan the job again", master.string(), problem));
  }
  encode_soundtrack(master, m.audio.sample_rate, m.audio.samples, encoded, m.audio.codec, audio_container(m).first,
                    m.audio.bit_rate);
  record_file(encoded, m.hash);
}

fs::path layer_output_path(const fs::path& folder, const Manifest& manifest, int stem) {
  const VideoCodec codec = manifest.layers ? manifest.layers->codec : manifest.video.codec;
  return folder / fmt::format("{:02}-{}{}", stem + 1, manifest.stems.at(static_cast<std::size_t>(stem)).name,
                              codec_facts(codec).extension);
}

void remove_leftovers_beside(const fs::path& output, Progress& progress) {
  for (const std::string& name : remove_dead_leftovers(output)) {
    progress.note(fmt::format("removed {}, left by a run that was killed", name));
  }
}

std::int64_t stitch_job(const LoadedJob& job, const fs::path& requested_output, const fs::path& layers_dir,
                        Progress& progress) {
  // "frames/" names the folder "frames".
  const fs::path output = requested_output.has_filename() ? requested_output : requested_output.parent_path();
  const Manifest& m = job.manifest;
  std::map<int, std::vector<int>> missing_by_shard;
  std::string first_problem;
  std::size_t missing = 0;
  for (const ChunkState& state : chunk_states(job)) {
    if (state.problem.empty()) continue;
    if (first_problem.empty()) {
      first_problem = fmt::format(
          "{} is {}", segment_path(segments_folder(job.folder), state.chunk, m.video.codec).string(), state.problem);
    }
    missing_by_shard[state.shard].push_back(state.chunk.index);
    ++missing;
  }
  if (missing > 0) {
    std::vector<std::string> parts, shards;
    for (const auto& [shard, chunks] : missing_by_shard) {
      parts.push_back(fmt::format("shard {} (chunk{} {})", shard, chunks.size() == 1 ? "" : "s", ranges(chunks)));
      shards.push_back(std::to_string(shard));
    }
    throw InputError(
        fmt::format("{}: {} of {} chunks are not done: {} ({}); run `stemviz shard {} --index K` "
                    "for shard{} {}, then stitch again",
                    job.folder.string(), missing, m.plan.chunks.size(), fmt::join(parts, ", "), first_problem,
                    job.folder.string(), shards.size() == 1 ? "" : "s", fmt::join(shards, ", ")));
  }
  progress.stage("stitch");
  remove_leftovers_beside(output, progress);
  progress.note("joining segments and soundtrack");
  prepare_soundtrack(job);
  std::vector<SegmentFile> segments;
  for (const Chunk& chunk : m.plan.chunks) {
    segments.push_back({segment_path(segments_folder(job.folder), chunk, m.video.codec), chunk.frame_count});
  }
  TempFile unfinished(temp_path_for(output));
  const bool audio = m.audio.codec != AudioCodec::none;
  const fs::path soundtrack = audio ? encoded_soundtrack(job.folder, m) : fs::path();
  if (m.video.codec == VideoCodec::png) {
    write_image_sequence(segments, m.plan.timeline.fps, soundtrack, unfinished.path());
    // -y replaces an earlier sequence (the output checks vouched that it is one).
    std::error_code ignored;
    fs::remove_all(output, ignored);
  } else {
    stitch(segments, m.plan.timeline.fps, soundtrack, unfinished.path(), {m.video.codec, m.title});
    check_output(m.plan.frame_count(), m.plan.timeline.fps, unfinished.path(), audio);
  }
  unfinished.keep_as(output);
  if (layers_dir.empty() || !m.layers) return m.plan.frame_count();
  std::error_code error;
  fs::create_directories(layers_dir, error);
  if (error) throw Failure(fmt::format("cannot create {}: {}", layers_dir.string(), error.message()));
  for (int stem = 0; stem < static_cast<int>(m.stems.size()); ++stem) {
    progress.note(fmt::format("joining the layer of {}", m.stems[static_cast<std::size_t>(stem)].name));
    std::vector<SegmentFile> layer_segments;
    for (const Chunk& chunk : m.plan.chunks) {
      layer_segments.push_back(
          {layer_segment_path(segments_folder(job.folder), chunk, stem, m.layers->codec), chunk.frame_count});
    }
    const fs::path target = layer_output_path(layers_dir, m, stem);
    TempFile layer(temp_path_for(target));
    if (m.layers->codec == VideoCodec::png) {
      write_image_sequence(layer_segments, m.plan.timeline.fps, {}, layer.path());
    } else {
      stitch(layer_segments, m.plan.timeline.fps, {}, layer.path(),
             {m.layers->codec, fmt::format("{} - {}", m.title, m.stems[static_cast<std::size_t>(stem)].name)});
      check_output(m.plan.frame_count(), m.plan.timeline.fps, layer.path(), false);
    }
    fs::remove_all(target, error);
    layer.keep_as(target);
  }
  return m.plan.frame_count();
}

}  // namespace stemviz
