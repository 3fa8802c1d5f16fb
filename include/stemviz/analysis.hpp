// Analysis stage: turns the stems into per-frame features, once for the whole song, so
// that a frame depends only on (features, scene, frame index) and never on its chunk.
#pragma once

#include <stemviz/audio.hpp>
#include <stemviz/timeline.hpp>

#include <cstdint>
#include <vector>

namespace stemviz {

// What the renderer knows about one stem at one frame.
struct StemFrameFeatures {
  float rms = 0.0f;  // windowed RMS loudness, 0..1, 1 = this stem's loudest frame
};

// Features of every stem at every frame of the song, stored stem-major.
class FeatureTrack {
 public:
  FeatureTrack() = default;
  FeatureTrack(int stem_count, std::int64_t frame_count);

  int stem_count() const { return stem_count_; }
  std::int64_t frame_count() const { return frame_count_; }
  // `frame` past the end reads as silence, so a caller never indexes out of range.
  StemFrameFeatures at(int stem, std::int64_t frame) const;
  // The writable RMS values of one stem, one per frame.
  float* rms(int stem) { return &rms_[static_cast<std::size_t>(stem) * frame_count_]; }

 private:
  int stem_count_ = 0;
  std::int64_t frame_count_ = 0;
  std::vector<float> rms_;
};

// Accumulates windowed RMS per frame from a mono signal that arrives in blocks of any size.
// Frame f's window is `window` samples centred on sample first_sample(f); the parts of a
// window before the song's start or after its end are left out of the mean.
class RmsAccumulator {
 public:
  RmsAccumulator(const Timeline& timeline, std::int64_t window);
  // Adds the next `count` samples of the signal (they follow the previous block).
  void add(const float* mono, std::int64_t count);
  // RMS per frame (linear, same scale as the samples). Call once, after the last block.
  std::vector<double> finish();

 private:
  std::int64_t window_start(std::int64_t frame) const;

  Timeline timeline_;
  std::int64_t window_;
  std::int64_t position_ = 0;       // samples added so far
  std::int64_t first_open_ = 0;     // the first frame whose window is not yet complete
  std::vector<double> sum_squares_;
  std::vector<std::int64_t> counts_;
  std::vector<double> prefix_;      // scratch: running sum of squares of one block
};

struct AnalysisSettings {
  double window_ms = 50.0;  // RMS window length in milliseconds, > 0
  int threads = 0;          // OpenMP threads; 0 = all cores
};

struct Analysis {
  FeatureTrack features;
  float mix_gain = 1.0f;    // soundtrack gain that keeps the stems' sum below full scale
  double mix_peak = 0.0;    // peak of the unscaled sum of the stems, 1.0 = full scale
};

// Streams every stem once (in blocks, OpenMP over stems) and returns per-frame features
// and the soundtrack gain. Peak memory does not grow with song length beyond the features.
Analysis analyze(const std::vector<StemInfo>& stems, const Timeline& timeline,
                 const AnalysisSettings& settings);

}  // namespace stemviz
