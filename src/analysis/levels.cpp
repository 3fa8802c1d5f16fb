#include <stemviz/analysis/levels.hpp>

#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace stemviz {

Normalization::Mode parse_normalization_mode(const std::string& text, double& percentile, const std::string& what) {
  if (text == "peak") return Normalization::Mode::peak;
  if (text == "global") return Normalization::Mode::global;
  const std::string prefix = "percentile:";
  if (text.rfind(prefix, 0) == 0) {
    const std::string number = text.substr(prefix.size());
    char* end = nullptr;
    const double p = std::strtod(number.c_str(), &end);
    if (!number.empty() && end != nullptr && *end == '\0' && p > 0.0 && p <= 100.0) {
      percentile = p;
      return Normalization::Mode::percentile;
    }
  }
  throw UsageError(
      fmt::format("{} {}: use peak, global or percentile:P with P from 0 to 100, "
                  "e.g. percentile:95",
                  what, text));
}

std::string normalization_name(const Normalization& normalization) {
  switch (normalization.mode) {
    case Normalization::Mode::peak: return "peak";
    case Normalization::Mode::global: return "global";
    case Normalization::Mode::percentile: return fmt::format("percentile:{}", normalization.percentile);
  }
  return "peak";
}

std::vector<double> smooth_envelope(const std::vector<double>& envelope, double frame_seconds, double attack_ms,
                                    double release_ms) {
  // A time constant of T ms moves 1 - 1/e of the way to the target in T ms.
  const auto coefficient = [&](double ms) { return ms > 0.0 ? std::exp(-frame_seconds * 1000.0 / ms) : 0.0; };
  const double attack = coefficient(attack_ms);
  const double release = coefficient(release_ms);
  std::vector<double> smoothed(envelope.size());
  double y = 0.0;
  for (std::size_t f = 0; f < envelope.size(); ++f) {
    const double x = envelope[f];
    const double a = x > y ? attack : release;
    y = a * y + (1.0 - a) * x;
    smoothed[f] = y;
  }
  return smoothed;
}

double normalization_reference(const std::vector<double>& smoothed, const Normalization& normalization) {
  if (smoothed.empty()) return 0.0;
  const double loudest = *std::max_element(smoothed.begin(), smoothed.end());
  if (normalization.mode != Normalization::Mode::percentile) return loudest;
  // Nearest-rank percentile. A stem that is silent for more than P% of the song would get a
  // reference of 0 and show nothing; its loudest frame serves instead.
  std::vector<double> sorted = smoothed;
  const auto rank =
      static_cast<std::size_t>(std::ceil(normalization.percentile / 100.0 * static_cast<double>(sorted.size())));
  const std::size_t index = std::clamp<std::size_t>(rank, 1, sorted.size()) - 1;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(index), sorted.end());
  const double reference = sorted[index];
  return reference > 0.0 ? reference : loudest;
}

float to_level(double value, double reference, const Normalization& normalization) {
  if (!(reference > 0.0) || !(value > 0.0)) return 0.0f;
  double level = std::min(1.0, value / reference);
  if (normalization.floor_db) {
    const double db = 20.0 * std::log10(level);
    level = std::clamp(1.0 - db / *normalization.floor_db, 0.0, 1.0);
  }
  if (normalization.gamma != 1.0) level = std::pow(level, normalization.gamma);
  return static_cast<float>(level);
}

}  // namespace stemviz
