#include <stemviz/scene/palette.hpp>

#include <array>
#include <cmath>

namespace stemviz {

Colour hsv(double hue_degrees, double saturation, double value) {
  const double hue = std::fmod(std::fmod(hue_degrees, 360.0) + 360.0, 360.0) / 60.0;
  const double chroma = value * saturation;
  const double x = chroma * (1.0 - std::abs(std::fmod(hue, 2.0) - 1.0));
  const double m = value - chroma;
  const int sector = static_cast<int>(hue) % 6;
  const std::array<Colour, 6> sectors = {Colour{chroma, x, 0}, {x, chroma, 0}, {0, chroma, x},
                                         {0, x, chroma},       {x, 0, chroma}, {chroma, 0, x}};
  const Colour c = sectors[static_cast<std::size_t>(sector)];
  return {c.r + m, c.g + m, c.b + m};
}

Colour stem_colour(int stem, int stem_count) { return hsv(205.0 + 360.0 * stem / stem_count, 0.68, 0.96); }

Colour palette_colour(const std::string& palette, int stem, int stem_count) {
  const double u = stem_count > 1 ? static_cast<double>(stem) / (stem_count - 1) : 0.0;
  if (palette == "warm") return hsv(350.0 + 60.0 * u, 0.78, 0.98);
  if (palette == "cool") return hsv(165.0 + 110.0 * u, 0.62, 0.95);
  if (palette == "pastel") return hsv(205.0 + 360.0 * stem / stem_count, 0.38, 0.97);
  if (palette == "mono") return hsv(215.0, 0.18, 0.62 + 0.34 * (1.0 - u));
  return stem_colour(stem, stem_count);
}

}  // namespace stemviz
