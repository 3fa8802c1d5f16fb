#include <stemviz/media/encode.hpp>

#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>
#include <libyuv.h>
#include <sndfile.h>

extern "C" {
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <stdexcept>

namespace stemviz {

namespace fs = std::filesystem;

const std::vector<std::string>& x264_presets() {
  static const std::vector<std::string> presets = {"ultrafast", "superfast", "veryfast", "faster",  "fast",
                                                   "medium",    "slow",      "slower",   "veryslow"};
  return presets;
}

const std::vector<CodecFacts>& all_codecs() {
  using A = AudioCodec;
  static const std::vector<CodecFacts> codecs = {
      {VideoCodec::h264, "h264", "libx264", "mp4", ".mp4", false, true, 51, {A::aac}},
      {VideoCodec::hevc, "hevc", "libx265", "mp4", ".mp4", false, true, 51, {A::aac}},
      {VideoCodec::prores, "prores", "prores_ks", "mov", ".mov", true, false, 0, {A::aac, A::pcm}},
      {VideoCodec::vp9, "vp9", "libvpx-vp9", "webm", ".webm", true, false, 63, {A::opus}},
      {VideoCodec::ffv1, "ffv1", "ffv1", "matroska", ".mkv", true, false, 0, {A::flac, A::pcm}},
      {VideoCodec::png, "png", "png", "matroska", "", true, false, 0, {A::flac, A::pcm}},
  };
  return codecs;
}

const CodecFacts& codec_facts(VideoCodec codec) {
  for (const CodecFacts& facts : all_codecs()) {
    if (facts.codec == codec) return facts;
  }
  throw std::logic_error("unknown video codec");
}

const char* quality_name(Quality quality) {
  switch (quality) {
    case Quality::draft: return "draft";
    case Quality::standard: return "standard";
    case Quality::high: return "high";
  }
  return "standard";
}

const char* audio_codec_name(AudioCodec codec) {
  switch (codec) {
    case AudioCodec::none: return "none";
    case AudioCodec::aac: return "aac";
    case AudioCodec::flac: return "flac";
    case AudioCodec::pcm: return "pcm";
    case AudioCodec::opus: return "opus";
  }
  return "none";
}

VideoSettings encoder_settings(VideoCodec codec, Quality quality, bool alpha, const std::optional<std::string>& preset,
                               const std::optional<int>& crf) {
  const CodecFacts& facts = codec_facts(codec);
  const int q = static_cast<int>(quality);  // draft, standard, high
  VideoSettings video;
  video.codec = codec;
  video.quality = quality;
  video.alpha = alpha;
  video.preset.clear();
  video.crf = 0;
  switch (codec) {
    case VideoCodec::h264:
      // veryfast costs a third of medium's time; flat shapes gain little from slower presets.
      video.preset = std::array{"ultrafast", "veryfast", "slow"}[q];
      video.crf = std::array{23, 18, 16}[q];
      break;
    case VideoCodec::hevc:
      video.preset = std::array{"ultrafast", "veryfast", "slow"}[q];
      video.crf = std::array{28, 23, 20}[q];
      break;
    case VideoCodec::prores:
      // Only the 4444 profiles carry alpha.
      video.profile = alpha ? std::array{"4444", "4444", "4444xq"}[q] : std::array{"lt", "hq", "4444"}[q];
      break;
    case VideoCodec::vp9:
      video.crf = std::array{40, 32, 24}[q];
      video.speed = std::array{8, 4, 1}[q];
      break;
    case VideoCodec::ffv1:
    case VideoCodec::png: break;  // lossless: nothing to choose
  }
  if (preset) {
    if (!facts.presets) {
      throw UsageError(
          fmt::format("--preset {}: {} has no presets; use --quality draft|standard|high", *preset, facts.name));
    }
    const auto& names = x264_presets();
    if (std::find(names.begin(), names.end(), *preset) == names.end()) {
      throw UsageError(fmt::format("--preset {}: not a preset of {}; use one of {}", *preset, facts.encoder,
                                   fmt::join(names, ", ")));
    }
    video.preset = *preset;
  }
  if (crf) {
    if (facts.max_crf == 0) {
      throw UsageError(fmt::format("--crf {}: {} has no crf; use --quality draft|standard|high", *crf, facts.name));
    }
    if (*crf < 0 || *crf > facts.max_crf) {
      throw UsageError(fmt::format("--crf {}: {} takes 0 (best) to {}", *crf, facts.name, facts.max_crf));
    }
    video.crf = *crf;
  }
  return video;
}

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

SegmentEncoder::SegmentEncoder(const fs::path& path, const VideoSettings& settings)
    : path_(path), temp_(fs::path(path) += ".tmp") {
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

void SegmentEncoder::add_frame(const std::uint8_t* argb, int stride) {
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

void SegmentEncoder::send(const AVFrame* frame) {
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

void SegmentEncoder::commit() {
  const auto started = std::chrono::steady_clock::now();
  send(nullptr);
  check_av(av_write_trailer(format_.get()), "cannot finish " + temp_.path().string());
  encode_time_ += std::chrono::steady_clock::now() - started;
  format_.reset();  // closes the file before the rename
  temp_.keep_as(path_);
}

namespace {

// Writes `samples` stereo samples at `rate` that `read` supplies as stereo 24-bit FLAC.
void write_flac_master(const fs::path& path, int rate, std::int64_t samples,
                       const std::function<std::int64_t(float*, std::int64_t)>& read, const std::string& source) {
  TempFile temp(fs::path(path) += ".tmp");
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 2;
  info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_24;
  SndfilePtr file(sf_open(temp.path().c_str(), SFM_WRITE, &info));
  if (!file) {
    throw Failure(fmt::format("cannot write {}: {}", temp.path().string(), sf_strerror(nullptr)));
  }
  // Floats beyond full scale clip rather than wrap around.
  sf_command(file.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
  constexpr std::int64_t kBlock = 8192;
  std::vector<float> left_right(2 * kBlock);
  std::int64_t remaining = samples;
  while (remaining > 0) {
    throw_if_cancelled();
    const std::int64_t want = std::min(kBlock, remaining);
    if (read(left_right.data(), want) != want) {
      throw Failure(
          fmt::format("{} ended early while writing the soundtrack; check that it is not being "
                      "written to",
                      source));
    }
    if (sf_writef_float(file.get(), left_right.data(), want) != want) {
      throw Failure(fmt::format("cannot write {}: {}", temp.path().string(), sf_strerror(file.get())));
    }
    remaining -= want;
  }
  if (sf_close(file.release()) != 0) {
    throw Failure(fmt::format("cannot finish {}: {}", temp.path().string(), system_error_text()));
  }
  temp.keep_as(path);
}

}  // namespace

void write_soundtrack_master(const Plan& plan, const std::vector<StemInfo>& stems, float gain, const fs::path& path) {
  MixReader mix(stems, gain, plan.timeline.sample_rate);
  mix.seek(plan.first_sample());
  write_flac_master(
      path, plan.timeline.sample_rate, plan.end_sample() - plan.first_sample(),
      [&](float* out, std::int64_t count) { return mix.read(out, count); }, "a stem");
}

void copy_soundtrack_master(const StemInfo& audio, std::int64_t first, std::int64_t end, const fs::path& path) {
  StemReader reader(audio);
  reader.seek(first);
  const std::int64_t available = std::max<std::int64_t>(0, std::min(end, audio.samples) - first);
  // A file a little shorter than the song ends in silence, as a short stem does.
  write_flac_master(
      path, audio.sample_rate, end - first,
      [&, read_so_far = std::int64_t{0}](float* out, std::int64_t count) mutable {
        const std::int64_t from_file = std::clamp<std::int64_t>(available - read_so_far, 0, count);
        const std::int64_t got = from_file > 0 ? reader.read_stereo(out, from_file) : 0;
        std::fill(out + 2 * got, out + 2 * count, 0.0f);
        read_so_far += count;
        return got == from_file ? count : got;
      },
      audio.path.string());
}

namespace {

struct SwrDeleter {
  void operator()(SwrContext* c) const { swr_free(&c); }
};
struct AudioFifoDeleter {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};

const AVCodec* audio_encoder(AudioCodec codec) {
  switch (codec) {
    case AudioCodec::aac: return avcodec_find_encoder(AV_CODEC_ID_AAC);
    case AudioCodec::flac: return avcodec_find_encoder(AV_CODEC_ID_FLAC);
    case AudioCodec::pcm: return avcodec_find_encoder(AV_CODEC_ID_PCM_S24LE);
    case AudioCodec::opus: return avcodec_find_encoder_by_name("libopus");
    case AudioCodec::none: break;
  }
  return nullptr;
}

// The encoder's sample format: float where it takes one, else the widest integer.
AVSampleFormat sample_format_for(const AVCodec* codec) {
  const AVSampleFormat* formats = codec->sample_fmts;
  if (formats == nullptr) return AV_SAMPLE_FMT_FLTP;
  for (const AVSampleFormat wanted : {AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_S32, AV_SAMPLE_FMT_S16}) {
    for (const AVSampleFormat* f = formats; *f != AV_SAMPLE_FMT_NONE; ++f) {
      if (*f == wanted) return wanted;
    }
  }
  return formats[0];
}

// The master's rate when the encoder takes it, else 48 kHz (Opus takes nothing else).
int sample_rate_for(const AVCodec* codec, int rate) {
  if (codec->supported_samplerates == nullptr) return rate;
  for (const int* r = codec->supported_samplerates; *r != 0; ++r) {
    if (*r == rate) return rate;
  }
  return 48000;
}

}  // namespace

void encode_soundtrack(const fs::path& master, int sample_rate, std::int64_t samples, const fs::path& path,
                       AudioCodec audio, const char* container, std::int64_t bit_rate) {
  TempFile temp(fs::path(path) += ".tmp");
  const std::string where = temp.path().string();
  const AVCodec* codec = audio_encoder(audio);
  if (codec == nullptr) {
    throw Failure(fmt::format("this libavcodec has no {} encoder", audio_codec_name(audio)));
  }
  AVFormatContext* raw_format = nullptr;
  check_av(avformat_alloc_output_context2(&raw_format, nullptr, container, where.c_str()), "cannot set up " + where);
  OutputFormatPtr format(raw_format);

  CodecContextPtr encoder(avcodec_alloc_context3(codec));
  if (!encoder) throw Failure("out of memory allocating the audio encoder");
  encoder->sample_fmt = sample_format_for(codec);
  encoder->sample_rate = sample_rate_for(codec, sample_rate);
  if (audio == AudioCodec::aac || audio == AudioCodec::opus) encoder->bit_rate = bit_rate;
  // The master is 24-bit; keep all of it in lossless codecs.
  if (audio == AudioCodec::flac || audio == AudioCodec::pcm) encoder->bits_per_raw_sample = 24;
  encoder->time_base = {1, encoder->sample_rate};
  av_channel_layout_default(&encoder->ch_layout, 2);
  if (format->oformat->flags & AVFMT_GLOBALHEADER) encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check_av(avcodec_open2(encoder.get(), codec, nullptr), fmt::format("cannot open the {} encoder", codec->name));

  AVStream* stream = avformat_new_stream(format.get(), nullptr);
  if (stream == nullptr) throw Failure("out of memory adding the audio stream");
  stream->time_base = encoder->time_base;
  check_av(avcodec_parameters_from_context(stream->codecpar, encoder.get()),
           "cannot copy the audio encoder's settings");
  check_av(avio_open(&format->pb, where.c_str(), AVIO_FLAG_WRITE), "cannot write " + where);
  check_av(avformat_write_header(format.get(), nullptr), "cannot write the header of " + where);

  const std::vector<StemInfo> masters = probe_stems({master});
  const StemInfo& info = masters.front();
  if (info.sample_rate != sample_rate || info.samples != samples || info.channels != 2) {
    throw InputError(
        fmt::format("{}: holds {} samples of {} channels at {} Hz instead of {} stereo "
                    "samples at {} Hz; plan the job again",
                    master.string(), info.samples, info.channels, info.sample_rate, samples, sample_rate));
  }
  StemReader reader(info);

  // Interleaved float stereo at the master's rate -> the encoder's format and rate.
  AVChannelLayout stereo;
  av_channel_layout_default(&stereo, 2);
  SwrContext* raw_swr = nullptr;
  check_av(swr_alloc_set_opts2(&raw_swr, &encoder->ch_layout, encoder->sample_fmt, encoder->sample_rate, &stereo,
                               AV_SAMPLE_FMT_FLT, sample_rate, 0, nullptr),
           "cannot set up the audio converter");
  std::unique_ptr<SwrContext, SwrDeleter> swr(raw_swr);
  check_av(swr_init(swr.get()), "cannot set up the audio converter");
  const int frame_size = encoder->frame_size > 0 ? encoder->frame_size : 4096;
  std::unique_ptr<AVAudioFifo, AudioFifoDeleter> fifo(av_audio_fifo_alloc(encoder->sample_fmt, 2, 4 * frame_size));
  if (!fifo) throw Failure("out of memory for the audio queue");

  PacketPtr packet = make_packet();
  const auto write_ready_packets = [&] {
    for (;;) {
      const int result = avcodec_receive_packet(encoder.get(), packet.get());
      if (result == AVERROR(EAGAIN) || result == AVERROR_EOF) return;
      check_av(result, fmt::format("{} encoding failed", codec->name));
      av_packet_rescale_ts(packet.get(), encoder->time_base, stream->time_base);
      packet->stream_index = stream->index;
      check_av(av_interleaved_write_frame(format.get(), packet.get()), "cannot write " + where);
    }
  };
  std::int64_t pts = 0;
  // Sends `count` queued samples as one frame (a shorter one only at the end).
  const auto send_frame = [&](int count) {
    FramePtr frame = make_frame();
    frame->format = encoder->sample_fmt;
    frame->nb_samples = count;
    frame->sample_rate = encoder->sample_rate;
    check_av(av_channel_layout_copy(&frame->ch_layout, &encoder->ch_layout), "audio layout");
    check_av(av_frame_get_buffer(frame.get(), 0), "out of memory for an audio frame");
    if (av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>(frame->data), count) != count) {
      throw Failure("the audio queue lost samples");
    }
    frame->pts = pts;
    pts += count;
    check_av(avcodec_send_frame(encoder.get(), frame.get()), fmt::format("{} encoding failed", codec->name));
    write_ready_packets();
  };
  constexpr int kBlock = 4096;
  std::vector<float> left_right(2 * kBlock);
  FramePtr converted = make_frame();
  std::int64_t remaining = samples;
  for (bool flushed = false; !flushed;) {
    throw_if_cancelled();
    const int want = static_cast<int>(std::min<std::int64_t>(kBlock, remaining));
    if (want > 0 && reader.read_stereo(left_right.data(), want) != want) {
      throw Failure(fmt::format("{} ended early; check that it is not being written to", master.string()));
    }
    remaining -= want;
    flushed = want == 0;  // a call without input drains the converter
    const int room = swr_get_out_samples(swr.get(), want);
    converted->format = encoder->sample_fmt;
    converted->nb_samples = std::max(room, 1);
    check_av(av_channel_layout_copy(&converted->ch_layout, &encoder->ch_layout), "audio layout");
    check_av(av_frame_get_buffer(converted.get(), 0), "out of memory for audio");
    const auto* input = reinterpret_cast<const std::uint8_t*>(left_right.data());
    const int made =
        check_av(swr_convert(swr.get(), converted->data, converted->nb_samples, flushed ? nullptr : &input, want),
                 "audio conversion failed");
    if (made > 0 && av_audio_fifo_write(fifo.get(), reinterpret_cast<void**>(converted->data), made) != made) {
      throw Failure("out of memory for the audio queue");
    }
    av_frame_unref(converted.get());
    while (av_audio_fifo_size(fifo.get()) >= frame_size) send_frame(frame_size);
  }
  if (av_audio_fifo_size(fifo.get()) > 0) send_frame(av_audio_fifo_size(fifo.get()));
  check_av(avcodec_send_frame(encoder.get(), nullptr), fmt::format("{} encoding failed", codec->name));
  write_ready_packets();
  check_av(av_write_trailer(format.get()), "cannot finish " + where);
  format.reset();  // closes the file before the rename
  temp.keep_as(path);
}

}  // namespace stemviz
