// A contact sheet: frames spread over the song, scaled down side by side and stamped with
// their times, for judging a scene over a whole song at a glance (`stemviz preview --sheet`).
#pragma once

#include <stemviz/draw/cairo.hpp>
#include <stemviz/draw/canvas.hpp>

#include <string>

namespace stemviz {

// "1:23.45" for a time in seconds.
std::string clock_time(double seconds);

// Draws `columns` x `rows` tiles (each at least 1) with `canvas`: tile k shows the frame at
// (k + 0.5) / tiles of the song. Tiles share the picture's width, 2 pixels apart. Throws
// Interrupted on a cancel request.
[[nodiscard]] CairoSurfacePtr draw_contact_sheet(FrameCanvas& canvas, const Scene& scene, int columns, int rows);

}  // namespace stemviz
