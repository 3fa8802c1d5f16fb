// Stem colours: the palettes a scene's [object] `palette` names. Plots and the stage draw
// each stem in the same colour.
#pragma once

#include <stemviz/scene/scene_file.hpp>

#include <string>

namespace stemviz {

// The colour of hue `hue_degrees` (any value, wrapping at 360), `saturation` and `value`
// (0..1), as sRGB.
Colour hsv(double hue_degrees, double saturation, double value);

// Stem `stem`'s colour among `stem_count` in the "spectrum" palette: evenly spaced hues
// starting at blue, so neighbouring stems are easy to tell apart.
Colour stem_colour(int stem, int stem_count);

// Stem `stem`'s colour in a named palette (spectrum, warm, cool, pastel, mono).
Colour palette_colour(const std::string& palette, int stem, int stem_count);

}  // namespace stemviz
