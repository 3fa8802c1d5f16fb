#include <stemviz/job/stitch_job.hpp>

#include <stemviz/job/output_paths.hpp>
#include <stemviz/job/soundtrack_files.hpp>
#include <stemviz/media/stitch.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

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
