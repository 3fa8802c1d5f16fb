#include <stemviz/analysis/analysis.hpp>

#include <stemviz/analysis/accumulators.hpp>
#include <stemviz/analysis/bleed.hpp>
#include <stemviz/analysis/displays.hpp>
#include <stemviz/analysis/onsets.hpp>
#include <stemviz/analysis/parallel.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace stemviz {

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
  for (const DisplayRequest& display : settings.displays) {
    const std::string problem = display_request_problem(display);
    if (!problem.empty()) throw UsageError(fmt::format("a waveform or spectrum layer: {}", problem));
  }
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

// Each stem's readers and accumulators, at the stem's own sample rate.
struct StemStreams {
  std::vector<Timeline> timelines;
  std::vector<StemReader> readers;
  std::vector<WindowAccumulator> accumulators;
  std::vector<SpectrumAccumulator> spectra;  // made here: FFTW plans only one at a time
  // The displays (AnalysisSettings::displays, in that order) and, per stem and for the mix,
  // the indices of those that show it.
  std::vector<DisplayAccumulator> displays;
  std::vector<std::vector<std::size_t>> displays_of_stem;
  std::vector<std::size_t> displays_of_mix;
  // The mix's, at the song's rate, with AnalysisSettings::mix_features.
  std::optional<WindowAccumulator> mix_window;
  std::optional<SpectrumAccumulator> mix_spectrum;
};

StemStreams open_streams(const std::vector<StemInfo>& stems, const Timeline& timeline,
                         const AnalysisSettings& settings) {
  StemStreams s;
  s.timelines.reserve(stems.size());
  s.readers.reserve(stems.size());
  s.accumulators.reserve(stems.size());
  s.spectra.reserve(stems.size());
  for (const auto& stem : stems) {
    const Timeline& own = s.timelines.emplace_back(stem_timeline(timeline, stem));
    s.readers.emplace_back(stem);
    s.accumulators.emplace_back(own, std::llround(settings.window_ms * 1e-3 * own.sample_rate));
    s.spectra.emplace_back(own, settings.bands, settings.bleed_reduce);
  }
  if (settings.mix_features) {
    s.mix_window.emplace(timeline, std::llround(settings.window_ms * 1e-3 * timeline.sample_rate));
    s.mix_spectrum.emplace(timeline, settings.bands);
  }
  s.displays_of_stem.resize(stems.size());
  for (const DisplayRequest& display : settings.displays) {
    const bool mix = display.source == kMixSource;
    // validate() keeps sources within 0..31, the scene within the stems.
    if (!mix && display.source >= static_cast<int>(stems.size()))
      throw UsageError(fmt::format("a waveform or spectrum layer shows stem {}, but there are {} stems", display.source,
                                   stems.size()));
    (mix ? s.displays_of_mix : s.displays_of_stem[static_cast<std::size_t>(display.source)])
        .push_back(s.displays.size());
    s.displays.emplace_back(display, mix ? timeline : s.timelines[static_cast<std::size_t>(display.source)]);
  }
  return s;
}

// The mono signal every feature and display is taken from: the mean of the two channels
// of `frames` interleaved stereo samples.
void downmix(const float* stereo, std::int64_t frames, float* mono) {
  for (std::int64_t j = 0; j < frames; ++j) mono[j] = 0.5f * (stereo[2 * j] + stereo[2 * j + 1]);
}

// Reads every stem once, block by block (the stems of a block in parallel), into its
// accumulators and into the mix; returns the peak of the mix, 1.0 = full scale.
float stream_stems(const std::vector<StemInfo>& stems, const Timeline& timeline, int threads, StemStreams& s) {
  const int stem_count = static_cast<int>(stems.size());
  MixBus bus(stems, timeline.sample_rate);
  std::vector<std::vector<float>> stereo(stems.size());
  std::vector<std::vector<float>> mono(stems.size());
  std::vector<float> mix, mix_mono;
  std::int64_t mixed = 0;  // samples of the mix measured so far
  float mix_peak = 0.0f;
  // Stems at different rates advance by the same stretch of time per block.
  const auto block_start = [&](int stem, std::int64_t position) {
    const Timeline& own = s.timelines[static_cast<std::size_t>(stem)];
    return std::min(own.samples, mul_div_floor(position, own.sample_rate, timeline.sample_rate));
  };
  for (std::int64_t position = 0; position < timeline.samples; position += kBlockSamples) {
    throw_if_cancelled();
    const std::int64_t next = std::min(position + kBlockSamples, timeline.samples);
    const bool last = next == timeline.samples;
    for_each_in_parallel(stem_count, threads, [&](int i) {
      const auto k = static_cast<std::size_t>(i);
      const std::int64_t from = block_start(i, position);
      const std::int64_t want = (last ? s.timelines[k].samples : block_start(i, next)) - from;
      stereo[k].resize(static_cast<std::size_t>(2 * want));
      mono[k].resize(static_cast<std::size_t>(want));
      const std::int64_t got = s.readers[k].read_stereo(stereo[k].data(), want);
      if (got < want && s.readers[k].position() < stems[k].samples) {
        // A damaged or cut-off file whose header promises more than it holds: its end
        // would otherwise pass for silence.
        throw InputError(
            fmt::format("{}: the audio ends after {} of the {} samples its header announces; the file is "
                        "truncated or damaged, export it again",
                        stems[k].path.string(), s.readers[k].position(), stems[k].samples));
      }
      downmix(stereo[k].data(), got, mono[k].data());
      s.accumulators[k].add(mono[k].data(), got);
      s.spectra[k].add(mono[k].data(), got);
      for (const std::size_t d : s.displays_of_stem[k]) s.displays[d].add(mono[k].data(), got);
      bus.add(i, stereo[k].data(), got);
      if (got < want || last) bus.end(i);
    });
    // The bus sums in stem order, so the mix is the same for any thread count; its peak is
    // measured on exactly what the soundtrack encoder will get.
    const std::int64_t ready = std::min(bus.ready(), timeline.samples - mixed);
    mix.resize(static_cast<std::size_t>(2 * ready));
    bus.take(mix.data(), ready);
    for (const float x : mix) mix_peak = std::max(mix_peak, std::abs(x));
    if (!s.displays_of_mix.empty() || s.mix_window) {
      mix_mono.resize(static_cast<std::size_t>(ready));
      downmix(mix.data(), ready, mix_mono.data());
      for (const std::size_t d : s.displays_of_mix) s.displays[d].add(mix_mono.data(), ready);
      if (s.mix_window) {
        s.mix_window->add(mix_mono.data(), ready);
        s.mix_spectrum->add(mix_mono.data(), ready);
      }
    }
    mixed += ready;
  }
  return mix_peak;
}

// Stores stem `stem`'s features from its raw envelope and spectrum, its smoothed level and
// that level's normalization reference.
void store_features(int stem, const Envelope& envelope, const SpectrumAccumulator::Result& spec,
                    const std::vector<double>& smoothed, double reference, const AnalysisSettings& settings, double fps,
                    FeatureTrack& track) {
  const std::size_t frames = smoothed.size();
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
    out[f].level = to_level(smoothed[f], reference, settings.normalization);
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
  const std::vector<float> onsets = pick_onsets(strength, fps);
  for (std::size_t f = 0; f < frames; ++f) {
    out[f].onset = onsets[f];
    track.set(stem, static_cast<std::int64_t>(f), out[f]);
  }
}

}  // namespace

Analysis analyze(const std::vector<StemInfo>& stems, const Timeline& timeline, const AnalysisSettings& settings) {
  const int stem_count = static_cast<int>(stems.size());
  const int threads = settings.threads;
  // Each stem is analysed at its own sample rate; the mix is summed at the song's.
  StemStreams streams = open_streams(stems, timeline, settings);
  const float mix_peak = stream_stems(stems, timeline, threads, streams);

  // Everything below is per stem and over the whole song, so chunks and threads cannot
  // change it; only Mode::global needs all stems' references first.
  std::vector<Envelope> envelopes(stems.size());
  std::vector<SpectrumAccumulator::Result> spectrum(stems.size());
  std::vector<std::vector<double>> smoothed(stems.size());
  std::vector<double> references(stems.size());
  const double frame_seconds = 1.0 / timeline.fps.to_double();
  for_each_in_parallel(stem_count, threads, [&](int i) {
    const auto s = static_cast<std::size_t>(i);
    // A stem at another rate may see one frame more than the song: drop it.
    const auto frames = static_cast<std::size_t>(timeline.frame_count());
    envelopes[s] = streams.accumulators[s].finish();
    envelopes[s].rms.resize(frames);
    envelopes[s].peak.resize(frames);
    spectrum[s] = streams.spectra[s].finish();
    spectrum[s].bands.resize(frames);
    spectrum[s].centroid_hz.resize(frames);
    spectrum[s].flux.resize(frames);
    spectrum[s].power.resize(settings.bleed_reduce ? frames : 0);
  });
  if (settings.bleed_reduce) reduce_bleed(envelopes, spectrum);
  for_each_in_parallel(stem_count, threads, [&](int i) {
    const auto s = static_cast<std::size_t>(i);
    smoothed[s] = smooth_envelope(envelopes[s].rms, frame_seconds, settings.attack_ms, settings.release_ms);
    references[s] = normalization_reference(smoothed[s], settings.normalization);
  });
  if (settings.normalization.mode == Normalization::Mode::global) {
    const double loudest = *std::max_element(references.begin(), references.end());
    std::fill(references.begin(), references.end(), loudest);
  }

  Analysis analysis;
  analysis.features =
      FeatureTrack(stem_count + (settings.mix_features ? 1 : 0), timeline.frame_count(), settings.bands);
  for_each_in_parallel(stem_count, threads, [&](int i) {
    const auto s = static_cast<std::size_t>(i);
    store_features(i, envelopes[s], spectrum[s], smoothed[s], references[s], settings, timeline.fps.to_double(),
                   analysis.features);
  });
  if (settings.mix_features) {
    // The mix as one more stem, the soundtrack before its gain, normalized against itself
    // (with global normalization too: it is louder than any stem).
    const Envelope envelope = streams.mix_window->finish();
    const SpectrumAccumulator::Result mix_spectrum = streams.mix_spectrum->finish();
    const std::vector<double> mix_smoothed =
        smooth_envelope(envelope.rms, frame_seconds, settings.attack_ms, settings.release_ms);
    store_features(stem_count, envelope, mix_spectrum, mix_smoothed,
                   normalization_reference(mix_smoothed, settings.normalization), settings, timeline.fps.to_double(),
                   analysis.features);
  }
  analysis.mix_peak = mix_peak;
  analysis.mix_gain = mix_peak > kMixCeiling ? static_cast<float>(kMixCeiling / mix_peak) : 1.0f;
  std::vector<DisplayTrack>& displays = analysis.features.displays();
  displays.resize(settings.displays.size());
  for_each_in_parallel(static_cast<int>(displays.size()), threads, [&](int i) {
    const auto d = static_cast<std::size_t>(i);
    displays[d].request = settings.displays[d];
    displays[d].values = streams.displays[d].finish();
    // A stem at another rate may see one frame more than the song: drop it.
    displays[d].values.resize(static_cast<std::size_t>(timeline.frame_count()) *
                              static_cast<std::size_t>(displays[d].request.values_per_frame()));
    // A trace of the mix shows the soundtrack's samples, after its gain.
    if (displays[d].request.kind == DisplayRequest::Kind::trace && displays[d].request.source == kMixSource)
      for (float& v : displays[d].values) v *= analysis.mix_gain;
  });
  return analysis;
}

}  // namespace stemviz
