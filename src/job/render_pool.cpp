#include <stemviz/job/render_pool.hpp>

#include <stemviz/draw/canvas.hpp>
#include <stemviz/job/job_folder.hpp>
#include <stemviz/media/encode.hpp>

#include <stemviz/util/error.hpp>

#include <fmt/format.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

// oneTBB starts and joins its tasks with atomics inside libtbb, which ThreadSanitizer
// cannot see (the library is not instrumented). happens_before(x) in one thread and a later
// happens_after(x) in another tell it that the first thread's work so far happens before
// the second's from there on: spawning before a task's start, a task before the wait for
// it. In other builds they are nothing.
#if defined(__SANITIZE_THREAD__)
#define STEMVIZ_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STEMVIZ_TSAN 1
#endif
#endif
#ifdef STEMVIZ_TSAN
extern "C" void __tsan_acquire(void* address);
extern "C" void __tsan_release(void* address);
void happens_before(void* point) { __tsan_release(point); }
void happens_after(void* point) { __tsan_acquire(point); }
#else
void happens_before(void*) {}
void happens_after(void*) {}
#endif

// One worker's canvases: the picture, and one per stem when layers are made.
struct WorkerCanvases {
  std::unique_ptr<FrameCanvas> picture;
  std::vector<std::unique_ptr<FrameCanvas>> layers;
};

void render_chunk(const Chunk& chunk, WorkerCanvases& canvases, const VideoSettings& video, const VideoSettings* layers,
                  const fs::path& segment_dir, Progress& progress, const SegmentDone& done) {
  const fs::path path = segment_path(segment_dir, chunk, video.codec);
  SegmentEncoder encoder(path, video);
  std::vector<std::unique_ptr<SegmentEncoder>> layer_encoders;
  for (std::size_t stem = 0; layers != nullptr && stem < canvases.layers.size(); ++stem) {
    layer_encoders.push_back(std::make_unique<SegmentEncoder>(
        layer_segment_path(segment_dir, chunk, static_cast<int>(stem), layers->codec), *layers));
  }
  std::chrono::nanoseconds drawing{0};
  const auto draw = [&](FrameCanvas& canvas, std::int64_t frame) {
    const auto started = std::chrono::steady_clock::now();
    canvas.draw(frame);
    drawing += std::chrono::steady_clock::now() - started;
  };
  for (std::int64_t frame = chunk.first_frame; frame < chunk.end_frame(); ++frame) {
    throw_if_cancelled();
    draw(*canvases.picture, frame);
    encoder.add_frame(canvases.picture->pixels(), canvases.picture->stride());
    for (std::size_t stem = 0; stem < layer_encoders.size(); ++stem) {
      FrameCanvas& layer = *canvases.layers[stem];
      draw(layer, frame);
      layer_encoders[stem]->add_frame(layer.pixels(), layer.stride());
    }
    progress.add_frames(1);
  }
  // The picture's segment is committed last: a chunk counts as done once it is there.
  for (std::size_t stem = 0; stem < layer_encoders.size(); ++stem) {
    layer_encoders[stem]->commit();
    progress.add_work(Work::convert, layer_encoders[stem]->convert_time());
    progress.add_work(Work::encode, layer_encoders[stem]->encode_time());
    if (done) done(chunk, layer_segment_path(segment_dir, chunk, static_cast<int>(stem), layers->codec));
  }
  encoder.commit();
  progress.add_work(Work::draw, drawing);
  progress.add_work(Work::convert, encoder.convert_time());
  progress.add_work(Work::encode, encoder.encode_time());
  if (done) done(chunk, path);
  progress.add_chunk();
}

}  // namespace

void run_render_pool(const std::vector<Chunk>& chunks, const Scene& scene, const VideoSettings& video,
                     const VideoSettings* layers, const fs::path& segment_dir, int threads, Progress& progress,
                     const SegmentDone& done, const std::function<void()>& alongside) {
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  // One task per worker, each with its own canvases, takes the next chunk in song order
  // until none is left: a worker that finishes early takes more, and chunks finish
  // roughly in order, so the last ones do not wait behind an early one.
  const auto render_all = [&] {
    const auto workers = std::min<std::size_t>(static_cast<std::size_t>(arena.max_concurrency()), chunks.size());
    std::atomic<std::size_t> next_chunk{0};
    std::atomic<bool> stop{false};  // a worker failed: the others take no new chunk
    tbb::task_group pool;
    happens_before(&next_chunk);
    for (std::size_t w = 0; w < workers; ++w) {
      pool.run([&] {
        happens_after(&next_chunk);
        try {
          WorkerCanvases mine;
          mine.picture = std::make_unique<FrameCanvas>(scene);
          for (int stem = 0; layers != nullptr && stem < scene.stem_count(); ++stem) {
            mine.layers.push_back(std::make_unique<FrameCanvas>(scene, stem));
          }
          for (std::size_t i = next_chunk++; i < chunks.size() && !stop; i = next_chunk++) {
            render_chunk(chunks[i], mine, video, layers, segment_dir, progress, done);
          }
        } catch (...) {
          stop = true;
          throw;
        }
        happens_before(&next_chunk);
      });
    }
    pool.wait();
    happens_after(&next_chunk);
  };
  arena.execute([&] {
    tbb::task_group side;
    if (alongside) {
      side.run([&] {
        alongside();
        happens_before(&side);
      });
    }
    try {
      render_all();
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
    happens_after(&side);
  });
}

}  // namespace stemviz
