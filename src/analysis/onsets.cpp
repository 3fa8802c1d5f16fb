#include <stemviz/analysis/onsets.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace stemviz {

std::vector<float> pick_onsets(const std::vector<float>& strength, double fps, float threshold, float delta) {
  const auto frames_for = [&](double seconds) { return std::max<std::int64_t>(1, std::llround(seconds * fps)); };
  const std::int64_t peak_reach = frames_for(0.030);
  const std::int64_t mean_reach = frames_for(0.100);
  const std::int64_t min_gap = frames_for(0.050);
  const auto n = static_cast<std::int64_t>(strength.size());
  std::vector<float> onsets(strength.size(), 0.0f);
  std::int64_t last = -min_gap - 1;
  for (std::int64_t t = 0; t < n; ++t) {
    const float x = strength[static_cast<std::size_t>(t)];
    if (x < threshold || t - last < min_gap) continue;
    bool is_peak = true;
    for (std::int64_t u = std::max<std::int64_t>(0, t - peak_reach); u <= std::min(n - 1, t + peak_reach); ++u) {
      // Ties go to the earliest frame, so a flat top gives one onset.
      const float y = strength[static_cast<std::size_t>(u)];
      if (y > x || (y == x && u < t)) {
        is_peak = false;
        break;
      }
    }
    if (!is_peak) continue;
    double sum = 0.0;
    const std::int64_t from = std::max<std::int64_t>(0, t - mean_reach);
    const std::int64_t to = std::min(n - 1, t + mean_reach);
    for (std::int64_t u = from; u <= to; ++u) sum += strength[static_cast<std::size_t>(u)];
    if (x < sum / static_cast<double>(to - from + 1) + delta) continue;
    onsets[static_cast<std::size_t>(t)] = x;
    last = t;
  }
  return onsets;
}

}  // namespace stemviz
