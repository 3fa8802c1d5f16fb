#include <stemviz/media/stitch.hpp>

#include <stemviz/media/libav.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>

extern "C" {
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

AVRational frame_duration(const Rational& fps) { return {static_cast<int>(fps.den), static_cast<int>(fps.num)}; }

int video_stream_of(AVFormatContext* input, const std::string& where) {
  return check_av(av_find_best_stream(input, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0), "no video stream in " + where);
}

// Packets of all segments in order, with timestamps moved onto the output's timeline
// (time base 1/fps, frame 0 = the first segment's first frame).
class SegmentSequence {
 public:
  SegmentSequence(const std::vector<SegmentFile>& segments, Rational fps)
      : fps_(fps), segments_(segments), packet_(make_packet()), reorder_delay_(reorder_delay()) {
    std::int64_t first = 0;
    for (const SegmentFile& segment : segments_) {
      first_frames_.push_back(first);
      first += segment.frames;
    }
  }

  // Codec parameters of the first segment; every later one must match them.
  const AVCodecParameters* parameters() {
    if (!input_) open(0);
    return first_parameters_.get();
  }

  // The first segment's video stream tags (VP9's alpha_mode).
  const AVDictionary* metadata() {
    if (!input_) open(0);
    return input_->streams[stream_]->metadata;
  }

  // The next packet or nullptr after the last segment.
  AVPacket* next() {
    if (!input_) open(0);
    for (;;) {
      const int result = av_read_frame(input_.get(), packet_.get());
      if (result == AVERROR_EOF) {
        finish_segment();
        if (current_ + 1 >= segments_.size()) return nullptr;
        open(current_ + 1);
        continue;
      }
      check_av(result, "cannot read segment " + segments_[current_].path.string());
      if (packet_->stream_index != stream_) {
        av_packet_unref(packet_.get());
        continue;
      }
      ++packets_in_segment_;
      const AVRational from = input_->streams[stream_]->time_base;
      const AVRational to = frame_duration(fps_);
      const std::int64_t offset = first_frames_[current_];
      packet_->pts = av_rescale_q(packet_->pts, from, to) + offset;
      // Every segment holds one packet per frame, so decode timestamps can run as one
      // even sequence across the joins. The encoder's own ones cannot: a short segment
      // (often the last) is encoded with less B-frame delay than the others, which would
      // leave a gap in the decode times and stretch the frame before it.
      packet_->dts = packets_so_far_ - reorder_delay_;
      if (packet_->dts > packet_->pts) {
        throw Failure(
            fmt::format("{} reorders frames further than the segments before it; "
                        "delete the job's segments and render again",
                        segments_[current_].path.string()));
      }
      ++packets_so_far_;
      packet_->duration = std::max<std::int64_t>(1, av_rescale_q(packet_->duration, from, to));
      packet_->stream_index = 0;
      return packet_.get();
    }
  }

 private:
  void open(std::size_t index) {
    if (index >= segments_.size()) throw Failure("no segments to stitch");
    current_ = index;
    packets_in_segment_ = 0;
    const std::string where = segments_[index].path.string();
    input_ = open_input(where);
    stream_ = video_stream_of(input_.get(), where);
    const AVCodecParameters* parameters = input_->streams[stream_]->codecpar;
    if (index == 0) {
      first_parameters_.reset(avcodec_parameters_alloc());
      if (!first_parameters_) throw Failure("out of memory copying codec parameters");
      check_av(avcodec_parameters_copy(first_parameters_.get(), parameters), "cannot copy the settings of " + where);
      return;
    }
    // Joined without re-encoding, so all segments must carry the same stream settings.
    if (parameters->codec_id != first_parameters_->codec_id || parameters->width != first_parameters_->width ||
        parameters->height != first_parameters_->height ||
        parameters->extradata_size != first_parameters_->extradata_size ||
        // Intra-only codecs (ProRes, PNG) have no extradata: null pointers, not to be compared.
        (parameters->extradata_size > 0 && std::memcmp(parameters->extradata, first_parameters_->extradata,
                                                       static_cast<std::size_t>(parameters->extradata_size)) != 0)) {
      throw Failure(
          fmt::format("{} was encoded with other settings than {}; delete the job's "
                      "segments and render again",
                      where, segments_[0].path.string()));
    }
  }

  // The largest B-frame delay of any segment, in frames: how far decode order may run
  // ahead of display order in the joined stream.
  std::int64_t reorder_delay() const {
    std::int64_t delay = 0;
    PacketPtr packet = make_packet();
    for (const SegmentFile& segment : segments_) {
      const std::string where = segment.path.string();
      InputFormatPtr input = open_input(where);
      const int stream = video_stream_of(input.get(), where);
      for (;;) {
        const int result = av_read_frame(input.get(), packet.get());
        if (result == AVERROR_EOF) break;
        check_av(result, "cannot read segment " + where);
        const bool video = packet->stream_index == stream;
        const std::int64_t ahead = packet->pts - packet->dts;
        av_packet_unref(packet.get());
        if (!video) continue;
        const AVRational from = input->streams[stream]->time_base;
        delay = std::max(delay, av_rescale_q(ahead, from, frame_duration(fps_)));
        break;
      }
    }
    return delay;
  }

  void finish_segment() {
    const std::int64_t frames = segments_[current_].frames;
    if (packets_in_segment_ != frames) {
      throw Failure(fmt::format("{} holds {} frames instead of {}; delete it and render again",
                                segments_[current_].path.string(), packets_in_segment_, frames));
    }
  }

  Rational fps_;
  const std::vector<SegmentFile>& segments_;
  std::vector<std::int64_t> first_frames_;  // each segment's first frame in the output
  CodecParametersPtr first_parameters_;
  InputFormatPtr input_;
  int stream_ = 0;
  std::size_t current_ = 0;
  std::int64_t packets_in_segment_ = 0;
  PacketPtr packet_;
  std::int64_t reorder_delay_ = 0;
  std::int64_t packets_so_far_ = 0;
};

// The soundtrack's packets, in its own time base.
class SoundtrackPackets {
 public:
  explicit SoundtrackPackets(const fs::path& path)
      : where_(path.string()), input_(open_input(where_)), packet_(make_packet()) {
    stream_ = check_av(av_find_best_stream(input_.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0),
                       "no audio stream in " + where_);
  }

  const AVStream* stream() const { return input_->streams[stream_]; }

  // The next packet or nullptr at the end.
  AVPacket* next() {
    for (;;) {
      const int result = av_read_frame(input_.get(), packet_.get());
      if (result == AVERROR_EOF) return nullptr;
      check_av(result, "cannot read " + where_);
      if (packet_->stream_index == stream_) return packet_.get();
      av_packet_unref(packet_.get());
    }
  }

 private:
  std::string where_;
  InputFormatPtr input_;
  int stream_ = 0;
  PacketPtr packet_;
};

// Seconds of sound in an audio-only file, from its stream duration or its packets.
double summarize_audio_seconds(const fs::path& path) {
  const std::string where = path.string();
  InputFormatPtr input = open_input(where);
  const int audio =
      check_av(av_find_best_stream(input.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0), "no audio stream in " + where);
  const AVStream* stream = input->streams[audio];
  if (stream->duration != AV_NOPTS_VALUE) return static_cast<double>(stream->duration) * av_q2d(stream->time_base);
  auto packet = make_packet();
  std::int64_t end = 0;
  while (av_read_frame(input.get(), packet.get()) >= 0) {
    if (packet->stream_index == audio) end = std::max(end, packet->pts + packet->duration);
    av_packet_unref(packet.get());
  }
  return static_cast<double>(end) * av_q2d(stream->time_base);
}

}  // namespace

std::int64_t total_frames(const std::vector<SegmentFile>& segments) {
  std::int64_t frames = 0;
  for (const SegmentFile& segment : segments) frames += segment.frames;
  return frames;
}

void stitch(const std::vector<SegmentFile>& segments, Rational fps, const fs::path& soundtrack, const fs::path& output,
            const OutputSettings& settings) {
  const std::string where = output.string();
  const CodecFacts& facts = codec_facts(settings.codec);
  AVFormatContext* raw = nullptr;
  check_av(avformat_alloc_output_context2(&raw, nullptr, facts.container, where.c_str()), "cannot set up " + where);
  OutputFormatPtr format(raw);
  if (!settings.title.empty()) av_dict_set(&format->metadata, "title", settings.title.c_str(), 0);
  // The muxer owns the "encoder" tag; the comment says what made the pictures.
  av_dict_set(&format->metadata, "comment", "stemviz " STEMVIZ_VERSION, 0);

  SegmentSequence video(segments, fps);
  AVStream* video_stream = avformat_new_stream(format.get(), nullptr);
  if (video_stream == nullptr) throw Failure("out of memory adding the video stream");
  check_av(avcodec_parameters_copy(video_stream->codecpar, video.parameters()), "cannot copy the video settings");
  video_stream->codecpar->codec_tag = 0;
  // Apple's players and editors open HEVC in MP4 only under the hvc1 tag.
  if (settings.codec == VideoCodec::hevc) video_stream->codecpar->codec_tag = MKTAG('h', 'v', 'c', '1');
  video_stream->time_base = frame_duration(fps);
  video_stream->avg_frame_rate = {static_cast<int>(fps.num), static_cast<int>(fps.den)};
  if (const AVDictionaryEntry* alpha = av_dict_get(video.metadata(), "alpha_mode", nullptr, 0)) {
    av_dict_set(&video_stream->metadata, "alpha_mode", alpha->value, 0);
  }
  std::optional<SoundtrackPackets> audio;
  AVStream* audio_stream = nullptr;
  if (!soundtrack.empty()) {
    audio.emplace(soundtrack);
    audio_stream = avformat_new_stream(format.get(), nullptr);
    if (audio_stream == nullptr) throw Failure("out of memory adding the audio stream");
    check_av(avcodec_parameters_copy(audio_stream->codecpar, audio->stream()->codecpar),
             "cannot copy the soundtrack's settings");
    audio_stream->codecpar->codec_tag = 0;
    audio_stream->time_base = audio->stream()->time_base;
  }

  check_av(avio_open(&format->pb, where.c_str(), AVIO_FLAG_WRITE), "cannot write " + where);
  AVDictionary* options = nullptr;
  if (std::strcmp(facts.container, "mp4") == 0 || std::strcmp(facts.container, "mov") == 0) {
    av_dict_set(&options, "movflags", "+faststart", 0);
  }
  const int header = avformat_write_header(format.get(), &options);
  av_dict_free(&options);
  check_av(header, "cannot write the header of " + where);

  // Merge the two packet streams in time order; the muxer's interleaving then only has
  // to buffer a packet or two.
  const AVRational video_time_base = frame_duration(fps);
  AVPacket* video_packet = video.next();
  AVPacket* audio_packet = audio ? audio->next() : nullptr;
  while (video_packet != nullptr || audio_packet != nullptr) {
    throw_if_cancelled();
    const bool take_video =
        audio_packet == nullptr ||
        (video_packet != nullptr &&
         av_compare_ts(video_packet->dts, video_time_base, audio_packet->dts, audio->stream()->time_base) <= 0);
    if (take_video) {
      video_packet->stream_index = video_stream->index;
      av_packet_rescale_ts(video_packet, video_time_base, video_stream->time_base);
      check_av(av_interleaved_write_frame(format.get(), video_packet), "cannot write " + where);
      video_packet = video.next();
    } else {
      audio_packet->stream_index = audio_stream->index;
      av_packet_rescale_ts(audio_packet, audio->stream()->time_base, audio_stream->time_base);
      check_av(av_interleaved_write_frame(format.get(), audio_packet), "cannot write " + where);
      audio_packet = audio->next();
    }
  }
  check_av(av_write_trailer(format.get()), "cannot finish " + where);
}

void write_image_sequence(const std::vector<SegmentFile>& segments, Rational fps, const fs::path& soundtrack,
                          const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) throw Failure(fmt::format("cannot create {}: {}", folder.string(), error.message()));
  const std::int64_t frames = total_frames(segments);
  const int digits = std::max<int>(6, static_cast<int>(std::to_string(frames - 1).size()));
  SegmentSequence video(segments, fps);
  std::int64_t frame = 0;
  for (AVPacket* packet = video.next(); packet != nullptr; packet = video.next(), ++frame) {
    throw_if_cancelled();
    const fs::path path = folder / fmt::format("frame-{:0{}}.png", frame, digits);
    write_file(path, {reinterpret_cast<const char*>(packet->data), static_cast<std::size_t>(packet->size)});
  }
  if (frame != frames) {
    throw Failure(fmt::format("{}: {} frames instead of {}", folder.string(), frame, frames));
  }
  if (soundtrack.empty()) return;
  const fs::path audio = folder / (std::string("audio") + soundtrack.extension().string());
  fs::copy_file(soundtrack, audio, error);
  if (error) throw Failure(fmt::format("cannot write {}: {}", audio.string(), error.message()));
  const double video_seconds = static_cast<double>(frame) / fps.to_double();
  const double audio_seconds = summarize_audio_seconds(audio);
  if (std::abs(audio_seconds - video_seconds) > 1.0 / fps.to_double() + 1e-6) {
    throw Failure(
        fmt::format("{}: audio lasts {:.3f} s but the frames {:.3f} s", audio.string(), audio_seconds, video_seconds));
  }
}

MediaSummary summarize_media(const fs::path& path) {
  const std::string where = path.string();
  InputFormatPtr input = open_input(where);
  MediaSummary summary;
  const int video = video_stream_of(input.get(), where);
  const int audio = av_find_best_stream(input.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  auto packet = make_packet();
  std::int64_t video_end = 0;
  std::int64_t audio_start = AV_NOPTS_VALUE, audio_end = 0;
  while (av_read_frame(input.get(), packet.get()) >= 0) {
    if (packet->stream_index == video) {
      ++summary.video_frames;
      video_end = std::max(video_end, packet->pts + packet->duration);
    } else if (packet->stream_index == audio && packet->pts != AV_NOPTS_VALUE) {
      if (audio_start == AV_NOPTS_VALUE) audio_start = packet->pts;
      audio_end = std::max(audio_end, packet->pts + packet->duration);
    }
    av_packet_unref(packet.get());
  }
  summary.video_seconds = static_cast<double>(video_end) * av_q2d(input->streams[video]->time_base);
  if (audio >= 0) {
    // MP4 and MOV give the stream's duration without the encoder's priming samples;
    // Matroska has none, so the packets tell.
    const AVStream* stream = input->streams[audio];
    const std::int64_t duration =
        stream->duration != AV_NOPTS_VALUE ? stream->duration : audio_end - std::max<std::int64_t>(0, audio_start);
    summary.audio_seconds = static_cast<double>(duration) * av_q2d(stream->time_base);
  }
  return summary;
}

void check_output(std::int64_t frames, Rational fps, const fs::path& path, bool audio) {
  const MediaSummary summary = summarize_media(path);
  const double frame_seconds = 1.0 / fps.to_double();
  if (summary.video_frames != frames) {
    throw Failure(fmt::format("{}: has {} frames instead of {}", path.string(), summary.video_frames, frames));
  }
  if (audio && std::abs(summary.audio_seconds - summary.video_seconds) > frame_seconds + 1e-6) {
    throw Failure(fmt::format("{}: audio lasts {:.3f} s but video {:.3f} s", path.string(), summary.audio_seconds,
                              summary.video_seconds));
  }
}

}  // namespace stemviz
