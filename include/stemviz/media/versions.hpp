// The media libraries this binary runs with: their versions decide a segment's bytes, so a
// job's manifest records them and every worker checks its own against them.
#pragma once

#include <string>

namespace stemviz {

struct MediaVersions {
  std::string ffmpeg;       // "5.1.6-0+deb12u1"
  std::string libavcodec;   // "59.37.100"
  std::string libavformat;  // "59.27.100"
  std::string x264;         // the build number, "164"; "unknown" when libx264 is not loaded
  std::string libyuv;       // "1857"
};

MediaVersions media_versions();

}  // namespace stemviz
