// Pictures from files (cover art, logos): PNG, JPEG, WebP, BMP, TIFF and GIF (its first
// frame), decoded with libavcodec into premultiplied ARGB32 (util/picture.hpp). The format
// is told by the file's first bytes, and the file is handed to that one decoder whole: no
// demuxer, protocol or playlist ever opens another file.
#pragma once

#include <stemviz/util/picture.hpp>

#include <filesystem>
#include <string>

namespace stemviz {

// Decodes the picture in `path`. Throws InputError naming `path` (as `shown` when given)
// when it is missing, not a picture of those formats, damaged, larger than
// kMaxPictureFileBytes, or wider or taller than kMaxPictureSide.
Picture decode_picture(const std::filesystem::path& path, const std::string& shown = {});
// The same for a picture's bytes held in memory (a bundled one), named `shown` in messages.
Picture decode_picture_bytes(const std::string& bytes, const std::string& shown);

// Makes `picture`'s pixels, as swscale writes AV_PIX_FMT_RGB32 (Cairo's ARGB32 layout,
// unpremultiplied), premultiplied ARGB32, and sets its `opaque`: with `alpha` each colour is
// scaled by its pixel's alpha, without it every pixel becomes opaque.
void premultiply(Picture& picture, bool alpha);

}  // namespace stemviz
