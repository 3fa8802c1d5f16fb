// Analysis stage: turns the stems into per-frame features, once for the whole song, so
// that a frame depends only on (features, scene, frame index) and never on its chunk.
#pragma once

#include <stemviz/analysis/features.hpp>
#include <stemviz/analysis/levels.hpp>
#include <stemviz/audio/stems.hpp>
#include <stemviz/util/timeline.hpp>

#include <vector>

namespace stemviz {

struct AnalysisSettings {
  double window_ms = 50.0;   // RMS and peak window in milliseconds, > 0
  double attack_ms = 0.0;    // rise time constant of the level; 0 = follows at once
  double release_ms = 80.0;  // fall time constant of the level; 0 = falls at once
  Normalization normalization;
  int bands = 8;              // spectral bands per stem, 1..kMaxBands
  bool bleed_reduce = false;  // scale every feature to the stem's own power (own_power_fraction)
  int threads = 0;            // OpenMP threads; 0 = all cores
  // What the scene's waveform and spectrum layers need, each once (scene/layers.hpp's
  // display_requests); empty for scenes without them.
  std::vector<DisplayRequest> displays;
  // The mix's own features too, as one more row after the stems' (FeatureTrack's row
  // stem_count() - 1), for layers bound to "mix" (scene/layers.hpp's needs_mix_features).
  bool mix_features = false;
};

// Checks the settings; throws UsageError naming the command-line option at fault.
void validate(const AnalysisSettings& settings);

struct Analysis {
  FeatureTrack features;  // a row per stem, and the mix's after them with mix_features
  float mix_gain = 1.0f;  // soundtrack gain that keeps the stems' sum below full scale
  double mix_peak = 0.0;  // peak of the unscaled sum of the stems, 1.0 = full scale
};

// Streams every stem once (in blocks, OpenMP over stems) and returns per-frame features
// and the soundtrack gain. Peak memory does not grow with song length beyond the features.
// The result is the same for any thread count.
Analysis analyze(const std::vector<StemInfo>& stems, const Timeline& timeline, const AnalysisSettings& settings);

}  // namespace stemviz
