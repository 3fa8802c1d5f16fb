#include <stemviz/encode.hpp>

#include <stemviz/error.hpp>
#include <stemviz/files.hpp>

#include <fmt/format.h>
#include <libyuv.h>
#include <sndfile.h>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include <algorithm>

namespace stemviz {

namespace fs = std::filesystem;

const std::vector<std::string>& x264_presets() {
  static const std::vector<std::string> presets = {"ultrafast", "superfast", "veryfast",
                                                   "faster",    "fast",      "medium",
                                                   "slow",      "slower",    "veryslow"};
  return presets;
}

SegmentEncoder::SegmentEncoder(const fs::path& path, const VideoSettings& settings)
    : path_(path), temp_(fs::path(path) += ".tmp") {
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
  check_av(avformat_alloc_output_context2(&raw_format, nullptr, "mp4", temp_.path().c_str()),
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
  check_av(avio_open(&format_->pb, temp_.path().c_str(), AVIO_FLAG_WRITE),
           "cannot write " + temp_.path().string());
  check_av(avformat_write_header(format_.get(), nullptr), "cannot write the header of " + where);

  frame_ = make_frame();
  frame_->format = codec_->pix_fmt;
  frame_->width = codec_->width;
  frame_->height = codec_->height;
  check_av(av_frame_get_buffer(frame_.get(), 0), "out of memory for a video frame");
  packet_ = make_packet();
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
             "cannot write " + temp_.path().string());
  }
}

void SegmentEncoder::commit() {
  send(nullptr);
  check_av(av_write_trailer(format_.get()), "cannot finish " + temp_.path().string());
  format_.reset();  // closes the file before the rename
  temp_.keep_as(path_);
}

void write_soundtrack_master(const Plan& plan, const std::vector<StemInfo>& stems, float gain,
                             const fs::path& path) {
  TempFile temp(fs::path(path) += ".tmp");
  SF_INFO info{};
  info.samplerate = plan.timeline.sample_rate;
  info.channels = 2;
  info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_24;
  SndfilePtr file(sf_open(temp.path().c_str(), SFM_WRITE, &info));
  if (!file) {
    throw Failure(fmt::format("cannot write {}: {}", temp.path().string(), sf_strerror(nullptr)));
  }
  // Floats beyond full scale clip rather than wrap around.
  sf_command(file.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
  MixReader mix(stems, gain, plan.timeline.sample_rate);
  mix.seek(plan.first_sample());
  constexpr std::int64_t kBlock = 8192;
  std::vector<float> left_right(2 * kBlock);
  std::int64_t remaining = plan.end_sample() - plan.first_sample();
  while (remaining > 0) {
    throw_if_cancelled();
    const std::int64_t want = std::min(kBlock, remaining);
    if (mix.read(left_right.data(), want) != want) {
      throw Failure("a stem ended early while mixing the soundtrack; check that the stems are not "
                    "being written to");
    }
    if (sf_writef_float(file.get(), left_right.data(), want) != want) {
      throw Failure(fmt::format("cannot write {}: {} (disk full?)", temp.path().string(),
                                sf_strerror(file.get())));
    }
    remaining -= want;
  }
  if (sf_close(file.release()) != 0) {
    throw Failure(fmt::format("cannot finish {} (disk full?)", temp.path().string()));
  }
  temp.keep_as(path);
}

void encode_soundtrack(const fs::path& master, int sample_rate, std::int64_t samples, const fs::path& path,
                       std::int64_t bit_rate) {
  TempFile temp(fs::path(path) += ".tmp");
  const std::string where = temp.path().string();
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (codec == nullptr) throw Failure("this libavcodec has no AAC encoder");

  AVFormatContext* raw_format = nullptr;
  check_av(avformat_alloc_output_context2(&raw_format, nullptr, "mp4", where.c_str()),
           "cannot set up " + where);
  OutputFormatPtr format(raw_format);

  CodecContextPtr encoder(avcodec_alloc_context3(codec));
  if (!encoder) throw Failure("out of memory allocating the AAC encoder");
  encoder->sample_fmt = AV_SAMPLE_FMT_FLTP;
  encoder->sample_rate = sample_rate;
  encoder->bit_rate = bit_rate;
  encoder->time_base = {1, sample_rate};
  av_channel_layout_default(&encoder->ch_layout, 2);
  if (format->oformat->flags & AVFMT_GLOBALHEADER) encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check_av(avcodec_open2(encoder.get(), codec, nullptr), "cannot open the AAC encoder");

  AVStream* stream = avformat_new_stream(format.get(), nullptr);
  if (stream == nullptr) throw Failure("out of memory adding the audio stream");
  stream->time_base = encoder->time_base;
  check_av(avcodec_parameters_from_context(stream->codecpar, encoder.get()),
           "cannot copy the AAC encoder's settings");
  check_av(avio_open(&format->pb, where.c_str(), AVIO_FLAG_WRITE), "cannot write " + where);
  check_av(avformat_write_header(format.get(), nullptr), "cannot write the header of " + where);

  FramePtr frame = make_frame();
  frame->format = encoder->sample_fmt;
  frame->nb_samples = encoder->frame_size;
  frame->sample_rate = encoder->sample_rate;
  check_av(av_channel_layout_copy(&frame->ch_layout, &encoder->ch_layout), "audio layout");
  check_av(av_frame_get_buffer(frame.get(), 0), "out of memory for an audio frame");
  PacketPtr packet = make_packet();

  const auto write_ready_packets = [&] {
    for (;;) {
      const int result = avcodec_receive_packet(encoder.get(), packet.get());
      if (result == AVERROR(EAGAIN) || result == AVERROR_EOF) return;
      check_av(result, "AAC encoding failed");
      av_packet_rescale_ts(packet.get(), encoder->time_base, stream->time_base);
      packet->stream_index = stream->index;
      check_av(av_interleaved_write_frame(format.get(), packet.get()), "cannot write " + where);
    }
  };

  const std::vector<StemInfo> masters = probe_stems({master});
  const StemInfo& info = masters.front();
  if (info.sample_rate != sample_rate || info.samples != samples || info.channels != 2) {
    throw InputError(fmt::format("{}: holds {} samples of {} channels at {} Hz instead of {} stereo "
                                 "samples at {} Hz; plan the job again", master.string(), info.samples,
                                 info.channels, info.sample_rate, samples, sample_rate));
  }
  StemReader reader(info);
  std::vector<float> left_right(static_cast<std::size_t>(2 * encoder->frame_size));
  std::int64_t remaining = samples;
  std::int64_t pts = 0;
  while (remaining > 0) {
    throw_if_cancelled();
    const std::int64_t want = std::min<std::int64_t>(encoder->frame_size, remaining);
    if (reader.read_stereo(left_right.data(), want) != want) {
      throw Failure(fmt::format("{} ended early; check that it is not being written to", master.string()));
    }
    check_av(av_frame_make_writable(frame.get()), "out of memory for an audio frame");
    auto* left = reinterpret_cast<float*>(frame->data[0]);
    auto* right = reinterpret_cast<float*>(frame->data[1]);
    for (std::int64_t i = 0; i < want; ++i) {
      left[i] = left_right[static_cast<std::size_t>(2 * i)];
      right[i] = left_right[static_cast<std::size_t>(2 * i + 1)];
    }
    frame->nb_samples = static_cast<int>(want);
    frame->pts = pts;
    pts += want;
    remaining -= want;
    check_av(avcodec_send_frame(encoder.get(), frame.get()), "AAC encoding failed");
    write_ready_packets();
  }
  check_av(avcodec_send_frame(encoder.get(), nullptr), "AAC encoding failed");
  write_ready_packets();
  check_av(av_write_trailer(format.get()), "cannot finish " + where);
  format.reset();  // closes the file before the rename
  temp.keep_as(path);
}

}  // namespace stemviz
