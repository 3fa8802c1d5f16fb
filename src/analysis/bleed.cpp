#include <stemviz/analysis/bleed.hpp>

#include <algorithm>
#include <cmath>

namespace stemviz {

namespace {

// The `p`-th percentile (0..1, nearest rank) of `values`, which it reorders.
float percentile_of(std::vector<float>& values, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size())));
  const std::size_t index = std::clamp<std::size_t>(rank, 1, values.size()) - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
  return values[index];
}

}  // namespace

std::vector<std::vector<float>> own_power_fraction(const StemBandPower& power) {
  constexpr double kLoudShare = 0.1;  // "loud": within 10 dB of the stem's 99th percentile
  constexpr double kRatioPercentile = 0.2;
  constexpr double kAudibleShare = 1e-6;  // and at most 60 dB below the loudest of all stems
  constexpr float kSameSource = 0.25;     // g_ij and g_ji both above this: within 6 dB
  constexpr std::size_t kFewestFrames = 4;
  const std::size_t stems = power.size();
  const std::size_t frames = stems > 0 ? power.front().size() : 0;
  float loudest = 0.0f;
  for (const auto& stem : power) {
    for (const auto& bands : stem) loudest = std::max(loudest, *std::max_element(bands.begin(), bands.end()));
  }

  // gain[i][j][k]: how much of stem j's power in band k stem i hears.
  std::vector<std::vector<std::array<float, kMaxBands>>> gain(
      stems, std::vector<std::array<float, kMaxBands>>(stems, std::array<float, kMaxBands>{}));
  std::vector<std::size_t> loud_frames;
  std::vector<float> values;
  for (std::size_t j = 0; j < stems; ++j) {
    for (std::size_t k = 0; k < kMaxBands; ++k) {
      values.clear();
      for (std::size_t f = 0; f < frames; ++f) {
        if (power[j][f][k] > 0.0f) values.push_back(power[j][f][k]);
      }
      if (values.size() < kFewestFrames) continue;
      const double threshold = std::max(kLoudShare * percentile_of(values, 0.99), kAudibleShare * loudest);
      loud_frames.clear();
      for (std::size_t f = 0; f < frames; ++f) {
        if (power[j][f][k] >= threshold) loud_frames.push_back(f);
      }
      if (loud_frames.size() < kFewestFrames) continue;
      for (std::size_t i = 0; i < stems; ++i) {
        if (i == j) continue;
        values.clear();
        for (const std::size_t f : loud_frames) values.push_back(power[i][f][k] / power[j][f][k]);
        gain[i][j][k] = percentile_of(values, kRatioPercentile);
      }
    }
  }
  for (std::size_t i = 0; i < stems; ++i) {
    for (std::size_t j = i + 1; j < stems; ++j) {
      for (std::size_t k = 0; k < kMaxBands; ++k) {
        float& ij = gain[i][j][k];
        float& ji = gain[j][i][k];
        if (ij >= kSameSource && ji >= kSameSource) {
          ij = ji = 0.0f;
          continue;
        }
        // Above 1, stem i is the louder in the frames where j is loudest: j's power in this
        // band is itself bleed (from i or another drum), nothing to subtract.
        if (ij > 1.0f) ij = 0.0f;
        if (ji > 1.0f) ji = 0.0f;
      }
    }
  }

  std::vector<std::vector<float>> fraction(stems, std::vector<float>(frames, 1.0f));
  for (std::size_t i = 0; i < stems; ++i) {
    for (std::size_t f = 0; f < frames; ++f) {
      double total = 0.0, own = 0.0;
      for (std::size_t k = 0; k < kMaxBands; ++k) {
        double explained = 0.0;
        for (std::size_t j = 0; j < stems; ++j) {
          if (j != i) explained += static_cast<double>(gain[i][j][k]) * power[j][f][k];
        }
        total += power[i][f][k];
        own += std::max(0.0, power[i][f][k] - explained);
      }
      if (total > 0.0) fraction[i][f] = static_cast<float>(own / total);
    }
  }
  return fraction;
}

}  // namespace stemviz
