// What a scene's layers show from files, read by the job (from the scene's folder, --cover
// and --lyrics, or a job folder's assets/) and handed to the Scene: decoded pictures and
// parsed lyrics, checked videos, by the name the scene gives each file.
#pragma once

#include <stemviz/scene/lyrics.hpp>
#include <stemviz/util/picture.hpp>
#include <stemviz/util/video_frames.hpp>

#include <map>
#include <string>

namespace stemviz {

struct SceneInputs {
  std::map<std::string, Picture> pictures;    // image layers' files ("cover.png", "{cover}")
  std::map<std::string, Lyrics> lyrics;       // lyrics layers' files ("song.lrc", "{lyrics}")
  std::map<std::string, VideoSource> videos;  // video layers' files, checked; each canvas opens its own decoder
};

}  // namespace stemviz
