// Render pool: oneTBB workers each take whole chunks, draw their frames with Cairo and
// encode them into one segment per chunk. Chunks are independent, so the output is the
// same for any thread count.
#pragma once

#include <stemviz/job/plan.hpp>
#include <stemviz/media/codecs.hpp>
#include <stemviz/scene/scene.hpp>
#include <stemviz/util/progress.hpp>

#include <filesystem>
#include <functional>
#include <vector>

namespace stemviz {

// Called on the worker that finished a chunk, once its segment is complete at its final path.
using SegmentDone = std::function<void(const Chunk& chunk, const std::filesystem::path& segment)>;

// Renders `chunks` into `segment_dir` with `threads` workers (0 = all cores), calling
// `done` (may be empty) for each finished segment. With `layers` (may be null) each chunk
// also gets one segment per stem in those settings: that stem's object alone on a
// transparent background (layer_segment_path), committed before the picture's segment. `alongside` (may be empty) runs
// on one of the same workers while the chunks render, so work such as the soundtrack adds no time of its own after the
// render and --threads still bounds the cores used. Stops with Interrupted on a cancel request; a segment that was not
// finished leaves no file behind.
void run_render_pool(const std::vector<Chunk>& chunks, const Scene& scene, const VideoSettings& video,
                     const VideoSettings* layers, const std::filesystem::path& segment_dir, int threads,
                     Progress& progress, const SegmentDone& done, const std::function<void()>& alongside);

}  // namespace stemviz
