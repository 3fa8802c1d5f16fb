#include <stemviz/media/video.hpp>

#include <stemviz/media/libav.hpp>
#include <stemviz/media/picture.hpp>

#include <fmt/format.h>
#include <libyuv.h>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <climits>
#include <cmath>

namespace stemviz {

namespace {

// The containers a video layer may name: what cameras, editors and encoders write. No
// playlist, concatenation or image-sequence demuxer, which would open other files.
constexpr const char* kVideoFormats = "mov,matroska,webm,avi,mpegts,flv,ogg,nut,yuv4mpegpipe,gif";
// Frames further ahead than this are reached by seeking rather than decoding every one.
constexpr double kSeekAheadSeconds = 4.0;

// One decoder of one video file: the frames in order cost a decode each; a frame behind the
// last one (or far ahead) costs a seek to the keyframe before it and the decodes from there.
class VideoDecoder final : public VideoFrames {
 public:
  VideoDecoder(const std::filesystem::path& path, std::string shown);

  const Picture& at(double seconds, int width, int height) override;

  int width() const { return codec_->width; }
  int height() const { return codec_->height; }
  double duration() const { return duration_; }
  bool opaque() const {
    const AVPixFmtDescriptor* format = av_pix_fmt_desc_get(codec_->pix_fmt);
    return format != nullptr && (format->flags & AV_PIX_FMT_FLAG_ALPHA) == 0;
  }

 private:
  [[noreturn]] void refuse(const std::string& why) const {
    throw InputError(fmt::format("{}: {}; use a video file such as MP4, MOV, MKV or WebM", shown_, why));
  }
  // The next frame in presentation order into `into`; false after the last one.
  bool read_frame(FramePtr& into);
  std::int64_t pts_of(const AVFrame* frame) const {
    const std::int64_t pts = frame->best_effort_timestamp;
    return pts == AV_NOPTS_VALUE ? start_ : pts;
  }
  // Positions the decoder at the keyframe at or before `target` (stream ticks).
  void seek(std::int64_t target);
  // `frame` into `into` (its size set, its pixels sized): without scaling through libyuv
  // (false when that does not apply), else scaled and converted by swscale.
  bool convert_unscaled(const AVFrame& frame, Picture& into) const;
  void scale(const AVFrame& frame, Picture& into);

  std::string shown_;
  InputFormatPtr input_;
  CodecContextPtr codec_;
  int stream_ = -1;
  AVRational time_base_{1, 1};
  std::int64_t start_ = 0;  // the first frame's start, stream ticks
  double duration_ = 0.0;
  PacketPtr packet_ = make_packet();
  FramePtr current_ = make_frame(), next_ = make_frame();
  bool have_current_ = false, have_next_ = false, draining_ = false;
  SwsContextPtr scale_;
  Picture picture_;
  std::int64_t picture_pts_ = INT64_MIN;  // of the frame picture_ holds
};

VideoDecoder::VideoDecoder(const std::filesystem::path& path, std::string shown) : shown_(std::move(shown)) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) refuse("no such video file");
  int opened = 0;
  input_ = open_restricted(path.string(), kVideoFormats, opened);
  if (!input_) refuse(fmt::format("not a video stemviz reads ({})", av_error_text(opened)));
  if (avformat_find_stream_info(input_.get(), nullptr) < 0) refuse("its streams cannot be read");
  const AVCodec* decoder = nullptr;
  stream_ = av_find_best_stream(input_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (stream_ < 0 || decoder == nullptr) refuse("no video stream with a decoder in this libavcodec");
  const AVStream* stream = input_->streams[stream_];
  time_base_ = stream->time_base;
  codec_.reset(avcodec_alloc_context3(decoder));
  if (!codec_) throw Failure(fmt::format("{}: out of memory", shown_));
  if (avcodec_parameters_to_context(codec_.get(), stream->codecpar) < 0) refuse("its codec settings are damaged");
  // One thread: the render pool already runs a canvas per core, and a decoder's frame
  // threads would only add delay and memory.
  codec_->thread_count = 1;
  if (avcodec_open2(codec_.get(), decoder, nullptr) < 0) refuse("its decoder cannot start");
  if (codec_->width < 1 || codec_->height < 1 || codec_->width > kMaxPictureSide || codec_->height > kMaxPictureSide)
    refuse(
        fmt::format("{}x{} pixels; videos may have 1 to {} on a side", codec_->width, codec_->height, kMaxPictureSide));
  start_ = stream->start_time != AV_NOPTS_VALUE ? stream->start_time : 0;
  if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0)
    duration_ = static_cast<double>(stream->duration) * av_q2d(time_base_);
  else if (input_->duration != AV_NOPTS_VALUE && input_->duration > 0)
    duration_ = static_cast<double>(input_->duration) / AV_TIME_BASE;
  if (!(duration_ > 0.0)) refuse("its length is unknown");
  have_current_ = read_frame(current_);
  if (!have_current_) refuse("it holds no frame that decodes");
}

bool VideoDecoder::read_frame(FramePtr& into) {
  for (;;) {
    const int received = avcodec_receive_frame(codec_.get(), into.get());
    if (received == 0) return true;
    if (received == AVERROR_EOF) return false;
    if (received != AVERROR(EAGAIN)) refuse(fmt::format("damaged ({})", av_error_text(received)));
    if (draining_) return false;
    const int read = av_read_frame(input_.get(), packet_.get());
    if (read == AVERROR_EOF) {
      draining_ = true;
      avcodec_send_packet(codec_.get(), nullptr);
      continue;
    }
    if (read < 0) refuse(fmt::format("cannot be read ({})", av_error_text(read)));
    if (packet_->stream_index == stream_) {
      const int sent = avcodec_send_packet(codec_.get(), packet_.get());
      if (sent < 0 && sent != AVERROR(EAGAIN)) refuse(fmt::format("damaged ({})", av_error_text(sent)));
    }
    av_packet_unref(packet_.get());
  }
}

void VideoDecoder::seek(std::int64_t target) {
  if (av_seek_frame(input_.get(), stream_, target, AVSEEK_FLAG_BACKWARD) < 0 &&
      av_seek_frame(input_.get(), stream_, start_, AVSEEK_FLAG_BACKWARD) < 0)
    refuse("it cannot be searched");
  avcodec_flush_buffers(codec_.get());
  draining_ = false;
  have_next_ = false;
  have_current_ = read_frame(current_);
}

const Picture& VideoDecoder::at(double seconds, int width, int height) {
  const std::int64_t target = start_ + std::llround(seconds / av_q2d(time_base_));
  const auto ahead = static_cast<std::int64_t>(kSeekAheadSeconds / av_q2d(time_base_));
  if (!have_current_ || pts_of(current_.get()) > target || target - pts_of(current_.get()) > ahead) seek(target);
  // On to the last frame that starts at or before the target; the first frame shows before it.
  for (;;) {
    if (!have_next_) have_next_ = read_frame(next_);
    if (!have_next_) break;
    if (have_current_ && pts_of(next_.get()) > target) break;
    std::swap(current_, next_);
    have_current_ = true;
    have_next_ = false;
  }
  if (!have_current_) refuse("it holds no frame that decodes");
  const AVFrame* frame = current_.get();
  if (pts_of(frame) == picture_pts_ && picture_.width == width && picture_.height == height) return picture_;
  const auto format = static_cast<AVPixelFormat>(frame->format);
  picture_.width = width;
  picture_.height = height;
  picture_.pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4);
  if (!convert_unscaled(*frame, picture_)) scale(*frame, picture_);
  // Both conversions write opaque pixels for a format without alpha: only one with alpha
  // needs the pass over every pixel.
  picture_.opaque = (av_pix_fmt_desc_get(format)->flags & AV_PIX_FMT_FLAG_ALPHA) == 0;
  if (!picture_.opaque) premultiply(picture_, true);
  picture_pts_ = pts_of(frame);
  return picture_;
}

}  // namespace

bool VideoDecoder::convert_unscaled(const AVFrame& frame, Picture& into) const {
  const auto format = static_cast<AVPixelFormat>(frame.format);
  if (frame.width != into.width || frame.height != into.height ||
      (format != AV_PIX_FMT_YUV420P && format != AV_PIX_FMT_YUVJ420P))
    return false;
  // libyuv's ARGB is Cairo's ARGB32 in memory (B, G, R, A), opaque. Its SIMD conversion of a
  // 1080p frame takes a fraction of swscale's; the matrix and range follow the stream's.
  const bool full = format == AV_PIX_FMT_YUVJ420P || frame.color_range == AVCOL_RANGE_JPEG;
  const bool hd = frame.colorspace == AVCOL_SPC_BT709;
  const auto convert = full ? libyuv::J420ToARGB : hd ? libyuv::H420ToARGB : libyuv::I420ToARGB;
  return convert(frame.data[0], frame.linesize[0], frame.data[1], frame.linesize[1], frame.data[2], frame.linesize[2],
                 into.pixels.data(), into.width * 4, into.width, into.height) == 0;
}

void VideoDecoder::scale(const AVFrame& frame, Picture& into) {
  const auto format = static_cast<AVPixelFormat>(frame.format);
  // sws_getCachedContext keeps the context when it fits, else frees it and makes another.
  SwsContext* context = sws_getCachedContext(scale_.get(), frame.width, frame.height, format, into.width, into.height,
                                             AV_PIX_FMT_RGB32, SWS_BILINEAR, nullptr, nullptr, nullptr);
  if (context != scale_.get()) {
    (void)scale_.release();
    scale_.reset(context);
  }
  if (!scale_) refuse(fmt::format("its pixel format {} cannot be converted", static_cast<int>(format)));
  // The stream's matrix and range, as the unscaled conversion takes them (swscale assumes
  // BT.601 otherwise).
  const bool full = format == AV_PIX_FMT_YUVJ420P || frame.color_range == AVCOL_RANGE_JPEG;
  const int space = frame.colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_DEFAULT;
  sws_setColorspaceDetails(scale_.get(), sws_getCoefficients(space), full ? 1 : 0, sws_getCoefficients(SWS_CS_DEFAULT),
                           1, 0, 1 << 16, 1 << 16);
  std::uint8_t* planes[4] = {into.pixels.data(), nullptr, nullptr, nullptr};
  int strides[4] = {into.width * 4, 0, 0, 0};
  sws_scale(scale_.get(), frame.data, frame.linesize, 0, frame.height, planes, strides);
}

VideoSource open_video(const std::filesystem::path& path, const std::string& shown) {
  const VideoDecoder probe(path, shown);
  VideoSource source;
  source.width = probe.width();
  source.height = probe.height();
  source.duration = probe.duration();
  source.opaque = probe.opaque();
  source.open = [path, shown]() -> std::unique_ptr<VideoFrames> { return std::make_unique<VideoDecoder>(path, shown); };
  return source;
}

}  // namespace stemviz
