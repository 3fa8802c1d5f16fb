// Encode stage: one chunk of rendered frames becomes one video-only segment (H.264 or
// HEVC in MP4, ProRes in MOV, VP9 in WebM, FFV1 in Matroska) that starts on a keyframe, so
// segments can later be joined without re-encoding.
#pragma once

#include <stemviz/media/codecs.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace stemviz {

// Encodes frames into `path`. Nothing appears at `path` until commit() succeeds: the
// encoder writes to a temporary name beside it and renames it when complete, and the
// destructor removes an uncommitted temporary file.
class SegmentEncoder {
 public:
  SegmentEncoder(const std::filesystem::path& path, const VideoSettings& settings);
  ~SegmentEncoder();
  SegmentEncoder(const SegmentEncoder&) = delete;
  SegmentEncoder& operator=(const SegmentEncoder&) = delete;

  // Converts one premultiplied ARGB32 picture (Cairo's layout) to the encoder's pixel
  // format (straight alpha where it has one) and encodes it.
  void add_frame(const std::uint8_t* argb, int stride);
  // Flushes the encoder, finishes the file and moves it to its final name.
  void commit();
  std::int64_t frames_written() const;
  // Time spent so far converting pictures to the encoder's format, and encoding and
  // writing them (commit's flush included), for --stats.
  std::chrono::nanoseconds convert_time() const;
  std::chrono::nanoseconds encode_time() const;

 private:
  class Impl;  // the libav and libyuv side
  std::unique_ptr<Impl> impl_;
};

}  // namespace stemviz
