#include <stemviz/media/picture.hpp>

#include <stemviz/media/libav.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <cstring>
#include <fstream>
#include <iterator>

namespace stemviz {

namespace {

// The decoder for a file that starts with `bytes`, or AV_CODEC_ID_NONE.
AVCodecID codec_of(const std::string& bytes) {
  const auto starts = [&](std::size_t at, const char* magic) {
    const std::size_t length = std::strlen(magic);
    return bytes.size() >= at + length && bytes.compare(at, length, magic) == 0;
  };
  if (starts(0, "\x89PNG\r\n\x1a\n")) return AV_CODEC_ID_PNG;
  if (starts(0, "\xff\xd8\xff")) return AV_CODEC_ID_MJPEG;
  if (starts(0, "RIFF") && starts(8, "WEBP")) return AV_CODEC_ID_WEBP;
  if (starts(0, "BM")) return AV_CODEC_ID_BMP;
  if (starts(0, "II*") || starts(0, "MM")) return AV_CODEC_ID_TIFF;
  if (starts(0, "GIF87a") || starts(0, "GIF89a")) return AV_CODEC_ID_GIF;
  return AV_CODEC_ID_NONE;
}

}  // namespace

Picture decode_picture(const std::filesystem::path& path, const std::string& shown) {
  const std::string name = shown.empty() ? path.string() : shown;
  const auto refuse = [&](const std::string& why) {
    return InputError(fmt::format("{}: {}; use a PNG, JPEG or WebP picture", name, why));
  };
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) throw refuse("no such picture file");
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw refuse("cannot read it");
  if (size > static_cast<std::uintmax_t>(kMaxPictureFileBytes))
    throw refuse(fmt::format("{} bytes, more than the {} MiB a picture may have", size, kMaxPictureFileBytes >> 20));
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw refuse("cannot read it");
  return decode_picture_bytes(bytes, name);
}

Picture decode_picture_bytes(const std::string& bytes, const std::string& shown) {
  const std::string& name = shown;
  const auto refuse = [&](const std::string& why) {
    return InputError(fmt::format("{}: {}; use a PNG, JPEG or WebP picture", name, why));
  };
  const AVCodecID id = codec_of(bytes);
  if (id == AV_CODEC_ID_NONE) throw refuse("not a picture stemviz reads");
  const AVCodec* codec = avcodec_find_decoder(id);
  if (codec == nullptr) throw refuse("no decoder for its format in this libavcodec");
  CodecContextPtr context(avcodec_alloc_context3(codec));
  if (!context) throw Failure(fmt::format("{}: out of memory", name));
  context->thread_count = 1;
  if (avcodec_open2(context.get(), codec, nullptr) < 0) throw refuse("its decoder cannot start");
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  if (!packet || !frame || av_new_packet(packet.get(), static_cast<int>(bytes.size())) < 0)
    throw Failure(fmt::format("{}: out of memory", name));
  std::memcpy(packet->data, bytes.data(), bytes.size());
  if (avcodec_send_packet(context.get(), packet.get()) < 0) throw refuse("damaged");
  avcodec_send_packet(context.get(), nullptr);  // the whole file is sent: drain
  if (avcodec_receive_frame(context.get(), frame.get()) < 0) throw refuse("damaged");
  if (frame->width < 1 || frame->height < 1 || frame->width > kMaxPictureSide || frame->height > kMaxPictureSide)
    throw refuse(
        fmt::format("{}x{} pixels; pictures may have 1 to {} on a side", frame->width, frame->height, kMaxPictureSide));

  Picture picture;
  picture.width = frame->width;
  picture.height = frame->height;
  picture.pixels.resize(static_cast<std::size_t>(picture.width) * static_cast<std::size_t>(picture.height) * 4);
  // AV_PIX_FMT_RGB32 is 0xAARRGGBB in native byte order: Cairo's ARGB32, unpremultiplied.
  const auto source = static_cast<AVPixelFormat>(frame->format);
  SwsContextPtr convert(sws_getContext(frame->width, frame->height, source, frame->width, frame->height,
                                       AV_PIX_FMT_RGB32, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr,
                                       nullptr, nullptr));
  if (!convert) throw refuse(fmt::format("its pixel format {} cannot be converted", static_cast<int>(source)));
  std::uint8_t* planes[4] = {picture.pixels.data(), nullptr, nullptr, nullptr};
  int strides[4] = {picture.width * 4, 0, 0, 0};
  sws_scale(convert.get(), frame->data, frame->linesize, 0, frame->height, planes, strides);
  premultiply(picture, (av_pix_fmt_desc_get(source)->flags & AV_PIX_FMT_FLAG_ALPHA) != 0 ||
                           source == AV_PIX_FMT_PAL8);  // a palette may hold transparent entries
  return picture;
}

void premultiply(Picture& picture, bool alpha) {
  picture.opaque = !alpha;
  for (std::size_t at = 0; at < picture.pixels.size(); at += 4) {
    std::uint32_t pixel;
    std::memcpy(&pixel, &picture.pixels[at], 4);
    const std::uint32_t a = alpha ? pixel >> 24 : 255u;
    const auto scaled = [&](int shift) { return ((pixel >> shift & 0xffu) * a + 127u) / 255u << shift; };
    pixel = a << 24 | scaled(16) | scaled(8) | scaled(0);
    std::memcpy(&picture.pixels[at], &pixel, 4);
  }
}

}  // namespace stemviz
