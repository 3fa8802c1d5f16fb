// Video files that scenes show (a video layer's background or inset): opened with libav
// through a fixed list of container formats and the `file` protocol only, so a playlist or
// a reference to another file or address is refused rather than followed; decoded frame by
// frame, picked by their timestamps, and converted to premultiplied ARGB32 at the size asked.
#pragma once

#include <stemviz/util/video_frames.hpp>

#include <filesystem>
#include <string>

namespace stemviz {

// Opens `path` and checks that it holds a video stream stemviz can decode (its first frame is
// decoded); `shown` names it in messages. Throws InputError naming it when it is missing, not
// a video, of a format outside the list, or damaged.
VideoSource open_video(const std::filesystem::path& path, const std::string& shown);

}  // namespace stemviz
