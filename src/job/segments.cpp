#include <stemviz/job/segments.hpp>

#include <stemviz/draw/canvas.hpp>
#include <stemviz/job/render_pool.hpp>
#include <stemviz/job/scene_files.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>

#include <string>

namespace stemviz {

namespace fs = std::filesystem;

ShardResult make_segments(const LoadedJob& job, const std::vector<Chunk>& chunks, int threads, Progress& progress,
                          const std::function<void()>& alongside) {
  const Manifest& m = job.manifest;
  const fs::path segments = segments_folder(job.folder);
  // A job folder copied without its segments (as the cloud recipes do) has none yet.
  std::vector<fs::path> folders = {segments};
  for (std::size_t stem = 0; m.layers && stem < m.stems.size(); ++stem) {
    folders.push_back(layer_segment_path(segments, {}, static_cast<int>(stem), m.layers->codec).parent_path());
  }
  std::size_t leftovers = 0;
  for (const fs::path& folder : folders) {
    std::error_code error;
    fs::create_directories(folder, error);
    if (error) throw Failure(fmt::format("cannot create {}: {}", folder.string(), error.message()));
    leftovers += remove_dead_leftovers_in(folder).size();
  }
  if (leftovers > 0) {
    progress.note(fmt::format("removed {} unfinished segment file{} left by a run that was killed", leftovers,
                              leftovers == 1 ? "" : "s"));
  }
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
  const Scene scene(m.scene, m.stem_names(), *job.rows, m.plan.timeline, m.video.width, m.video.height,
                    load_scene_files(job.folder, m));
  progress.stage("render");
  progress.set_total(result.frames_rendered);
  progress.set_chunks(result.chunks_rendered);
  progress.start();
  run_render_pool(
      missing, scene, m.video, m.layers ? &*m.layers : nullptr, segments, threads, progress,
      [&](const Chunk& chunk, const fs::path& path) { record_file(path, m.hash, chunk.frame_count); }, alongside);
  progress.stop();
  return result;
}

}  // namespace stemviz
