#include <stemviz/media/encode.hpp>

#include <stemviz/media/libav.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>
#include <libyuv.h>

extern "C" {
#include <libavutil/opt.h>
}

#include <chrono>
#include <vector>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

// The pixel format each codec is fed.
AVPixelFormat pixel_format(const VideoSettings& settings) {
  switch (settings.codec) {
    case VideoCodec::h264:
    case VideoCodec::hevc: return AV_PIX_FMT_YUV420P;
    case VideoCodec::prores: return settings.alpha ? AV_PIX_FMT_YUVA444P10LE : AV_PIX_FMT_YUV422P10LE;
    case VideoCodec::vp9: return settings.alpha ? AV_PIX_FMT_YUVA420P : AV_PIX_FMT_YUV420P;
    case VideoCodec::ffv1: return settings.alpha ? AV_PIX_FMT_BGRA : AV_PIX_FMT_BGR0;
    case VideoCodec::png: return settings.alpha ? AV_PIX_FMT_RGBA : AV_PIX_FMT_RGB24;
  }
  return AV_PIX_FMT_YUV420P;
}

// Each codec's own options. Every encoder runs on one thread: chunks run in parallel,
// and a chunk's bytes never depend on the machine's core count.
void set_codec_options(AVCodecContext* codec, const VideoSettings& settings) {
  const auto set = [&](const char* key, const std::string& value) {
    check_av(av_opt_set(codec->priv_data, key, value.c_str(), 0),
             fmt::format("{} option {}={}", codec_facts(settings.codec).encoder, key, value));
  };
  switch (settings.codec) {
    case VideoCodec::h264:
      set("preset", settings.preset);
      set("crf", std::to_string(settings.crf));
      break;
    case VideoCodec::hevc:
      set("preset", settings.preset);
      set("crf", std::to_string(settings.crf));
      // x265 starts a thread pool and frame threads of its own unless told not to.
      set("x265-params", "log-level=error:pools=none:frame-threads=1");
      break;
    case VideoCodec::prores:
      set("profile", settings.profile);
      set("vendor", "apl0");  // what editors expect in the file
      break;
    case VideoCodec::vp9:
      codec->bit_rate = 0;  // constant quality: crf alone decides
      set("crf", std::to_string(settings.crf));
      set("deadline", settings.speed >= 6 ? "realtime" : "good");
      set("cpu-used", std::to_string(settings.speed));
      set("row-mt", "0");
      break;
    case VideoCodec::ffv1:
      codec->level = 3;
      set("slicecrc", "1");
      break;
    case VideoCodec::png: break;
  }
}

}  // namespace

class SegmentEncoder::Impl {
 public:
  Impl(const fs::path& path, const VideoSettings& settings);
  void add_frame(const std::uint8_t* argb, int stride);
  void commit();

  std::int64_t next_pts_ = 0;
  std::chrono::nanoseconds convert_time_{0}, encode_time_{0};

 private:
  void send(const AVFrame* frame);

  fs::path path_;
  TempFile temp_;  // declared before format_, so the file is closed before removal
  CodecContextPtr codec_;
  OutputFormatPtr format_;
  AVStream* stream_ = nullptr;
  FramePtr frame_;
  PacketPtr packet_;
  SwsContextPtr convert_;               // for formats libyuv does not write
  std::vector<std::uint8_t> straight_;  // the picture with alpha unpremultiplied
};

SegmentEncoder::Impl::Impl(const fs::path& path, const VideoSettings& settings)
    : path_(path), temp_(temp_path_for(path)) {
  const std::string where = path_.string();
  const CodecFacts& facts = codec_facts(settings.codec);
  if (settings.alpha && !facts.alpha) {
    throw UsageError(
        fmt::format("{} has no alpha channel; use --codec prores, vp9, ffv1 or png for a "
                    "transparent picture",
                    facts.name));
  }
  const AVCodec* codec = avcodec_find_encoder_by_name(facts.encoder);
  if (codec == nullptr) {
    throw Failure(
        fmt::format("this libavcodec has no {} encoder; install a build with it (Debian's "
                    "libavcodec59 has it)",
                    facts.encoder));
  }
  codec_.reset(avcodec_alloc_context3(codec));
  if (!codec_) throw Failure(fmt::format("out of memory allocating the {} encoder", facts.encoder));
  codec_->width = settings.width;
  codec_->height = settings.height;
  codec_->pix_fmt = pixel_format(settings);
  codec_->time_base = {static_cast<int>(settings.fps.den), static_cast<int>(settings.fps.num)};
  codec_->framerate = {static_cast<int>(settings.fps.num), static_cast<int>(settings.fps.den)};
  codec_->thread_count = 1;
  if (settings.codec == VideoCodec::ffv1 || settings.codec == VideoCodec::png) {
    codec_->colorspace = AVCOL_SPC_RGB;
    codec_->color_range = AVCOL_RANGE_JPEG;
  } else {
    // libyuv's ARGBToI420 and swscale as set up below make BT.601 limited-range YUV from
    // sRGB pixels: say so.
    codec_->color_range = AVCOL_RANGE_MPEG;
    codec_->colorspace = AVCOL_SPC_SMPTE170M;
  }
  codec_->color_primaries = AVCOL_PRI_BT709;
  codec_->color_trc = AVCOL_TRC_IEC61966_2_1;
  set_codec_options(codec_.get(), settings);

  AVFormatContext* raw_format = nullptr;
  check_av(avformat_alloc_output_context2(&raw_format, nullptr, facts.container, temp_.path().c_str()),
           "cannot set up segment " + where);
  format_.reset(raw_format);
  if (format_->oformat->flags & AVFMT_GLOBALHEADER) codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check_av(avcodec_open2(codec_.get(), codec, nullptr),
           fmt::format("cannot open the {} encoder for {}", facts.encoder, where));

  stream_ = avformat_new_stream(format_.get(), nullptr);
  if (stream_ == nullptr) throw Failure("out of memory adding a stream to " + where);
  stream_->time_base = codec_->time_base;
  stream_->avg_frame_rate = codec_->framerate;
  check_av(avcodec_parameters_from_context(stream_->codecpar, codec_.get()),
           "cannot copy encoder settings into " + where);
  // Players look for this tag before they decode VP9's alpha.
  if (settings.alpha && settings.codec == VideoCodec::vp9) av_dict_set(&stream_->metadata, "alpha_mode", "1", 0);
  check_av(avio_open(&format_->pb, temp_.path().c_str(), AVIO_FLAG_WRITE), "cannot write " + temp_.path().string());
  check_av(avformat_write_header(format_.get(), nullptr), "cannot write the header of " + where);

  frame_ = make_frame();
  frame_->format = codec_->pix_fmt;
  frame_->width = codec_->width;
  frame_->height = codec_->height;
  check_av(av_frame_get_buffer(frame_.get(), 0), "out of memory for a video frame");
  packet_ = make_packet();
  if (settings.alpha) straight_.resize(static_cast<std::size_t>(4 * settings.width) * settings.height);
  if (settings.codec == VideoCodec::prores) {
    convert_.reset(sws_getContext(settings.width, settings.height, AV_PIX_FMT_BGRA, settings.width, settings.height,
                                  codec_->pix_fmt, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr,
                                  nullptr, nullptr));
    if (!convert_) throw Failure("swscale cannot convert BGRA to the ProRes pixel format");
    const int* bt601 = sws_getCoefficients(SWS_CS_ITU601);
    sws_setColorspaceDetails(convert_.get(), bt601, 1, bt601, 0, 0, 1 << 16, 1 << 16);
  }
}

void SegmentEncoder::Impl::add_frame(const std::uint8_t* argb, int stride) {
  const auto started = std::chrono::steady_clock::now();
  // The encoder may still hold a reference to the previous frame's buffers.
  check_av(av_frame_make_writable(frame_.get()), "out of memory for a video frame");
  const int width = frame_->width, height = frame_->height;
  // Cairo premultiplies colour by alpha; video formats with alpha store them apart.
  const std::uint8_t* pixels = argb;
  int pixels_stride = stride;
  if (!straight_.empty()) {
    libyuv::ARGBUnattenuate(argb, stride, straight_.data(), 4 * width, width, height);
    pixels = straight_.data();
    pixels_stride = 4 * width;
  }
  switch (codec_->pix_fmt) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVA420P:
      libyuv::ARGBToI420(pixels, pixels_stride, frame_->data[0], frame_->linesize[0], frame_->data[1],
                         frame_->linesize[1], frame_->data[2], frame_->linesize[2], width, height);
      if (codec_->pix_fmt == AV_PIX_FMT_YUVA420P) {
        libyuv::ARGBExtractAlpha(pixels, pixels_stride, frame_->data[3], frame_->linesize[3], width, height);
      }
      break;
    case AV_PIX_FMT_BGRA:
    case AV_PIX_FMT_BGR0:
      libyuv::ARGBCopy(pixels, pixels_stride, frame_->data[0], frame_->linesize[0], width, height);
      break;
    case AV_PIX_FMT_RGBA:  // libyuv names formats by word order: its ABGR is R, G, B, A in memory
      libyuv::ARGBToABGR(pixels, pixels_stride, frame_->data[0], frame_->linesize[0], width, height);
      break;
    case AV_PIX_FMT_RGB24:  // and its RAW is R, G, B
      libyuv::ARGBToRAW(pixels, pixels_stride, frame_->data[0], frame_->linesize[0], width, height);
      break;
    default: {
      const std::uint8_t* const source[4] = {pixels, nullptr, nullptr, nullptr};
      const int source_stride[4] = {pixels_stride, 0, 0, 0};
      sws_scale(convert_.get(), source, source_stride, 0, height, frame_->data, frame_->linesize);
    }
  }
  frame_->pts = next_pts_++;
  const auto converted = std::chrono::steady_clock::now();
  send(frame_.get());
  convert_time_ += converted - started;
  encode_time_ += std::chrono::steady_clock::now() - converted;
}

void SegmentEncoder::Impl::send(const AVFrame* frame) {
  const std::string where = path_.string();
  const char* encoder = codec_->codec->name;
  check_av(avcodec_send_frame(codec_.get(), frame), fmt::format("{} encoding failed for {}", encoder, where));
  for (;;) {
    const int result = avcodec_receive_packet(codec_.get(), packet_.get());
    if (result == AVERROR(EAGAIN) || result == AVERROR_EOF) return;
    check_av(result, fmt::format("{} encoding failed for {}", encoder, where));
    // libavcodec 5.1 leaves libx264's packet durations at 0; the muxer would then give
    // the last frame of every segment no duration and joined segments would lose it.
    if (packet_->duration == 0) packet_->duration = 1;
    av_packet_rescale_ts(packet_.get(), codec_->time_base, stream_->time_base);
    packet_->stream_index = stream_->index;
    check_av(av_interleaved_write_frame(format_.get(), packet_.get()), "cannot write " + temp_.path().string());
  }
}

void SegmentEncoder::Impl::commit() {
  const auto started = std::chrono::steady_clock::now();
  send(nullptr);
  check_av(av_write_trailer(format_.get()), "cannot finish " + temp_.path().string());
  encode_time_ += std::chrono::steady_clock::now() - started;
  format_.reset();  // closes the file before the rename
  temp_.keep_as(path_);
}

SegmentEncoder::SegmentEncoder(const fs::path& path, const VideoSettings& settings)
    : impl_(std::make_unique<Impl>(path, settings)) {}
SegmentEncoder::~SegmentEncoder() = default;
void SegmentEncoder::add_frame(const std::uint8_t* argb, int stride) { impl_->add_frame(argb, stride); }
void SegmentEncoder::commit() { impl_->commit(); }
std::int64_t SegmentEncoder::frames_written() const { return impl_->next_pts_; }
std::chrono::nanoseconds SegmentEncoder::convert_time() const { return impl_->convert_time_; }
std::chrono::nanoseconds SegmentEncoder::encode_time() const { return impl_->encode_time_; }

}  // namespace stemviz
