// Part of the drawing stage: the colours of a face shaded per vertex (`@vertex`
// shaders), blended across the face from its corners.
//
// Cairo's mesh gradients do this too, but they shade every point of the whole patch at
// about two points per pixel of its area, off-picture parts included: a face close to the
// camera cost seconds, and the bundled `spin` scene drew eight times slower than with a
// flat shader. This writes each pixel once, and only where the face can show.
#pragma once

#include <stemviz/draw/face.hpp>

#include <cstdint>

namespace stemviz {

// Writes into `image` (premultiplied ARGB32 in native byte order, `stride` bytes per row,
// `width` x `height` pixels) the blended colour at every pixel that the face's antialiased
// fill can touch, clipped to the image; other pixels keep their values. The blend is the
// one cairo's mesh gradients give: a triangle's is barycentric (linear in x and y), a
// quad's bilinear in the quad's own coordinates (u along corners 0-1, v along 0-3). Corner
// colours and alphas are clamped to 0..1, as cairo clamps them. Returns the box written,
// empty when the face misses the image.
PixelBox blend_corner_colours(const ScreenFace& face, std::uint8_t* image, int stride, int width, int height);

}  // namespace stemviz
