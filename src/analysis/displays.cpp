#include <stemviz/analysis/displays.hpp>

#include <stemviz/analysis/fft.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace stemviz {

std::string display_request_problem(const DisplayRequest& r) {
  if (r.source != kMixSource && (r.source < 0 || r.source > 31)) return fmt::format("no stem {}", r.source);
  if (r.kind == DisplayRequest::Kind::trace) {
    if (r.columns < 1 || r.columns > kMaxTraceColumns)
      return fmt::format("a trace has 1 to {} columns a frame, not {}", kMaxTraceColumns, r.columns);
    return {};
  }
  if (r.bands < kMinDisplayBands || r.bands > kMaxDisplayBands)
    return fmt::format("a spectrum has {} to {} bands, not {}", kMinDisplayBands, kMaxDisplayBands, r.bands);
  if (!(r.min_hz >= 1.0 && r.max_hz <= 96000.0 && r.max_hz >= 2.0 * r.min_hz))
    return fmt::format("a spectrum spans at least an octave from 1 Hz to 96 kHz, not {} to {} Hz", r.min_hz, r.max_hz);
  return {};
}

// Each frame's samples in equal columns, each kept as its smallest and largest sample. A
// column holding no sample (more columns than a frame has samples) repeats the one before.
struct DisplayAccumulator::Trace {
  Trace(const Timeline& on, int per_frame) : timeline(on), columns(per_frame), frames(on.frame_count()) {
    values.reserve(static_cast<std::size_t>(frames * columns * 2));
    column_end = end_of(0, 0);
  }

  // The first sample after column `of_column` of frame `of_frame`.
  std::int64_t end_of(std::int64_t of_frame, int of_column) const {
    const std::int64_t a = timeline.first_sample(of_frame), b = timeline.first_sample(of_frame + 1);
    return a + mul_div_floor(b - a, of_column + 1, columns);
  }

  void close_column() {
    if (low > high) {  // no sample: the column before, or silence
      low = values.empty() ? 0.0f : values[values.size() - 2];
      high = values.empty() ? 0.0f : values.back();
    }
    values.push_back(low);
    values.push_back(high);
    low = std::numeric_limits<float>::max();
    high = std::numeric_limits<float>::lowest();
    if (++column == columns) column = 0, ++frame;
    if (frame < frames) column_end = end_of(frame, column);
  }

  void add(const float* mono, std::int64_t count) {
    const std::int64_t end = position + count;
    while (frame < frames && position < end) {
      const std::int64_t until = std::min(end, column_end);
      if (until > position) {
        const auto [lo, hi] = std::minmax_element(mono, mono + (until - position));
        low = std::min(low, *lo), high = std::max(high, *hi);
        mono += until - position;
        position = until;
      }
      if (position == column_end) close_column();
    }
  }

  std::vector<float> finish() {
    while (frame < frames) close_column();
    return std::move(values);
  }

  Timeline timeline;
  int columns;
  std::int64_t frames;
  std::int64_t position = 0;  // samples added so far
  std::int64_t frame = 0;     // the column being filled
  int column = 0;
  std::int64_t column_end = 0;
  float low = std::numeric_limits<float>::max(), high = std::numeric_limits<float>::lowest();
  std::vector<float> values;
};

// Amplitudes in log-spaced bands. A band narrower than the FFT's bins (the low ones of many)
// reads the magnitude interpolated at its centre, so no band stays empty.
struct DisplayAccumulator::Spectrum {
  // Within 100 ms: 4096 samples at 44.1 and 48 kHz, bins 10.8 and 11.7 Hz apart.
  Spectrum(const DisplayRequest& request, const Timeline& timeline)
      : windows(timeline, fft_size_within(timeline.sample_rate, 0.100)),
        fft(windows.size()),
        bands(request.bands),
        frames(timeline.frame_count()) {
    const double hz_per_bin = static_cast<double>(timeline.sample_rate) / fft.size();
    const double ratio = request.max_hz / request.min_hz;
    for (int k = 0; k < bands; ++k) {
      const double low = request.min_hz * std::pow(ratio, static_cast<double>(k) / bands);
      const double high = request.min_hz * std::pow(ratio, static_cast<double>(k + 1) / bands);
      Band band;
      band.first = static_cast<int>(std::ceil(low / hz_per_bin));
      band.end = std::min(fft.bins(), static_cast<int>(std::ceil(high / hz_per_bin)));
      band.centre = std::sqrt(low * high) / hz_per_bin;
      edges.push_back(band);
    }
    values.assign(static_cast<std::size_t>(frames * bands), 0.0f);
  }

  void compute(std::int64_t frame, std::int64_t start) {
    fft.run(windows, start);
    const fftw_complex* out = fft.output();
    const auto power = [&](int bin) { return out[bin][0] * out[bin][0] + out[bin][1] * out[bin][1]; };
    float* row = values.data() + frame * bands;
    for (int k = 0; k < bands; ++k) {
      const Band& band = edges[static_cast<std::size_t>(k)];
      double amplitude = 0.0;
      if (band.end > band.first) {
        double sum = 0.0;
        for (int bin = band.first; bin < band.end; ++bin) sum += power(bin);
        amplitude = std::sqrt(sum);
      } else if (band.centre < fft.bins() - 1) {
        const int below = static_cast<int>(band.centre);
        const double t = band.centre - below;
        amplitude = (1.0 - t) * std::sqrt(power(below)) + t * std::sqrt(power(below + 1));
      }
      row[k] = static_cast<float>(amplitude);
    }
  }

  std::vector<float> finish() {
    windows.finish([&](std::int64_t frame, std::int64_t start) { compute(frame, start); });
    // A full-scale sine puts size / 4 into its bin through the Hann window: a source whose
    // loudest band stays 80 dB below that is silence with dither, not worth scaling up.
    const float loudest = values.empty() ? 0.0f : *std::max_element(values.begin(), values.end());
    const float audible = static_cast<float>(fft.size() / 4 * 1e-4);
    for (float& v : values) v = loudest > audible ? v / loudest : 0.0f;
    return std::move(values);
  }

  struct Band {
    int first = 0, end = 0;  // the bins [first, end) within it
    double centre = 0.0;     // its geometric centre, in bins
  };
  CentredWindows windows;
  HannFft fft;
  int bands;
  std::int64_t frames;
  std::vector<Band> edges;
  std::vector<float> values;
};

DisplayAccumulator::DisplayAccumulator(const DisplayRequest& request, const Timeline& timeline) {
  if (request.kind == DisplayRequest::Kind::trace)
    trace_ = std::make_unique<Trace>(timeline, request.columns);
  else
    spectrum_ = std::make_unique<Spectrum>(request, timeline);
}

DisplayAccumulator::~DisplayAccumulator() = default;
DisplayAccumulator::DisplayAccumulator(DisplayAccumulator&&) noexcept = default;
DisplayAccumulator& DisplayAccumulator::operator=(DisplayAccumulator&&) noexcept = default;

void DisplayAccumulator::add(const float* mono, std::int64_t count) {
  if (trace_) {
    trace_->add(mono, count);
  } else {
    spectrum_->windows.add(mono, count,
                           [&](std::int64_t frame, std::int64_t start) { spectrum_->compute(frame, start); });
  }
}

std::vector<float> DisplayAccumulator::finish() { return trace_ ? trace_->finish() : spectrum_->finish(); }

}  // namespace stemviz
