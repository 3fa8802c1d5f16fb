// Ownership of libav handles and the one place where libav error codes become messages.
// Every handle is a unique_ptr whose deleter calls libav's free-through-pointer function.
#pragma once

#include <memory>
#include <string_view>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
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
  void operator()(AVFormatContext* f) const;
};
struct InputFormatDeleter {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};

struct SwsContextDeleter {
  void operator()(SwsContext* c) const { sws_freeContext(c); }
};

using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatDeleter>;
using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatDeleter>;
using SwsContextPtr = std::unique_ptr<SwsContext, SwsContextDeleter>;

[[nodiscard]] FramePtr make_frame();
[[nodiscard]] PacketPtr make_packet();
// Opens `path` for reading and reads its stream info; throws Failure naming the file.
[[nodiscard]] InputFormatPtr open_input(const std::string& path);

// libav's text for an AVERROR code.
std::string av_error_text(int averror);

// Throws Failure("<what>: <libav's reason>") when `result` is negative; returns it otherwise.
// `what` says what was being done and to which file or codec.
int check_av(int result, std::string_view what);

}  // namespace stemviz
