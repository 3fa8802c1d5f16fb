#include <stemviz/render.hpp>

#include <stemviz/error.hpp>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_group.h>
#include <tbb/task_arena.h>

#include <memory>

namespace stemviz {

namespace fs = std::filesystem;

fs::path segment_path(const fs::path& segment_dir, const Chunk& chunk, VideoCodec codec) {
  const CodecFacts& facts = codec_facts(codec);
  return segment_dir / fmt::format("chunk-{:06}{}", chunk.index, *facts.extension ? facts.extension : ".mkv");
}

namespace {

void render_chunk(const Chunk& chunk, FrameCanvas& canvas, const VideoSettings& video,
                  const fs::path& segment_dir, Progress& progress, const SegmentDone& done) {
  const fs::path path = segment_path(segment_dir, chunk, video.codec);
  SegmentEncoder encoder(path, video);
  for (std::int64_t frame = chunk.first_frame; frame < chunk.end_frame(); ++frame) {
    throw_if_cancelled();
    canvas.render(frame);
    encoder.add_frame(canvas.pixels(), canvas.stride());
    progress.add_frames(1);
  }
  encoder.commit();
  if (done) done(chunk, path);
  progress.add_chunk();
}

}  // namespace

void render_segments(const std::vector<Chunk>& chunks, const Scene& scene, const VideoSettings& video,
                     const fs::path& segment_dir, int threads, Progress& progress, const SegmentDone& done,
                     const std::function<void()>& alongside) {
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  // One canvas per worker thread, made on first use and reused for all its chunks.
  tbb::enumerable_thread_specific<std::unique_ptr<FrameCanvas>> canvases;
  const auto render_chunks = [&] {
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, chunks.size(), 1),
        [&](const tbb::blocked_range<std::size_t>& range) {
          auto& canvas = canvases.local();
          if (!canvas) canvas = std::make_unique<FrameCanvas>(scene);
          for (std::size_t i = range.begin(); i != range.end(); ++i) {
            render_chunk(chunks[i], *canvas, video, segment_dir, progress, done);
          }
        },
        tbb::simple_partitioner());
  };
  arena.execute([&] {
    tbb::task_group side;
    if (alongside) side.run(alongside);
    try {
      render_chunks();
    } catch (...) {
      // The side task must not outlive what it uses: wait for it (it stops early on a
      // cancel request) and report the render's error rather than its own.
      try {
        side.wait();
      } catch (...) {
      }
      throw;
    }
    side.wait();
  });
}

}  // namespace stemviz
