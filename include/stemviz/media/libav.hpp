// Ownership of libav handles and the one place where libav error codes become messages.
// Every handle is a unique_ptr whose deleter calls libav's free-through-pointer function.
//
// Header-only, so that the audio stage (libswresample now, the decoders later) and the
// media stage share it while each links libav itself: neither stage links the other for it.
#pragma once

#include <stemviz/util/error.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

namespace stemviz {

struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct CodecParametersDeleter {
  void operator()(AVCodecParameters* p) const { avcodec_parameters_free(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
// Closes the file of an output context (if it opened one) and frees the context.
struct OutputFormatDeleter {
  void operator()(AVFormatContext* f) const {
    if (f == nullptr) return;
    if (f->oformat != nullptr && !(f->oformat->flags & AVFMT_NOFILE)) avio_closep(&f->pb);
    avformat_free_context(f);
  }
};
struct InputFormatDeleter {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
struct SwsContextDeleter {
  void operator()(SwsContext* c) const { sws_freeContext(c); }
};
struct SwrContextDeleter {
  void operator()(SwrContext* c) const { swr_free(&c); }
};
struct AudioFifoDeleter {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};

using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatDeleter>;
using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatDeleter>;
using SwsContextPtr = std::unique_ptr<SwsContext, SwsContextDeleter>;
using SwrContextPtr = std::unique_ptr<SwrContext, SwrContextDeleter>;
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AudioFifoDeleter>;

// libav's text for an AVERROR code.
inline std::string av_error_text(int averror) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(averror, text, sizeof text);
  return text;
}

// Throws Failure("<what>: <libav's reason>") when `result` is negative; returns it otherwise.
// `what` says what was being done and to which file or codec.
inline int check_av(int result, std::string_view what) {
  if (result < 0) throw Failure(std::string(what) + ": " + av_error_text(result));
  return result;
}

[[nodiscard]] inline FramePtr make_frame() {
  FramePtr frame(av_frame_alloc());
  if (!frame) throw Failure("out of memory allocating a video frame");
  return frame;
}

[[nodiscard]] inline PacketPtr make_packet() {
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw Failure("out of memory allocating a packet");
  return packet;
}

// The containers stemviz writes (segments, soundtracks, outputs), the only demuxers it uses
// to read them back: a job folder's "segment" that is an HLS playlist, a concat list or an
// image pattern, which libav would follow to other files, is refused instead.
inline constexpr const char* kOwnContainers = "mov,matroska,webm,flac,wav";

// Opens `path` with the demuxers in `formats` (comma-separated names) and the `file`
// protocol only; null, with libav's error code in `error`, when it cannot.
[[nodiscard]] inline InputFormatPtr open_restricted(const std::string& path, const char* formats, int& error) {
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) throw Failure("out of memory opening " + path);
  raw->format_whitelist = av_strdup(formats);
  raw->protocol_whitelist = av_strdup("file");
  // On failure avformat_open_input frees the context itself.
  error = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  return InputFormatPtr(error < 0 ? nullptr : raw);
}

// Opens `path` for reading as open_restricted() does and reads its stream info. Throws
// Failure naming the file when it cannot be opened, InputError when it is there but not a
// file of those formats.
[[nodiscard]] inline InputFormatPtr open_input(const std::string& path, const char* formats = kOwnContainers) {
  int opened = 0;
  InputFormatPtr input = open_restricted(path, formats, opened);
  if (!input) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) check_av(opened, "cannot open " + path);
    throw InputError(path + ": not a file as stemviz writes them (" + formats + "): " + av_error_text(opened) +
                     "; delete it and make it again");
  }
  check_av(avformat_find_stream_info(input.get(), nullptr), "cannot read streams of " + path);
  return input;
}

}  // namespace stemviz
