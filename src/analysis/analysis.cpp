#include <stemviz/analysis/analysis.hpp>

#include <stemviz/util/error.hpp>

#include <fftw3.h>
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>

namespace stemviz {

FeatureTrack::FeatureTrack(int stem_count, std::int64_t frame_count, int band_count)
    : stem_count_(stem_count),
      frame_count_(frame_count),
      band_count_(band_count),
      values_(static_cast<std::size_t>(stem_count) * static_cast<std::size_t>(frame_count) *
              static_cast<std::size_t>(kValuesBeforeBands + band_count)) {
  // A silent frame, as StemFrameFeatures{} has it.
  for (int stem = 0; stem < stem_count; ++stem) {
    for (std::int64_t frame = 0; frame < frame_count; ++frame) set(stem, frame, {});
  }
}

StemFrameFeatures FeatureTrack::at(int stem, std::int64_t frame) const {
  if (frame < 0 || frame >= frame_count_ || stem < 0 || stem >= stem_count_) return {};
  const float* v = values_.data() + offset(stem, frame);
  StemFrameFeatures f;
  f.level = v[0], f.rms = v[1], f.peak = v[2], f.db = v[3], f.centroid_hz = v[4], f.flux = v[5], f.onset = v[6];
  std::copy(v + kValuesBeforeBands, v + kValuesBeforeBands + band_count_, f.bands.begin());
  return f;
}

void FeatureTrack::set(int stem, std::int64_t frame, const StemFrameFeatures& f) {
  float* v = values_.data() + offset(stem, frame);
  v[0] = f.level, v[1] = f.rms, v[2] = f.peak, v[3] = f.db, v[4] = f.centroid_hz, v[5] = f.flux, v[6] = f.onset;
  std::copy(f.bands.begin(), f.bands.begin() + band_count_, v + kValuesBeforeBands);
}

void reshape(FeatureTrack& block, int stems, std::int64_t frames, int bands) {
  if (block.stem_count() != stems || block.frame_count() != frames || block.band_count() != bands) {
    block = FeatureTrack(stems, frames, bands);
  }
}

void FeatureTrackSource::read(std::int64_t first, std::int64_t count, FeatureTrack& block) const {
  reshape(block, track_->stem_count(), count, track_->band_count());
  for (int stem = 0; stem < track_->stem_count(); ++stem) {
    const std::span<const float> from = track_->stem_values(stem, first, count);
    std::copy(from.begin(), from.end(), block.stem_values(stem, 0, count).begin());
  }
}

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

struct FftwPlanDeleter {
  void operator()(fftw_plan_s* plan) const { fftw_destroy_plan(plan); }
};
struct FftwFree {
  void operator()(void* memory) const { fftw_free(memory); }
};
using FftwPlanPtr = std::unique_ptr<fftw_plan_s, FftwPlanDeleter>;
using FftwRealPtr = std::unique_ptr<double[], FftwFree>;
using FftwComplexPtr = std::unique_ptr<fftw_complex[], FftwFree>;

// The largest power of two within 50 ms (2048 at 44.1 and 48 kHz): fine enough in
// frequency (21.5 Hz bins at 44.1 kHz) to tell a kick from a floor tom, and short enough
// that a hit shows in the spectrum at most one 60 fps frame before its own, so onsets
// land on the right frame.
int fft_size_for(int sample_rate) {
  int size = 256;
  while (2 * size <= static_cast<int>(0.050 * sample_rate)) size *= 2;
  return size;
}

constexpr double kLowestBandHz = 40.0;
constexpr double kHighestBandHz = 16000.0;

}  // namespace

struct SpectrumAccumulator::State {
  Timeline timeline;
  int size = 0;
  int band_count = 0;
  std::vector<double> hann;
  std::vector<int> band_of_bin;        // band index per FFT bin, -1 outside all bands
  std::vector<int> power_band_of_bin;  // the same for the kMaxBands bands of Result::power
  bool keep_power = false;
  FftwRealPtr input;
  FftwComplexPtr output;
  FftwPlanPtr plan;
  std::vector<double> samples;  // the signal from `samples_start` on
  std::int64_t samples_start = 0;
  std::int64_t position = 0;    // samples added so far
  std::int64_t next_frame = 0;  // the first frame not yet computed
  std::vector<double> magnitude, previous_magnitude;
  Result result;

  std::int64_t window_start(std::int64_t frame) const { return timeline.first_sample(frame) - size / 2; }

  void compute(std::int64_t frame) {
    const std::int64_t start = window_start(frame);
    for (int i = 0; i < size; ++i) {
      const std::int64_t at = start + i;
      // Before the song and after its end, the signal is silence.
      const double x =
          at >= samples_start && at < position ? samples[static_cast<std::size_t>(at - samples_start)] : 0.0;
      input[static_cast<std::size_t>(i)] = x * hann[static_cast<std::size_t>(i)];
    }
    fftw_execute(plan.get());
    const int bins = size / 2 + 1;
    std::array<double, kMaxBands> energy{}, fine_energy{};
    double weighted = 0.0, total = 0.0, rise = 0.0;
    const double hz_per_bin = static_cast<double>(timeline.sample_rate) / size;
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
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.timeline = timeline;
  s.size = fft_size_for(timeline.sample_rate);
  s.band_count = std::clamp(band_count, 1, kMaxBands);
  s.keep_power = keep_power;
  s.hann.resize(static_cast<std::size_t>(s.size));
  for (int i = 0; i < s.size; ++i) {
    s.hann[static_cast<std::size_t>(i)] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / s.size);
  }
  const int bins = s.size / 2 + 1;
  s.band_of_bin = log_bands(bins, s.size, timeline.sample_rate, s.band_count);
  if (keep_power) s.power_band_of_bin = log_bands(bins, s.size, timeline.sample_rate, kMaxBands);
  s.input.reset(fftw_alloc_real(static_cast<std::size_t>(s.size)));
  s.output.reset(fftw_alloc_complex(static_cast<std::size_t>(bins)));
  if (!s.input || !s.output) throw Failure("out of memory for the spectrum analysis");
  // FFTW_ESTIMATE picks the algorithm without timing runs, so every run (and every machine
  // with the same FFTW) computes the same numbers.
  s.plan.reset(fftw_plan_dft_r2c_1d(s.size, s.input.get(), s.output.get(), FFTW_ESTIMATE));
  if (!s.plan) throw Failure("FFTW could not plan the spectrum analysis");
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

int SpectrumAccumulator::fft_size() const { return state_->size; }

void SpectrumAccumulator::add(const float* mono, std::int64_t count) {
  State& s = *state_;
  s.samples.insert(s.samples.end(), mono, mono + count);
  s.position += count;
  const std::int64_t frames = static_cast<std::int64_t>(s.result.flux.size());
  while (s.next_frame < frames && s.window_start(s.next_frame) + s.size <= s.position) {
    s.compute(s.next_frame++);
  }
  // Keep only what the next frame's window still needs.
  const std::int64_t keep_from =
      s.next_frame < frames ? std::max(s.samples_start, s.window_start(s.next_frame)) : s.position;
  const std::int64_t drop =
      std::min<std::int64_t>(keep_from - s.samples_start, static_cast<std::int64_t>(s.samples.size()));
  if (drop > 0) {
    s.samples.erase(s.samples.begin(), s.samples.begin() + static_cast<std::ptrdiff_t>(drop));
    s.samples_start += drop;
  }
}

SpectrumAccumulator::Result SpectrumAccumulator::finish() {
  State& s = *state_;
  const std::int64_t frames = static_cast<std::int64_t>(s.result.flux.size());
  while (s.next_frame < frames) s.compute(s.next_frame++);
  return std::move(s.result);
}

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

void validate(const AnalysisSettings& settings) {
  // Ten minutes is far beyond any useful window or time constant, and keeps the sample
  // counts derived from them small.
  constexpr double kLongestMs = 600'000.0;
  if (!(settings.window_ms > 0.0) || settings.window_ms > kLongestMs) {
    throw UsageError(fmt::format("--window-ms {}: must be more than 0 and at most {}", settings.window_ms, kLongestMs));
  }
  if (!(settings.attack_ms >= 0.0) || settings.attack_ms > kLongestMs) {
    throw UsageError(fmt::format("--attack-ms {}: must be from 0 to {}", settings.attack_ms, kLongestMs));
  }
  if (!(settings.release_ms >= 0.0) || settings.release_ms > kLongestMs) {
    throw UsageError(fmt::format("--release-ms {}: must be from 0 to {}", settings.release_ms, kLongestMs));
  }
  const Normalization& n = settings.normalization;
  if (n.floor_db && !(*n.floor_db < 0.0 && *n.floor_db >= kSilenceDb)) {
    throw UsageError(fmt::format("--floor-db {}: must be below 0 and at least {}, e.g. -48", *n.floor_db, kSilenceDb));
  }
  if (settings.bands < 1 || settings.bands > kMaxBands) {
    throw UsageError(fmt::format("--bands {}: must be from 1 to {}", settings.bands, kMaxBands));
  }
  if (!(n.gamma > 0.0) || n.gamma > 10.0) {
    throw UsageError(fmt::format("--gamma {}: must be more than 0 and at most 10", n.gamma));
  }
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

namespace {

// Headroom for the soundtrack: lossy encoders overshoot a little, so aim at -1 dBFS.
constexpr double kMixCeiling = 0.891;
constexpr std::int64_t kBlockSamples = 1 << 16;
// About -90 dBFS: quieter stems count as silent for the spectral features.
constexpr double kAudibleRms = 3.2e-5;

// Scales every raw feature of each stem by the amplitude share of its own power at that
// frame (own_power_fraction), and drops the band powers it was computed from.
void reduce_bleed(std::vector<Envelope>& envelopes, std::vector<SpectrumAccumulator::Result>& spectrum) {
  StemBandPower power(spectrum.size());
  for (std::size_t s = 0; s < spectrum.size(); ++s) power[s] = std::move(spectrum[s].power);
  const std::vector<std::vector<float>> own = own_power_fraction(power);
  for (std::size_t s = 0; s < spectrum.size(); ++s) {
    for (std::size_t f = 0; f < own[s].size(); ++f) {
      const float amplitude = std::sqrt(own[s][f]);
      envelopes[s].rms[f] *= amplitude;
      envelopes[s].peak[f] *= amplitude;
      for (float& band : spectrum[s].bands[f]) band *= amplitude;
      spectrum[s].flux[f] *= amplitude;
    }
  }
}

// Stem `stem` on its own rate's timeline: the song's duration in the stem's samples (one
// more frame, at most, than the song, and never fewer).
Timeline stem_timeline(const Timeline& song, const StemInfo& stem) {
  return {song.fps, stem.sample_rate, mul_div_ceil(song.samples, stem.sample_rate, song.sample_rate)};
}

}  // namespace

Analysis analyze(const std::vector<StemInfo>& stems, const Timeline& timeline, const AnalysisSettings& settings) {
  const int stem_count = static_cast<int>(stems.size());

  // Each stem is analysed at its own sample rate; the mix is summed at the song's.
  std::vector<Timeline> timelines;
  std::vector<StemReader> readers;
  std::vector<WindowAccumulator> accumulators;
  std::vector<SpectrumAccumulator> spectra;  // made here: FFTW plans only one at a time
  timelines.reserve(stems.size());
  readers.reserve(stems.size());
  accumulators.reserve(stems.size());
  spectra.reserve(stems.size());
  for (const auto& stem : stems) {
    const Timeline& own = timelines.emplace_back(stem_timeline(timeline, stem));
    readers.emplace_back(stem);
    accumulators.emplace_back(own, std::llround(settings.window_ms * 1e-3 * own.sample_rate));
    spectra.emplace_back(own, settings.bands, settings.bleed_reduce);
  }
  MixBus bus(stems, timeline.sample_rate);

  std::vector<std::vector<float>> stereo(stems.size());
  std::vector<std::vector<float>> mono(stems.size());
  std::vector<float> mix;
  std::int64_t mixed = 0;  // samples of the mix measured so far
  float mix_peak = 0.0f;
  const int threads = settings.threads > 0 ? settings.threads : omp_get_num_procs();
  // Stems at different rates advance by the same stretch of time per block.
  const auto block_start = [&](int stem, std::int64_t position) {
    const Timeline& own = timelines[static_cast<std::size_t>(stem)];
    return std::min(own.samples, mul_div_floor(position, own.sample_rate, timeline.sample_rate));
  };

  for (std::int64_t position = 0; position < timeline.samples; position += kBlockSamples) {
    throw_if_cancelled();
    const std::int64_t next = std::min(position + kBlockSamples, timeline.samples);
    const bool last = next == timeline.samples;
    // Exceptions must not cross the OpenMP region: keep the first one and rethrow after.
    std::exception_ptr error;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int s = 0; s < stem_count; ++s) {
      try {
        const std::int64_t from = block_start(s, position);
        const std::int64_t want = (last ? timelines[s].samples : block_start(s, next)) - from;
        stereo[s].resize(static_cast<std::size_t>(2 * want));
        mono[s].resize(static_cast<std::size_t>(want));
        const std::int64_t got = readers[s].read_stereo(stereo[s].data(), want);
        if (got < want && readers[s].position() < stems[s].samples) {
          // A damaged or cut-off file whose header promises more than it holds: its end
          // would otherwise pass for silence.
          throw InputError(
              fmt::format("{}: the audio ends after {} of the {} samples its header announces; the file is "
                          "truncated or damaged, export it again",
                          stems[s].path.string(), readers[s].position(), stems[s].samples));
        }
        for (std::int64_t i = 0; i < got; ++i) {
          mono[s][i] = 0.5f * (stereo[s][2 * i] + stereo[s][2 * i + 1]);
        }
        accumulators[s].add(mono[s].data(), got);
        spectra[s].add(mono[s].data(), got);
        bus.add(s, stereo[s].data(), got);
        if (got < want || last) bus.end(s);
      } catch (...) {
#pragma omp critical
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
    // The bus sums in stem order, so the mix is the same for any thread count; its peak is
    // measured on exactly what the soundtrack encoder will get.
    const std::int64_t ready = std::min(bus.ready(), timeline.samples - mixed);
    mix.resize(static_cast<std::size_t>(2 * ready));
    bus.take(mix.data(), ready);
    for (const float x : mix) mix_peak = std::max(mix_peak, std::abs(x));
    mixed += ready;
  }

  // Everything below is per stem and over the whole song, so chunks and threads cannot
  // change it; only Mode::global needs all stems' references first.
  std::vector<Envelope> envelopes(stems.size());
  std::vector<SpectrumAccumulator::Result> spectrum(stems.size());
  std::vector<std::vector<double>> smoothed(stems.size());
  std::vector<double> references(stems.size());
  const double frame_seconds = 1.0 / timeline.fps.to_double();
  std::exception_ptr error;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int s = 0; s < stem_count; ++s) {
    try {
      // A stem at another rate may see one frame more than the song: drop it.
      const auto frames = static_cast<std::size_t>(timeline.frame_count());
      envelopes[s] = accumulators[s].finish();
      envelopes[s].rms.resize(frames);
      envelopes[s].peak.resize(frames);
      spectrum[s] = spectra[s].finish();
      spectrum[s].bands.resize(frames);
      spectrum[s].centroid_hz.resize(frames);
      spectrum[s].flux.resize(frames);
      spectrum[s].power.resize(settings.bleed_reduce ? frames : 0);
    } catch (...) {
#pragma omp critical
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  if (settings.bleed_reduce) reduce_bleed(envelopes, spectrum);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int s = 0; s < stem_count; ++s) {
    smoothed[s] = smooth_envelope(envelopes[s].rms, frame_seconds, settings.attack_ms, settings.release_ms);
    references[s] = normalization_reference(smoothed[s], settings.normalization);
  }
  if (settings.normalization.mode == Normalization::Mode::global) {
    const double loudest = *std::max_element(references.begin(), references.end());
    std::fill(references.begin(), references.end(), loudest);
  }

  Analysis analysis;
  analysis.features = FeatureTrack(stem_count, timeline.frame_count(), settings.bands);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int s = 0; s < stem_count; ++s) {
    const Envelope& envelope = envelopes[s];
    const SpectrumAccumulator::Result& spec = spectrum[s];
    const std::size_t frames = smoothed[s].size();
    // Staged per stem: the onsets need every frame's flux before they can be stored.
    std::vector<StemFrameFeatures> out(frames);
    // Spectral shapes are scaled per stem like the level. Below about -90 dBFS a stem is
    // silence with dither: scaling that up would invent bands and onsets.
    const double loudest_rms = frames > 0 ? *std::max_element(envelope.rms.begin(), envelope.rms.end()) : 0.0;
    const bool audible = loudest_rms > kAudibleRms;
    float loudest_band = 0.0f, strongest_flux = 0.0f;
    for (std::size_t f = 0; f < frames; ++f) {
      for (const float b : spec.bands[f]) loudest_band = std::max(loudest_band, b);
      strongest_flux = std::max(strongest_flux, spec.flux[f]);
    }
    std::vector<float> strength(frames, 0.0f);
    for (std::size_t f = 0; f < frames; ++f) {
      const double rms = envelope.rms[f];
      out[f].level = to_level(smoothed[s][f], references[s], settings.normalization);
      out[f].rms = static_cast<float>(rms);
      out[f].peak = static_cast<float>(envelope.peak[f]);
      out[f].db = rms > 0.0 ? std::max(kSilenceDb, static_cast<float>(20.0 * std::log10(rms))) : kSilenceDb;
      if (!audible) continue;
      out[f].centroid_hz = spec.centroid_hz[f];
      for (int k = 0; k < settings.bands; ++k) {
        const auto band = static_cast<std::size_t>(k);
        out[f].bands[band] = loudest_band > 0.0f ? spec.bands[f][band] / loudest_band : 0.0f;
      }
      strength[f] = strongest_flux > 0.0f ? spec.flux[f] / strongest_flux : 0.0f;
      out[f].flux = strength[f];
    }
    const std::vector<float> onsets = pick_onsets(strength, timeline.fps.to_double());
    for (std::size_t f = 0; f < frames; ++f) {
      out[f].onset = onsets[f];
      analysis.features.set(s, static_cast<std::int64_t>(f), out[f]);
    }
  }
  analysis.mix_peak = mix_peak;
  analysis.mix_gain = mix_peak > kMixCeiling ? static_cast<float>(kMixCeiling / mix_peak) : 1.0f;
  return analysis;
}

}  // namespace stemviz
