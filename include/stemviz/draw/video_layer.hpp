// The `video` layer: the frame of a video file showing at the frame's time (its `offset`
// added, wrapped around its length when it loops), fitted to its box like an image. The
// frame shown depends only on the frame's index; each canvas decodes with its own decoder,
// so frames drawn in order cost one decode each and nothing else.
#pragma once

#include <stemviz/draw/cairo.hpp>
#include <stemviz/draw/layer.hpp>
#include <stemviz/util/video_frames.hpp>

#include <memory>

namespace stemviz {

class VideoLayerDrawer final : public PlacedLayer {
 public:
  // `layer` holds a VideoLayer; `source` is its file, checked (it must outlive the drawer).
  VideoLayerDrawer(const LayerDescription& layer, SceneEvaluator& evaluator, const VideoSource& source);
  ~VideoLayerDrawer() override;

  // Where in the video a frame at `song_seconds` is: the offset added, wrapped around the
  // video's length when it loops. Exposed for the tests.
  static double video_time(const VideoLayer& video, double duration, double song_seconds);

 protected:
  bool prepare(const LayerFrame& frame, double box_width, double box_height, double& width, double& height) override;
  void paint(cairo_t* cr, double width, double height) override;
  bool redrawn_every_frame() const override { return true; }
  bool opaque_fill() const override { return source_->opaque && video_.fit != Fit::contain; }

 private:
  VideoLayer video_;
  const VideoSource* source_;
  std::unique_ptr<VideoFrames> frames_;
  const Picture* picture_ = nullptr;  // this frame's, fitted
  CairoSurfacePtr surface_;           // over picture_'s pixels
  const std::uint8_t* surface_pixels_ = nullptr;
};

}  // namespace stemviz
