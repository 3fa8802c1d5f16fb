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

fs::path layer_segment_path(const fs::path& segment_dir, const Chunk& chunk, int stem, VideoCodec codec) {
  return segment_path(segment_dir / fmt::format("layer-{:02}", stem + 1), chunk, codec);
}

namespace {

// One worker's canvases: the picture, and one per stem when layers are made.
struct WorkerCanvases {
  std::unique_ptr<FrameCanvas> picture;
  std::vector<std::unique_ptr<FrameCanvas>> layers;
};

void render_chunk(const Chunk& chunk, WorkerCanvases& canvases, const VideoSettings& video,
                  const VideoSettings* layers, const fs::path& segment_dir, Progress& progress,
                  const SegmentDone& done) {
  const fs::path path = segment_path(segment_dir, chunk, video.codec);
  SegmentEncoder encoder(path, video);
  std::vector<std::unique_ptr<SegmentEncoder>> layer_encoders;
  for (std::size_t stem = 0; layers != nullptr && stem < canvases.layers.size(); ++stem) {
    layer_encoders.push_back(std::make_unique<SegmentEncoder>(
        layer_segment_path(segment_dir, chunk, static_cast<int>(stem), layers->codec), *layers));
  }
  for (std::int64_t frame = chunk.first_frame; frame < chunk.end_frame(); ++frame) {
    throw_if_cancelled();
    canvases.picture->render(frame);
    encoder.add_frame(canvases.picture->pixels(), canvases.picture->stride());
    for (std::size_t stem = 0; stem < layer_encoders.size(); ++stem) {
      FrameCanvas& layer = *canvases.layers[stem];
      layer.render(frame);
      layer_encoders[stem]->add_frame(layer.pixels(), layer.stride());
    }
    progress.add_frames(1);
  }
  // The picture's segment is committed last: a chunk counts as done once it is there.
  for (std::size_t stem = 0; stem < layer_encoders.size(); ++stem) {
    layer_encoders[stem]->commit();
    if (done) done(chunk, layer_segment_path(segment_dir, chunk, static_cast<int>(stem), layers->codec));
  }
  encoder.commit();
  if (done) done(chunk, path);
  progress.add_chunk();
}

}  // namespace

void render_segments(const std::vector<Chunk>& chunks, const Scene& scene, const VideoSettings& video,
                     const VideoSettings* layers, const fs::path& segment_dir, int threads, Progress& progress,
                     const SegmentDone& done, const std::function<void()>& alongside) {
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  // One set of canvases per worker thread, made on first use and reused for all its chunks.
  tbb::enumerable_thread_specific<WorkerCanvases> canvases;
  const auto render_chunks = [&] {
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, chunks.size(), 1),
        [&](const tbb::blocked_range<std::size_t>& range) {
          WorkerCanvases& mine = canvases.local();
          if (!mine.picture) {
            mine.picture = std::make_unique<FrameCanvas>(scene);
            for (int stem = 0; layers != nullptr && stem < scene.stem_count(); ++stem) {
              mine.layers.push_back(std::make_unique<FrameCanvas>(scene, stem));
            }
          }
          for (std::size_t i = range.begin(); i != range.end(); ++i) {
            render_chunk(chunks[i], mine, video, layers, segment_dir, progress, done);
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
