#include <stemviz/analysis.hpp>

#include <stemviz/error.hpp>

#include <omp.h>

#include <algorithm>
#include <cmath>

namespace stemviz {

FeatureTrack::FeatureTrack(int stem_count, std::int64_t frame_count)
    : stem_count_(stem_count),
      frame_count_(frame_count),
      rms_(static_cast<std::size_t>(stem_count) * static_cast<std::size_t>(frame_count), 0.0f) {}

StemFrameFeatures FeatureTrack::at(int stem, std::int64_t frame) const {
  if (frame < 0 || frame >= frame_count_) return {};
  return {rms_[static_cast<std::size_t>(stem) * frame_count_ + frame]};
}

RmsAccumulator::RmsAccumulator(const Timeline& timeline, std::int64_t window)
    : timeline_(timeline),
      window_(std::max<std::int64_t>(window, 1)),
      sum_squares_(static_cast<std::size_t>(timeline.frame_count()), 0.0),
      counts_(static_cast<std::size_t>(timeline.frame_count()), 0) {}

std::int64_t RmsAccumulator::window_start(std::int64_t frame) const {
  return timeline_.first_sample(frame) - window_ / 2;
}

void RmsAccumulator::add(const float* mono, std::int64_t count) {
  // prefix_[i] = sum of squares of the block's first i samples, so each frame's share of
  // the block costs one subtraction whatever the window length.
  prefix_.resize(static_cast<std::size_t>(count) + 1);
  prefix_[0] = 0.0;
  for (std::int64_t i = 0; i < count; ++i) {
    const double x = mono[i];
    prefix_[static_cast<std::size_t>(i) + 1] = prefix_[static_cast<std::size_t>(i)] + x * x;
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
      sum_squares_[static_cast<std::size_t>(f)] +=
          prefix_[static_cast<std::size_t>(to - block_start)] -
          prefix_[static_cast<std::size_t>(from - block_start)];
      counts_[static_cast<std::size_t>(f)] += to - from;
    }
    if (end <= block_end && f == first_open_) ++first_open_;
  }
  position_ = block_end;
}

std::vector<double> RmsAccumulator::finish() {
  std::vector<double> rms(sum_squares_.size());
  for (std::size_t f = 0; f < rms.size(); ++f) {
    rms[f] = counts_[f] > 0 ? std::sqrt(sum_squares_[f] / static_cast<double>(counts_[f])) : 0.0;
  }
  return rms;
}

namespace {

// Headroom for the soundtrack: lossy encoders overshoot a little, so aim at -1 dBFS.
constexpr double kMixCeiling = 0.891;
constexpr std::int64_t kBlockSamples = 1 << 16;

}  // namespace

Analysis analyze(const std::vector<StemInfo>& stems, const Timeline& timeline,
                 const AnalysisSettings& settings) {
  const int stem_count = static_cast<int>(stems.size());
  const auto window = static_cast<std::int64_t>(
      std::llround(settings.window_ms * 1e-3 * timeline.sample_rate));

  std::vector<StemReader> readers;
  std::vector<RmsAccumulator> accumulators;
  readers.reserve(stems.size());
  accumulators.reserve(stems.size());
  for (const auto& stem : stems) {
    readers.emplace_back(stem);
    accumulators.emplace_back(timeline, window);
  }

  std::vector<std::vector<float>> stereo(stems.size(), std::vector<float>(2 * kBlockSamples));
  std::vector<std::vector<float>> mono(stems.size(), std::vector<float>(kBlockSamples));
  std::vector<std::int64_t> got(stems.size());
  std::vector<double> mix(2 * kBlockSamples);
  double mix_peak = 0.0;
  const int threads = settings.threads > 0 ? settings.threads : omp_get_num_procs();

  for (std::int64_t position = 0; position < timeline.samples; position += kBlockSamples) {
    throw_if_cancelled();
    const std::int64_t want = std::min(kBlockSamples, timeline.samples - position);
    // Exceptions must not cross the OpenMP region: keep the first one and rethrow after.
    std::exception_ptr error;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int s = 0; s < stem_count; ++s) {
      try {
        got[s] = readers[s].read_stereo(stereo[s].data(), want);
        for (std::int64_t i = 0; i < got[s]; ++i) {
          mono[s][i] = 0.5f * (stereo[s][2 * i] + stereo[s][2 * i + 1]);
        }
        accumulators[s].add(mono[s].data(), got[s]);
      } catch (...) {
#pragma omp critical
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
    // The mix is summed in stem order after the parallel part, so it is the same for any
    // thread count.
    std::fill(mix.begin(), mix.end(), 0.0);
    for (int s = 0; s < stem_count; ++s) {
      for (std::int64_t i = 0; i < 2 * got[s]; ++i) mix[i] += stereo[s][i];
    }
    for (std::int64_t i = 0; i < 2 * want; ++i) mix_peak = std::max(mix_peak, std::abs(mix[i]));
  }

  Analysis analysis;
  analysis.features = FeatureTrack(stem_count, timeline.frame_count());
  for (int s = 0; s < stem_count; ++s) {
    const std::vector<double> rms = accumulators[s].finish();
    const double loudest = rms.empty() ? 0.0 : *std::max_element(rms.begin(), rms.end());
    float* out = analysis.features.rms(s);
    for (std::size_t f = 0; f < rms.size(); ++f) {
      // A silent stem stays at zero instead of dividing by zero.
      out[f] = loudest > 0.0 ? static_cast<float>(rms[f] / loudest) : 0.0f;
    }
  }
  analysis.mix_peak = mix_peak;
  analysis.mix_gain = mix_peak > kMixCeiling ? static_cast<float>(kMixCeiling / mix_peak) : 1.0f;
  return analysis;
}

}  // namespace stemviz
