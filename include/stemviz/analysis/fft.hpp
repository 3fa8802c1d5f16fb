// Part of the analysis stage: what its two spectra share. FFTW's handles, owned here and
// only here, and the centred windows a spectrum is taken of: frame f's window is `size`
// samples of a signal fed in blocks of any size, centred on the frame's first sample, with
// silence before the song's start and after its end. Used by accumulators.cpp and
// displays.cpp, never outside the analysis stage (it includes FFTW's header).
#pragma once

#include <stemviz/util/timeline.hpp>

#include <fftw3.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace stemviz {

struct FftwPlanDeleter {
  void operator()(fftw_plan_s* plan) const { fftw_destroy_plan(plan); }
};
struct FftwFree {
  void operator()(void* memory) const { fftw_free(memory); }
};
using FftwPlanPtr = std::unique_ptr<fftw_plan_s, FftwPlanDeleter>;
using FftwRealPtr = std::unique_ptr<double[], FftwFree>;
using FftwComplexPtr = std::unique_ptr<fftw_complex[], FftwFree>;

// The largest power of two (at least 256) of samples within `seconds` at `sample_rate`.
inline int fft_size_within(int sample_rate, double seconds) {
  int size = 256;
  while (2 * size <= static_cast<int>(seconds * sample_rate)) size *= 2;
  return size;
}

// The stretch of a signal that the frames' centred windows still need.
class CentredWindows {
 public:
  CentredWindows(const Timeline& timeline, int size)
      : timeline_(timeline), size_(size), frames_(timeline.frame_count()) {}

  int size() const { return size_; }
  // Appends the next `count` samples; calls window(frame, start) for every frame whose
  // window [start, start + size) is now complete, in frame order, then drops what no later
  // window needs. sample() reads the window's samples during the call.
  template <typename Window>
  void add(const float* mono, std::int64_t count, Window&& window) {
    samples_.insert(samples_.end(), mono, mono + count);
    position_ += count;
    while (next_frame_ < frames_ && window_start(next_frame_) + size_ <= position_) {
      window(next_frame_, window_start(next_frame_));
      ++next_frame_;
    }
    const std::int64_t keep_from = next_frame_ < frames_ ? std::max(start_, window_start(next_frame_)) : position_;
    const std::int64_t drop = std::min<std::int64_t>(keep_from - start_, static_cast<std::int64_t>(samples_.size()));
    if (drop > 0) {
      samples_.erase(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(drop));
      start_ += drop;
    }
  }
  // Calls window() for the frames left after the last block (their windows reach past the end).
  template <typename Window>
  void finish(Window&& window) {
    for (; next_frame_ < frames_; ++next_frame_) window(next_frame_, window_start(next_frame_));
  }
  // Sample `at` of the signal; silence before the song and after what was added.
  double sample(std::int64_t at) const {
    return at >= start_ && at < position_ ? samples_[static_cast<std::size_t>(at - start_)] : 0.0;
  }
  std::int64_t frame_count() const { return frames_; }

 private:
  std::int64_t window_start(std::int64_t frame) const { return timeline_.first_sample(frame) - size_ / 2; }

  Timeline timeline_;
  int size_;
  std::int64_t frames_;
  std::vector<double> samples_;  // the signal from start_ on
  std::int64_t start_ = 0;
  std::int64_t position_ = 0;    // samples added so far
  std::int64_t next_frame_ = 0;  // the first frame whose window has not been taken
};

// A real FFT of `size` samples with its Hann window: fill input() (through window_sample),
// run(), read output(). Plans with FFTW_ESTIMATE, which picks the algorithm without timing
// runs, so every run (and every machine with the same FFTW) computes the same numbers.
// Planning is not thread-safe: make one at a time.
class HannFft {
 public:
  explicit HannFft(int size);
  int size() const { return size_; }
  int bins() const { return size_ / 2 + 1; }
  // Fills the input with `windows`' window from `start`, times the Hann window, and runs.
  void run(const CentredWindows& windows, std::int64_t start);
  const fftw_complex* output() const { return output_.get(); }

 private:
  int size_;
  std::vector<double> hann_;
  FftwRealPtr input_;
  FftwComplexPtr output_;
  FftwPlanPtr plan_;
};

}  // namespace stemviz
