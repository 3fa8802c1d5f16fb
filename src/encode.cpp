#include <stemviz/encode.hpp>

#include <stemviz/error.hpp>

#include <fmt/format.h>
#include <libyuv.h>

extern "C" {
#include <libavutil/opt.h>
}

namespace stemviz {

namespace fs = std::filesystem;

const std::vector<std::string>& x264_presets() {
  static const std::vector<std::string> presets = {"ultrafast", "superfast", "veryfast",
                                                   "faster",    "fast",      "medium",
                                                   "slow",      "slower",    "veryslow"};
  return presets;
}

SegmentEncoder::SegmentEncoder(const fs::path& path, const VideoSettings& settings)
    : path_(path), temp_path_(fs::path(path) += ".tmp") {
  const std::string where = path_.string();
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) {
    throw Failure("this libavcodec has no libx264 encoder; install a build with libx264 "
                  "(Debian's libavcodec59 has it)");
  }
  codec_.reset(avcodec_alloc_context3(codec));
  if (!codec_) throw Failure("out of memory allocating the H.264 encoder");
  codec_->width = settings.width;
  codec_->height = settings.height;
  codec_->pix_fmt = AV_PIX_FMT_YUV420P;
  codec_->time_base = {static_cast<int>(settings.fps.den), static_cast<int>(settings.fps.num)};
  codec_->framerate = {static_cast<int>(settings.fps.num), static_cast<int>(settings.fps.den)};
  // One single-threaded encoder per chunk, chunks in parallel: faster than one threaded
  // encoder, and the bytes of a chunk never depend on the machine's core count.
  codec_->thread_count = 1;
  // libyuv's ARGBToI420 produces BT.601 limited-range YUV from sRGB pixels: say so.
  codec_->color_range = AVCOL_RANGE_MPEG;
  codec_->colorspace = AVCOL_SPC_SMPTE170M;
  codec_->color_primaries = AVCOL_PRI_BT709;
  codec_->color_trc = AVCOL_TRC_IEC61966_2_1;
  check_av(av_opt_set(codec_->priv_data, "preset", settings.preset.c_str(), 0),
           "x264 preset '" + settings.preset + "'");
  check_av(av_opt_set_double(codec_->priv_data, "crf", settings.crf, 0), "x264 crf");

  AVFormatContext* raw_format = nullptr;
  check_av(avformat_alloc_output_context2(&raw_format, nullptr, "mp4", temp_path_.c_str()),
           "cannot set up segment " + where);
  format_.reset(raw_format);
  if (format_->oformat->flags & AVFMT_GLOBALHEADER) codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check_av(avcodec_open2(codec_.get(), codec, nullptr), "cannot open the H.264 encoder for " + where);

  stream_ = avformat_new_stream(format_.get(), nullptr);
  if (stream_ == nullptr) throw Failure("out of memory adding a stream to " + where);
  stream_->time_base = codec_->time_base;
  stream_->avg_frame_rate = codec_->framerate;
  check_av(avcodec_parameters_from_context(stream_->codecpar, codec_.get()),
           "cannot copy encoder settings into " + where);
  check_av(avio_open(&format_->pb, temp_path_.c_str(), AVIO_FLAG_WRITE),
           "cannot write " + temp_path_.string());
  check_av(avformat_write_header(format_.get(), nullptr), "cannot write the header of " + where);

  frame_ = make_frame();
  frame_->format = codec_->pix_fmt;
  frame_->width = codec_->width;
  frame_->height = codec_->height;
  check_av(av_frame_get_buffer(frame_.get(), 0), "out of memory for a video frame");
  packet_ = make_packet();
}

SegmentEncoder::~SegmentEncoder() {
  if (committed_) return;
  format_.reset();  // closes the file before it is removed
  std::error_code ignored;
  fs::remove(temp_path_, ignored);
}

void SegmentEncoder::add_frame(const std::uint8_t* argb, int stride) {
  // The encoder may still hold a reference to the previous frame's buffers.
  check_av(av_frame_make_writable(frame_.get()), "out of memory for a video frame");
  libyuv::ARGBToI420(argb, stride, frame_->data[0], frame_->linesize[0], frame_->data[1],
                     frame_->linesize[1], frame_->data[2], frame_->linesize[2], frame_->width,
                     frame_->height);
  frame_->pts = next_pts_++;
  send(frame_.get());
}

void SegmentEncoder::send(const AVFrame* frame) {
  const std::string where = path_.string();
  check_av(avcodec_send_frame(codec_.get(), frame), "H.264 encoding failed for " + where);
  for (;;) {
    const int result = avcodec_receive_packet(codec_.get(), packet_.get());
    if (result == AVERROR(EAGAIN) || result == AVERROR_EOF) return;
    check_av(result, "H.264 encoding failed for " + where);
    // libavcodec 5.1 leaves libx264's packet durations at 0; the muxer would then give
    // the last frame of every segment no duration and joined segments would lose it.
    if (packet_->duration == 0) packet_->duration = 1;
    av_packet_rescale_ts(packet_.get(), codec_->time_base, stream_->time_base);
    packet_->stream_index = stream_->index;
    check_av(av_interleaved_write_frame(format_.get(), packet_.get()),
             "cannot write " + temp_path_.string());
  }
}

void SegmentEncoder::commit() {
  send(nullptr);
  check_av(av_write_trailer(format_.get()), "cannot finish " + temp_path_.string());
  format_.reset();
  std::error_code error;
  fs::rename(temp_path_, path_, error);
  if (error) throw Failure(fmt::format("cannot rename {} to {}: {}", temp_path_.string(), path_.string(), error.message()));
  committed_ = true;
}

}  // namespace stemviz
