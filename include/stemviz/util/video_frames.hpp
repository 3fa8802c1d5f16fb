// Frames of a video file as the drawing stage sees them: an interface with no libav in it
// (media/video.hpp implements it), so a video layer draws decoded pictures without the
// drawing stage linking libav. Each canvas opens its own decoder: decoding keeps state from
// one call to the next (the frames in order are the cheap case).
#pragma once

#include <stemviz/util/picture.hpp>

#include <functional>
#include <memory>

namespace stemviz {

class VideoFrames {
 public:
  virtual ~VideoFrames() = default;
  // The picture showing `seconds` into the video (its first frame before it, its last one
  // from its end on): the frame with the latest start at or before that time, scaled to
  // `width` x `height` pixels (1..kMaxPictureSide each). The reference stays valid until the
  // next call. The same arguments give the same pixels whatever was asked before. Throws
  // Failure when the file cannot be decoded there.
  virtual const Picture& at(double seconds, int width, int height) = 0;
};

// A checked video file: its facts, and how to open a decoder of it.
struct VideoSource {
  int width = 0, height = 0;  // pixels of its frames (display size)
  double duration = 0.0;      // seconds from its first frame's start to its last frame's end, > 0
  bool opaque = false;        // its pixel format has no alpha: every frame is opaque
  std::function<std::unique_ptr<VideoFrames>()> open;
};

}  // namespace stemviz
