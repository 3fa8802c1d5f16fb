// Part of the analysis stage: the per-frame data of waveform and spectrum layers
// (DisplayRequest, features.hpp), accumulated from a mono signal fed in blocks of any size
// in the same streaming pass as the features.
//
// Bytes a display adds to the feature file (and a job folder), float32 per value:
//   trace     8 x columns per frame  (60 fps, 5 columns: 144 KB a minute)
//   spectrum  4 x bands per frame    (60 fps, 64 bands:  0.9 MB a minute)
#pragma once

#include <stemviz/analysis/features.hpp>
#include <stemviz/util/timeline.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stemviz {

// Checks a request's numbers; returns why it is impossible, or an empty string.
std::string display_request_problem(const DisplayRequest& request);

// One display's values for every frame, from the mono signal of its source on `timeline`
// (the source's own sample rate).
class DisplayAccumulator {
 public:
  // Creates an FFTW plan for a spectrum: call from one thread at a time.
  DisplayAccumulator(const DisplayRequest& request, const Timeline& timeline);
  ~DisplayAccumulator();
  DisplayAccumulator(DisplayAccumulator&&) noexcept;
  DisplayAccumulator& operator=(DisplayAccumulator&&) noexcept;

  // Adds the next `count` samples of the signal (they follow the previous block).
  void add(const float* mono, std::int64_t count);
  // The values, frame by frame (DisplayTrack::values). Call once, after the last block.
  std::vector<float> finish();

 private:
  struct Trace;
  struct Spectrum;
  std::unique_ptr<Trace> trace_;
  std::unique_ptr<Spectrum> spectrum_;
};

}  // namespace stemviz
