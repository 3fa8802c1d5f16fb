// A decoded picture in memory, as every stage passes pictures around: premultiplied ARGB32
// in native byte order (B, G, R, A on little-endian machines), as Cairo keeps pictures.
#pragma once

#include <cstdint>
#include <vector>

namespace stemviz {

struct Picture {
  int width = 0, height = 0;         // pixels, each 1 .. kMaxPictureSide when decoded
  std::vector<std::uint8_t> pixels;  // rows of width * 4 bytes, top row first
  bool opaque = false;               // every alpha is 255: it may be drawn as Cairo's RGB24, copied rather than blended
};

// The largest side of a picture stemviz reads (a 16K image), and the largest file.
inline constexpr int kMaxPictureSide = 16384;
inline constexpr std::int64_t kMaxPictureFileBytes = 256LL << 20;

}  // namespace stemviz
