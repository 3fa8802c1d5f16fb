#include <stemviz/media/libav.hpp>

#include <stemviz/util/error.hpp>

#include <string>

namespace stemviz {

void OutputFormatDeleter::operator()(AVFormatContext* f) const {
  if (f == nullptr) return;
  if (f->oformat != nullptr && !(f->oformat->flags & AVFMT_NOFILE)) avio_closep(&f->pb);
  avformat_free_context(f);
}

FramePtr make_frame() {
  FramePtr frame(av_frame_alloc());
  if (!frame) throw Failure("out of memory allocating a video frame");
  return frame;
}

PacketPtr make_packet() {
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw Failure("out of memory allocating a packet");
  return packet;
}

InputFormatPtr open_input(const std::string& path) {
  AVFormatContext* raw = nullptr;
  check_av(avformat_open_input(&raw, path.c_str(), nullptr, nullptr), "cannot open " + path);
  InputFormatPtr input(raw);
  check_av(avformat_find_stream_info(input.get(), nullptr), "cannot read streams of " + path);
  return input;
}

std::string av_error_text(int averror) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(averror, text, sizeof text);
  return text;
}

int check_av(int result, std::string_view what) {
  if (result < 0) throw Failure(std::string(what) + ": " + av_error_text(result));
  return result;
}

}  // namespace stemviz
