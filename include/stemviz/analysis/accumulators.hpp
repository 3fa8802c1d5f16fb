// The streaming part of the analysis: per-frame loudness and spectra accumulated from a
// mono signal that arrives in blocks of any size, so that no song is ever held whole.
#pragma once

#include <stemviz/analysis/features.hpp>
#include <stemviz/util/timeline.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace stemviz {

// Raw per-frame envelopes of one signal, before smoothing and normalization.
struct Envelope {
  std::vector<double> rms;   // linear
  std::vector<double> peak;  // linear, largest |sample|
};

// Accumulates windowed RMS and peak per frame from a mono signal that arrives in blocks of
// any size. Frame f's window is `window` samples centred on sample first_sample(f); the parts
// of a window before the song's start or after its end are left out.
class WindowAccumulator {
 public:
  WindowAccumulator(const Timeline& timeline, std::int64_t window);
  // Adds the next `count` samples of the signal (they follow the previous block).
  void add(const float* mono, std::int64_t count);
  // The envelopes, one value per frame. Call once, after the last block.
  Envelope finish();

 private:
  std::int64_t window_start(std::int64_t frame) const;
  double block_peak(std::int64_t from, std::int64_t to) const;

  Timeline timeline_;
  std::int64_t window_;
  std::int64_t position_ = 0;    // samples added so far
  std::int64_t first_open_ = 0;  // the first frame whose window is not yet complete
  std::vector<double> sum_squares_;
  std::vector<std::int64_t> counts_;
  std::vector<double> peaks_;
  std::vector<double> prefix_;     // scratch: running sum of squares of one block
  std::vector<float> magnitude_;   // scratch: |sample| of one block
  std::vector<float> group_peak_;  // scratch: max |sample| of each group of the block
};

// Spectral features per frame from the FFT (FFTW) of a Hann-windowed stretch of the mono
// signal centred on the frame, fed in blocks of any size like WindowAccumulator.
class SpectrumAccumulator {
 public:
  // `band_count` log-spaced bands (1..kMaxBands) between 40 Hz and 16 kHz (or 0.45 of the
  // sample rate, if lower). With `keep_power`, also records the power in kMaxBands bands
  // (for bleed reduction). Creates an FFTW plan: call from one thread at a time.
  SpectrumAccumulator(const Timeline& timeline, int band_count, bool keep_power = false);
  ~SpectrumAccumulator();
  SpectrumAccumulator(SpectrumAccumulator&&) noexcept;
  SpectrumAccumulator& operator=(SpectrumAccumulator&&) noexcept;

  // Adds the next `count` samples of the signal (they follow the previous block).
  void add(const float* mono, std::int64_t count);

  struct Result {
    std::vector<std::array<float, kMaxBands>> bands;  // per frame, amplitude, unnormalized
    std::vector<float> centroid_hz;                   // per frame
    std::vector<float> flux;                          // per frame, unnormalized
    std::vector<std::array<float, kMaxBands>> power;  // per frame, only with keep_power:
                                                      // power in kMaxBands bands
  };
  // The features, one value per frame. Call once, after the last block.
  Result finish();

  int fft_size() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace stemviz
