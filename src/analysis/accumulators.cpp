#include <stemviz/analysis/accumulators.hpp>

#include <stemviz/analysis/fft.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace stemviz {

namespace {

// Peaks are looked up in groups of this many samples, so a long window costs its length
// divided by the group size instead of its length.
constexpr std::int64_t kPeakGroup = 64;

}  // namespace

WindowAccumulator::WindowAccumulator(const Timeline& timeline, std::int64_t window)
    : timeline_(timeline),
      window_(std::max<std::int64_t>(window, 1)),
      sum_squares_(static_cast<std::size_t>(timeline.frame_count()), 0.0),
      counts_(static_cast<std::size_t>(timeline.frame_count()), 0),
      peaks_(static_cast<std::size_t>(timeline.frame_count()), 0.0) {}

std::int64_t WindowAccumulator::window_start(std::int64_t frame) const {
  return timeline_.first_sample(frame) - window_ / 2;
}

double WindowAccumulator::block_peak(std::int64_t from, std::int64_t to) const {
  float peak = 0.0f;
  const std::int64_t first_group = (from + kPeakGroup - 1) / kPeakGroup;
  const std::int64_t end_group = to / kPeakGroup;
  if (first_group >= end_group) {
    for (std::int64_t i = from; i < to; ++i) peak = std::max(peak, magnitude_[static_cast<std::size_t>(i)]);
    return peak;
  }
  for (std::int64_t i = from; i < first_group * kPeakGroup; ++i) {
    peak = std::max(peak, magnitude_[static_cast<std::size_t>(i)]);
  }
  for (std::int64_t g = first_group; g < end_group; ++g) {
    peak = std::max(peak, group_peak_[static_cast<std::size_t>(g)]);
  }
  for (std::int64_t i = end_group * kPeakGroup; i < to; ++i) {
    peak = std::max(peak, magnitude_[static_cast<std::size_t>(i)]);
  }
  return peak;
}

void WindowAccumulator::add(const float* mono, std::int64_t count) {
  // prefix_[i] = sum of squares of the block's first i samples, so each frame's share of
  // the block costs one subtraction whatever the window length.
  const auto n = static_cast<std::size_t>(count);
  prefix_.resize(n + 1);
  magnitude_.resize(n);
  group_peak_.assign((n + kPeakGroup - 1) / kPeakGroup, 0.0f);
  prefix_[0] = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = mono[i];
    prefix_[i + 1] = prefix_[i] + x * x;
    magnitude_[i] = std::fabs(mono[i]);
    float& group = group_peak_[i / kPeakGroup];
    group = std::max(group, magnitude_[i]);
  }
  const std::int64_t block_start = position_;
  const std::int64_t block_end = position_ + count;
  const std::int64_t frames = static_cast<std::int64_t>(sum_squares_.size());
  for (std::int64_t f = first_open_; f < frames; ++f) {
    const std::int64_t start = window_start(f);
    if (start >= block_end) break;
    const std::int64_t end = start + window_;
    const std::int64_t from = std::max(start, block_start);
    const std::int64_t to = std::min(end, block_end);
    if (to > from) {
      const auto frame = static_cast<std::size_t>(f);
      sum_squares_[frame] +=
          prefix_[static_cast<std::size_t>(to - block_start)] - prefix_[static_cast<std::size_t>(from - block_start)];
      counts_[frame] += to - from;
      peaks_[frame] = std::max(peaks_[frame], block_peak(from - block_start, to - block_start));
    }
    if (end <= block_end && f == first_open_) ++first_open_;
  }
  position_ = block_end;
}

Envelope WindowAccumulator::finish() {
  Envelope envelope;
  envelope.rms.resize(sum_squares_.size());
  for (std::size_t f = 0; f < sum_squares_.size(); ++f) {
    envelope.rms[f] = counts_[f] > 0 ? std::sqrt(sum_squares_[f] / static_cast<double>(counts_[f])) : 0.0;
  }
  envelope.peak = std::move(peaks_);
  return envelope;
}

namespace {

// The largest power of two within 50 ms (2048 at 44.1 and 48 kHz): fine enough in
// frequency (21.5 Hz bins at 44.1 kHz) to tell a kick from a floor tom, and short enough
// that a hit shows in the spectrum at most one 60 fps frame before its own, so onsets
// land on the right frame.
int fft_size_for(int sample_rate) { return fft_size_within(sample_rate, 0.050); }

constexpr double kLowestBandHz = 40.0;
constexpr double kHighestBandHz = 16000.0;

}  // namespace

struct SpectrumAccumulator::State {
  State(const Timeline& on, int size) : timeline(on), windows(on, size), fft(size) {}

  Timeline timeline;
  CentredWindows windows;
  HannFft fft;
  int band_count = 0;
  std::vector<int> band_of_bin;        // band index per FFT bin, -1 outside all bands
  std::vector<int> power_band_of_bin;  // the same for the kMaxBands bands of Result::power
  bool keep_power = false;
  std::vector<double> magnitude, previous_magnitude;
  Result result;

  void compute(std::int64_t frame, std::int64_t start) {
    fft.run(windows, start);
    const fftw_complex* output = fft.output();
    const int bins = fft.bins();
    std::array<double, kMaxBands> energy{}, fine_energy{};
    double weighted = 0.0, total = 0.0, rise = 0.0;
    const double hz_per_bin = static_cast<double>(timeline.sample_rate) / fft.size();
    for (int b = 0; b < bins; ++b) {
      const auto bin = static_cast<std::size_t>(b);
      const double re = output[bin][0], im = output[bin][1];
      const double power = re * re + im * im;
      magnitude[bin] = std::sqrt(power);
      weighted += b * hz_per_bin * magnitude[bin];
      total += magnitude[bin];
      rise += std::max(0.0, magnitude[bin] - previous_magnitude[bin]);
      if (band_of_bin[bin] >= 0) energy[static_cast<std::size_t>(band_of_bin[bin])] += power;
      if (keep_power && power_band_of_bin[bin] >= 0) {
        fine_energy[static_cast<std::size_t>(power_band_of_bin[bin])] += power;
      }
    }
    if (keep_power) {
      auto& out = result.power[static_cast<std::size_t>(frame)];
      std::transform(fine_energy.begin(), fine_energy.end(), out.begin(),
                     [](double e) { return static_cast<float>(e); });
    }
    std::swap(magnitude, previous_magnitude);
    auto& bands = result.bands[static_cast<std::size_t>(frame)];
    for (int k = 0; k < band_count; ++k) {
      bands[static_cast<std::size_t>(k)] = static_cast<float>(std::sqrt(energy[static_cast<std::size_t>(k)]));
    }
    result.centroid_hz[static_cast<std::size_t>(frame)] = total > 0.0 ? static_cast<float>(weighted / total) : 0.0f;
    result.flux[static_cast<std::size_t>(frame)] = static_cast<float>(rise);
  }
};

namespace {

// Which of `band_count` log-spaced bands between kLowestBandHz and `high` each of the
// `bins` bins of an FFT of `size` at `rate` falls in; -1 outside them.
std::vector<int> log_bands(int bins, int size, int rate, int band_count) {
  const double high = std::min(kHighestBandHz, 0.45 * rate);
  std::vector<int> band_of_bin(static_cast<std::size_t>(bins), -1);
  for (int b = 0; b < bins; ++b) {
    const double hz = static_cast<double>(b) * rate / size;
    if (hz < kLowestBandHz || hz >= high) continue;
    const double position = std::log(hz / kLowestBandHz) / std::log(high / kLowestBandHz);
    band_of_bin[static_cast<std::size_t>(b)] = std::min(band_count - 1, static_cast<int>(position * band_count));
  }
  return band_of_bin;
}

}  // namespace

SpectrumAccumulator::SpectrumAccumulator(const Timeline& timeline, int band_count, bool keep_power)
    : state_(std::make_unique<State>(timeline, fft_size_for(timeline.sample_rate))) {
  State& s = *state_;
  s.band_count = std::clamp(band_count, 1, kMaxBands);
  s.keep_power = keep_power;
  const int bins = s.fft.bins();
  s.band_of_bin = log_bands(bins, s.fft.size(), timeline.sample_rate, s.band_count);
  if (keep_power) s.power_band_of_bin = log_bands(bins, s.fft.size(), timeline.sample_rate, kMaxBands);
  s.magnitude.assign(static_cast<std::size_t>(bins), 0.0);
  s.previous_magnitude.assign(static_cast<std::size_t>(bins), 0.0);
  const auto frames = static_cast<std::size_t>(timeline.frame_count());
  s.result.bands.assign(frames, {});
  s.result.centroid_hz.assign(frames, 0.0f);
  s.result.flux.assign(frames, 0.0f);
  if (keep_power) s.result.power.assign(frames, {});
}

SpectrumAccumulator::~SpectrumAccumulator() = default;
SpectrumAccumulator::SpectrumAccumulator(SpectrumAccumulator&&) noexcept = default;
SpectrumAccumulator& SpectrumAccumulator::operator=(SpectrumAccumulator&&) noexcept = default;

int SpectrumAccumulator::fft_size() const { return state_->fft.size(); }

void SpectrumAccumulator::add(const float* mono, std::int64_t count) {
  State& s = *state_;
  s.windows.add(mono, count, [&](std::int64_t frame, std::int64_t start) { s.compute(frame, start); });
}

SpectrumAccumulator::Result SpectrumAccumulator::finish() {
  State& s = *state_;
  s.windows.finish([&](std::int64_t frame, std::int64_t start) { s.compute(frame, start); });
  return std::move(s.result);
}

}  // namespace stemviz
