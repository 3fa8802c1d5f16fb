#include <stemviz/media/soundtrack.hpp>

#include <stemviz/media/libav.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>
#include <sndfile.h>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include <algorithm>
#include <functional>
#include <vector>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

// Writes `samples` stereo samples at `rate` that `read` supplies as stereo 24-bit FLAC.
void write_flac_master(const fs::path& path, int rate, std::int64_t samples,
                       const std::function<std::int64_t(float*, std::int64_t)>& read, const std::string& source) {
  TempFile temp(temp_path_for(path));
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

void write_soundtrack_master(const std::vector<StemInfo>& stems, float gain, int sample_rate, std::int64_t first,
                             std::int64_t end, const fs::path& path) {
  MixReader mix(stems, gain, sample_rate);
  mix.seek(first);
  write_flac_master(
      path, sample_rate, end - first, [&](float* out, std::int64_t count) { return mix.read(out, count); }, "a stem");
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

// The stereo encoder for `audio` at the master's `sample_rate` (or the nearest the codec
// takes), opened for a stream of `format`.
CodecContextPtr open_encoder(const AVCodec* codec, AudioCodec audio, int sample_rate, std::int64_t bit_rate,
                             const AVFormatContext& format) {
  CodecContextPtr encoder(avcodec_alloc_context3(codec));
  if (!encoder) throw Failure("out of memory allocating the audio encoder");
  encoder->sample_fmt = sample_format_for(codec);
  encoder->sample_rate = sample_rate_for(codec, sample_rate);
  if (audio == AudioCodec::aac || audio == AudioCodec::opus) encoder->bit_rate = bit_rate;
  // The master is 24-bit; keep all of it in lossless codecs.
  if (audio == AudioCodec::flac || audio == AudioCodec::pcm) encoder->bits_per_raw_sample = 24;
  encoder->time_base = {1, encoder->sample_rate};
  av_channel_layout_default(&encoder->ch_layout, 2);
  if (format.oformat->flags & AVFMT_GLOBALHEADER) encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check_av(avcodec_open2(encoder.get(), codec, nullptr), fmt::format("cannot open the {} encoder", codec->name));
  return encoder;
}

// The master's header, checked against what the job says it holds.
StemInfo checked_master(const fs::path& master, int sample_rate, std::int64_t samples) {
  const StemInfo info = probe_stems({master}).front();
  if (info.sample_rate != sample_rate || info.samples != samples || info.channels != 2) {
    throw InputError(
        fmt::format("{}: holds {} samples of {} channels at {} Hz instead of {} stereo "
                    "samples at {} Hz; plan the job again",
                    master.string(), info.samples, info.channels, info.sample_rate, samples, sample_rate));
  }
  return info;
}

}  // namespace

void encode_soundtrack(const fs::path& master, int sample_rate, std::int64_t samples, const fs::path& path,
                       AudioCodec audio, const char* container, std::int64_t bit_rate) {
  TempFile temp(temp_path_for(path));
  const std::string where = temp.path().string();
  const AVCodec* codec = audio_encoder(audio);
  if (codec == nullptr) {
    throw Failure(fmt::format("this libavcodec has no {} encoder", audio_codec_name(audio)));
  }
  AVFormatContext* raw_format = nullptr;
  check_av(avformat_alloc_output_context2(&raw_format, nullptr, container, where.c_str()), "cannot set up " + where);
  OutputFormatPtr format(raw_format);

  const CodecContextPtr encoder = open_encoder(codec, audio, sample_rate, bit_rate, *format);

  AVStream* stream = avformat_new_stream(format.get(), nullptr);
  if (stream == nullptr) throw Failure("out of memory adding the audio stream");
  stream->time_base = encoder->time_base;
  check_av(avcodec_parameters_from_context(stream->codecpar, encoder.get()),
           "cannot copy the audio encoder's settings");
  check_av(avio_open(&format->pb, where.c_str(), AVIO_FLAG_WRITE), "cannot write " + where);
  check_av(avformat_write_header(format.get(), nullptr), "cannot write the header of " + where);

  const StemInfo info = checked_master(master, sample_rate, samples);
  StemReader reader(info);

  // Interleaved float stereo at the master's rate -> the encoder's format and rate.
  AVChannelLayout stereo;
  av_channel_layout_default(&stereo, 2);
  SwrContext* raw_swr = nullptr;
  check_av(swr_alloc_set_opts2(&raw_swr, &encoder->ch_layout, encoder->sample_fmt, encoder->sample_rate, &stereo,
                               AV_SAMPLE_FMT_FLT, sample_rate, 0, nullptr),
           "cannot set up the audio converter");
  SwrContextPtr swr(raw_swr);
  check_av(swr_init(swr.get()), "cannot set up the audio converter");
  const int frame_size = encoder->frame_size > 0 ? encoder->frame_size : 4096;
  AudioFifoPtr fifo(av_audio_fifo_alloc(encoder->sample_fmt, 2, 4 * frame_size));
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
