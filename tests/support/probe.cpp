#include "probe.hpp"

#include <stemviz/media/libav.hpp>
#include <stemviz/media/stitch.hpp>

#include <cairo.h>
#include <sndfile.h>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <algorithm>
#include <cmath>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace stemviz::test {

namespace fs = std::filesystem;

namespace {

struct Decoder {
  InputFormatPtr input;
  CodecContextPtr codec;
  int stream = -1;
};

// What the tests decode: stemviz's containers and the PNG frames of its png codec.
constexpr const char* kProbedContainers = "mov,matroska,webm,flac,wav,png_pipe";

Decoder open_decoder(const fs::path& path, bool with_alpha = false) {
  Decoder d;
  d.input = open_input(path.string(), kProbedContainers);
  d.stream = check_av(av_find_best_stream(d.input.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0), "video stream");
  const AVCodecParameters* par = d.input->streams[d.stream]->codecpar;
  // FFmpeg's own VP9 decoder drops the alpha plane; libvpx's decodes it.
  const AVCodec* codec = with_alpha && par->codec_id == AV_CODEC_ID_VP9 ? avcodec_find_decoder_by_name("libvpx-vp9")
                                                                        : avcodec_find_decoder(par->codec_id);
  d.codec.reset(avcodec_alloc_context3(codec));
  check_av(avcodec_parameters_to_context(d.codec.get(), par), "decoder parameters");
  d.codec->thread_count = 1;
  check_av(avcodec_open2(d.codec.get(), codec, nullptr), "open decoder");
  return d;
}

// Calls `on_frame(frame)` for every decoded frame, in presentation order.
template <typename F>
void decode_all(Decoder& d, F&& on_frame) {
  auto packet = make_packet();
  auto frame = make_frame();
  const auto drain = [&] {
    while (avcodec_receive_frame(d.codec.get(), frame.get()) == 0) {
      on_frame(*frame);
      av_frame_unref(frame.get());
    }
  };
  while (av_read_frame(d.input.get(), packet.get()) >= 0) {
    if (packet->stream_index == d.stream) {
      check_av(avcodec_send_packet(d.codec.get(), packet.get()), "decode");
      drain();
    }
    av_packet_unref(packet.get());
  }
  avcodec_send_packet(d.codec.get(), nullptr);
  drain();
}

std::uint64_t fnv1a(std::uint64_t hash, const std::uint8_t* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 1099511628211ull;
  return hash;
}

}  // namespace

VideoProbe probe_video(const fs::path& path) {
  VideoProbe p;
  Decoder d = open_decoder(path);
  const AVStream* video = d.input->streams[d.stream];
  p.video_codec = avcodec_get_name(video->codecpar->codec_id);
  p.pixel_format = av_get_pix_fmt_name(static_cast<AVPixelFormat>(video->codecpar->format));
  p.width = video->codecpar->width;
  p.height = video->codecpar->height;
  p.fps_num = video->avg_frame_rate.num;
  p.fps_den = video->avg_frame_rate.den;
  std::int64_t end = 0;
  // libavutil 57 (FFmpeg 5.1, Debian 12) names the frame duration pkt_duration.
  decode_all(d, [&](const AVFrame& frame) {
    ++p.decoded_frames;
    end = std::max(end, frame.best_effort_timestamp + frame.pkt_duration);
  });
  p.video_seconds = static_cast<double>(end) * av_q2d(video->time_base);
  const int audio = av_find_best_stream(d.input.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (audio >= 0) {
    const AVStream* a = d.input->streams[audio];
    p.audio_codec = avcodec_get_name(a->codecpar->codec_id);
    p.audio_channels = a->codecpar->ch_layout.nb_channels;
    p.audio_sample_rate = a->codecpar->sample_rate;
    // Matroska and WebM give no stream duration: the library's packet count tells.
    p.audio_seconds = a->duration != AV_NOPTS_VALUE ? static_cast<double>(a->duration) * av_q2d(a->time_base)
                                                    : summarize_media(path).audio_seconds;
  }
  if (const AVDictionaryEntry* e = av_dict_get(d.input->metadata, "title", nullptr, 0)) p.title = e->value;
  if (const AVDictionaryEntry* e = av_dict_get(d.input->metadata, "comment", nullptr, 0)) p.comment = e->value;
  // Top-level MP4 boxes: size (4 bytes, big-endian) then type.
  std::ifstream file(path, std::ios::binary);
  std::int64_t moov = -1, mdat = -1, offset = 0;
  unsigned char header[8];
  while (file.read(reinterpret_cast<char*>(header), 8)) {
    const std::uint32_t size = (std::uint32_t{header[0]} << 24) | (header[1] << 16) | (header[2] << 8) | header[3];
    const std::string type(reinterpret_cast<char*>(header + 4), 4);
    if (type == "moov") moov = offset;
    if (type == "mdat") mdat = offset;
    if (size < 8) break;
    offset += size;
    file.seekg(offset);
  }
  p.moov_before_mdat = moov >= 0 && mdat >= 0 && moov < mdat;
  return p;
}

AlphaImage decode_alpha(const fs::path& path, std::int64_t index) {
  Decoder d = open_decoder(path, true);
  AlphaImage image;
  std::int64_t n = 0;
  decode_all(d, [&](const AVFrame& frame) {
    if (n++ != index) return;
    image.width = frame.width;
    image.height = frame.height;
    SwsContextPtr convert(sws_getContext(frame.width, frame.height, static_cast<AVPixelFormat>(frame.format),
                                         frame.width, frame.height, AV_PIX_FMT_RGBA, SWS_POINT, nullptr, nullptr,
                                         nullptr));
    if (!convert) throw std::runtime_error("cannot convert the decoded frame to RGBA");
    std::vector<std::uint8_t> rgba(static_cast<std::size_t>(4 * frame.width) * frame.height);
    std::uint8_t* const planes[4] = {rgba.data(), nullptr, nullptr, nullptr};
    const int strides[4] = {4 * frame.width, 0, 0, 0};
    sws_scale(convert.get(), frame.data, frame.linesize, 0, frame.height, planes, strides);
    for (std::size_t i = 3; i < rgba.size(); i += 4) image.pixels.push_back(rgba[i]);
  });
  if (image.pixels.empty()) throw std::runtime_error("no such frame in " + path.string());
  return image;
}

std::vector<std::uint64_t> frame_hashes(const fs::path& path) {
  Decoder d = open_decoder(path);
  std::vector<std::uint64_t> hashes;
  decode_all(d, [&](const AVFrame& frame) {
    std::uint64_t hash = 14695981039346656037ull;
    for (int plane = 0; plane < 3; ++plane) {
      const int w = plane == 0 ? frame.width : (frame.width + 1) / 2;
      const int h = plane == 0 ? frame.height : (frame.height + 1) / 2;
      for (int y = 0; y < h; ++y) {
        hash = fnv1a(hash, frame.data[plane] + static_cast<std::ptrdiff_t>(y) * frame.linesize[plane],
                     static_cast<std::size_t>(w));
      }
    }
    hashes.push_back(hash);
  });
  return hashes;
}

std::vector<std::vector<std::uint8_t>> video_packets(const fs::path& path) {
  InputFormatPtr input = open_input(path.string(), kProbedContainers);
  const int stream = av_find_best_stream(input.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  std::vector<std::vector<std::uint8_t>> packets;
  auto packet = make_packet();
  while (av_read_frame(input.get(), packet.get()) >= 0) {
    if (packet->stream_index == stream) packets.emplace_back(packet->data, packet->data + packet->size);
    av_packet_unref(packet.get());
  }
  return packets;
}

LumaImage decode_luma(const fs::path& path, std::int64_t index) {
  Decoder d = open_decoder(path);
  LumaImage image;
  std::int64_t seen = 0;
  decode_all(d, [&](const AVFrame& frame) {
    if (seen++ != index) return;
    image.width = frame.width;
    image.height = frame.height;
    for (int y = 0; y < frame.height; ++y) {
      const std::uint8_t* row = frame.data[0] + static_cast<std::ptrdiff_t>(y) * frame.linesize[0];
      image.pixels.insert(image.pixels.end(), row, row + frame.width);
    }
  });
  if (image.pixels.empty()) throw std::runtime_error("no frame " + std::to_string(index));
  return image;
}

RunResult run(const fs::path& program, const std::vector<std::string>& arguments) {
  return finish(start(program, arguments));
}

Started start(const fs::path& program, const std::vector<std::string>& arguments) {
  static int runs = 0;
  const fs::path log =
      fs::path(STEMVIZ_TEST_TMP) / ("run-" + std::to_string(getpid()) + "-" + std::to_string(++runs) + ".log");
  std::vector<std::string> all{program.string()};
  all.insert(all.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot start " + program.string());
  return {pid, log};
}

RunResult finish(const Started& started, std::chrono::seconds give_up_after) {
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + give_up_after;
  while (waitpid(started.pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(started.pid, SIGKILL);
      waitpid(started.pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const fs::path& log = started.log;
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  result.output = text.str();
  fs::remove(log);
  return result;
}

std::vector<std::string> files_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(STEMVIZ_TEST_TMP) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_stem(const fs::path& path, int format, int rate, int channels, std::int64_t samples,
                double (*value)(std::int64_t, int)) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (file == nullptr) throw std::runtime_error("cannot write " + path.string() + ": " + sf_strerror(nullptr));
  std::vector<float> block;
  for (std::int64_t start = 0; start < samples; start += 4096) {
    const std::int64_t n = std::min<std::int64_t>(4096, samples - start);
    block.resize(static_cast<std::size_t>(n * channels));
    for (std::int64_t i = 0; i < n; ++i) {
      for (int c = 0; c < channels; ++c) {
        block[static_cast<std::size_t>(i * channels + c)] = static_cast<float>(value(start + i, c));
      }
    }
    sf_writef_float(file, block.data(), n);
  }
  sf_close(file);
}

FeatureTrack with_displays(const FeatureTrack& features, const SceneDescription& scene,
                           const std::vector<std::string>& stem_names, double fps) {
  FeatureTrack track = features;
  if (mix_features_wanted(scene.layers) && features.stem_count() == static_cast<int>(stem_names.size())) {
    // The mix's row after the stems': here the first stem's features again.
    track = FeatureTrack(features.stem_count() + 1, features.frame_count(), features.band_count());
    for (int row = 0; row <= features.stem_count(); ++row)
      for (std::int64_t frame = 0; frame < features.frame_count(); ++frame)
        track.set(row, frame, features.at(row < features.stem_count() ? row : 0, frame));
  }
  for (const DisplayRequest& request : display_requests(scene.layers, stem_names, fps)) {
    DisplayTrack& display = track.displays().emplace_back();
    display.request = request;
    const std::int64_t count = track.frame_count() * request.values_per_frame();
    for (std::int64_t v = 0; v < count; ++v) {
      const float x = static_cast<float>(v % 41) / 40.0f;
      display.values.push_back(request.kind == DisplayRequest::Kind::trace ? 2.0f * x - 1.0f : x);
    }
  }
  return track;
}

Scene bundled_scene(const std::string& name, const FeatureTrack& features, const Timeline& timeline, int width,
                    int height) {
  std::vector<std::string> names;
  for (int stem = 0; stem < features.stem_count(); ++stem) names.push_back("stem " + std::to_string(stem + 1));
  SceneDescription scene = load_scene(name);
  if (display_requests(scene.layers, names, timeline.fps.to_double()).empty() && !mix_features_wanted(scene.layers))
    return Scene(std::move(scene), names, features, timeline, width, height);
  // A scene with waveforms or spectra reads their displays too: a copy of the features with
  // them, kept for the rest of the process, as a Scene only points at its features.
  static std::deque<FeatureTrack> kept;
  static std::mutex kept_lock;
  const std::lock_guard<std::mutex> hold(kept_lock);
  const FeatureTrack& track = kept.emplace_back(with_displays(features, scene, names, timeline.fps.to_double()));
  return Scene(std::move(scene), names, track, timeline, width, height);
}

FeatureTrack constant_features(int stems, std::int64_t frames, float value) {
  FeatureTrack features(stems, frames, kMaxBands);
  for (int stem = 0; stem < stems; ++stem) {
    for (std::int64_t frame = 0; frame < frames; ++frame) {
      StemFrameFeatures f;
      f.level = f.rms = f.peak = f.flux = f.onset = value;
      f.centroid_hz = 2000.0f * value;
      f.bands.fill(value);
      features.set(stem, frame, f);
    }
  }
  return features;
}

Image read_png(const std::filesystem::path& path) {
  cairo_surface_t* surface = cairo_image_surface_create_from_png(path.c_str());
  Image image;
  if (cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS) {
    cairo_surface_t* argb = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, cairo_image_surface_get_width(surface),
                                                       cairo_image_surface_get_height(surface));
    cairo_t* cr = cairo_create(argb);
    cairo_set_source_surface(cr, surface, 0, 0);
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_flush(argb);
    image.width = cairo_image_surface_get_width(argb);
    image.height = cairo_image_surface_get_height(argb);
    image.stride = cairo_image_surface_get_stride(argb);
    const std::uint8_t* data = cairo_image_surface_get_data(argb);
    image.argb.assign(data, data + static_cast<std::size_t>(image.stride) * static_cast<std::size_t>(image.height));
    cairo_surface_destroy(argb);
  }
  cairo_surface_destroy(surface);
  return image;
}

void write_png(const std::filesystem::path& path, int width, int height, int r, int g, int b, int a) {
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgba(cr, r / 255.0, g / 255.0, b / 255.0, a / 255.0);
  cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_write_to_png(surface, path.c_str());
  cairo_surface_destroy(surface);
}

void write_jpeg(const std::filesystem::path& path, int width, int height, int r, int g, int b) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (codec == nullptr) throw std::runtime_error("no MJPEG encoder");
  stemviz::CodecContextPtr context(avcodec_alloc_context3(codec));
  context->width = width;
  context->height = height;
  context->pix_fmt = AV_PIX_FMT_YUVJ420P;
  context->time_base = {1, 25};
  context->color_range = AVCOL_RANGE_JPEG;
  if (avcodec_open2(context.get(), codec, nullptr) < 0) throw std::runtime_error("cannot open the MJPEG encoder");
  stemviz::FramePtr frame(av_frame_alloc());
  frame->width = width;
  frame->height = height;
  frame->format = AV_PIX_FMT_YUVJ420P;
  if (av_frame_get_buffer(frame.get(), 0) < 0) throw std::runtime_error("no memory for a frame");
  // Full-range BT.601, as JPEG files have it.
  const double y = 0.299 * r + 0.587 * g + 0.114 * b;
  const double u = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
  const double v = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  const double values[3] = {y, u, v};
  for (int plane = 0; plane < 3; ++plane) {
    const int rows = plane == 0 ? height : (height + 1) / 2;
    const int columns = plane == 0 ? width : (width + 1) / 2;
    for (int row = 0; row < rows; ++row)
      std::fill_n(frame->data[plane] + static_cast<std::ptrdiff_t>(row) * frame->linesize[plane], columns,
                  static_cast<std::uint8_t>(std::lround(std::clamp(values[plane], 0.0, 255.0))));
  }
  stemviz::PacketPtr packet(av_packet_alloc());
  if (avcodec_send_frame(context.get(), frame.get()) < 0 || avcodec_send_frame(context.get(), nullptr) < 0 ||
      avcodec_receive_packet(context.get(), packet.get()) < 0)
    throw std::runtime_error("cannot encode the JPEG");
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(packet->data), packet->size);
}

}  // namespace stemviz::test
