#include <stemviz/analysis/accumulators.hpp>
#include <stemviz/analysis/analysis.hpp>
#include <stemviz/analysis/bleed.hpp>
#include <stemviz/analysis/onsets.hpp>
#include <stemviz/audio/stems.hpp>
#include <stemviz/util/error.hpp>

#include "../support/probe.hpp"

#include <doctest/doctest.h>
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

using namespace stemviz;

namespace {

Envelope envelope_in_blocks(const Timeline& timeline, const std::vector<float>& signal, std::int64_t window,
                            std::int64_t block) {
  WindowAccumulator accumulator(timeline, window);
  const auto size = static_cast<std::int64_t>(signal.size());
  for (std::int64_t start = 0; start < size; start += block) {
    accumulator.add(signal.data() + start, std::min(block, size - start));
  }
  return accumulator.finish();
}

double sine_440(std::int64_t i, int) { return 0.5 * std::sin(2 * std::numbers::pi * 440.0 * i / 44100.0); }
double sine_440_quiet(std::int64_t i, int) { return 0.125 * std::sin(2 * std::numbers::pi * 440.0 * i / 44100.0); }
double silence(std::int64_t, int) { return 0.0; }
// 5.1 in WAV order (L R C LFE Ls Rs): only the centre and the left surround sound.
double centre_and_left_surround(std::int64_t, int channel) { return channel == 2 ? 0.4 : channel == 4 ? 0.2 : 0.0; }
// A burst of noise-like signal every half second on a quiet bed; stereo sides differ.
double bursts(std::int64_t i, int channel) {
  const double bed = 0.01 * std::sin(0.37 * static_cast<double>(i) + channel);
  return (i % 22050) < 2000 ? 0.8 * std::sin(0.11 * static_cast<double>(i * (channel + 1))) : bed;
}

// The same music at two rates: a 1 kHz tone at 0.3 from 0.25 s that fades out from 0.7 to
// 0.8 s (an abrupt end would splash energy over every band), and a click at 0.5 s.
double tone_and_click(std::int64_t i, int rate) {
  const double t = static_cast<double>(i) / rate;
  const double fade = std::clamp((0.8 - t) / 0.1, 0.0, 1.0);
  const double tone = t >= 0.25 ? 0.3 * fade * std::sin(2 * std::numbers::pi * 1000.0 * t) : 0.0;
  return tone + (i == rate / 2 ? 0.5 : 0.0);
}
double tone_and_click_44k(std::int64_t i, int) { return tone_and_click(i, 44100); }
double tone_and_click_48k(std::int64_t i, int) { return tone_and_click(i, 48000); }

}  // namespace

TEST_SUITE("features") {
  TEST_CASE("peak of a sine of amplitude A is A") {
    const int rate = 44100;
    std::vector<float> sine(rate);
    for (std::size_t i = 0; i < sine.size(); ++i) {
      sine[i] = static_cast<float>(0.7 * std::sin(2 * std::numbers::pi * 220.0 * i / rate));
    }
    const Timeline timeline{{60, 1}, rate, rate};
    const Envelope e = envelope_in_blocks(timeline, sine, rate / 20, 1000);
    for (std::int64_t f = 3; f < timeline.frame_count() - 3; ++f) {
      REQUIRE(e.peak[static_cast<std::size_t>(f)] == doctest::Approx(0.7).epsilon(1e-3));
    }
  }

  TEST_CASE("peak finds a single spike in its window, whatever the block size") {
    const int rate = 8000;
    const Timeline timeline{{25, 1}, rate, rate};
    std::vector<float> signal(rate, 0.01f);
    signal[1601] = -0.9f;                                                   // frame 5 starts at sample 1600
    const Envelope whole = envelope_in_blocks(timeline, signal, 80, rate);  // 10 ms window
    CHECK(whole.peak[5] == doctest::Approx(0.9));
    CHECK(whole.peak[4] == doctest::Approx(0.01));
    CHECK(whole.peak[6] == doctest::Approx(0.01));
    for (const std::int64_t block : {1, 63, 64, 65, 1000}) {
      CAPTURE(block);
      const Envelope parts = envelope_in_blocks(timeline, signal, 80, block);
      CHECK(parts.peak == whole.peak);
    }
  }

  TEST_CASE("no smoothing leaves the envelope as it is") {
    const std::vector<double> e{0.0, 1.0, 0.2, 0.7, 0.0};
    CHECK(smooth_envelope(e, 1.0 / 60, 0.0, 0.0) == e);
  }

  TEST_CASE("release falls by 1/e per time constant") {
    const double frame_seconds = 1.0 / 50;  // 20 ms frames
    std::vector<double> step(40, 0.0);
    step[0] = 1.0;
    const auto smoothed = smooth_envelope(step, frame_seconds, 0.0, 100.0);
    CHECK(smoothed[0] == 1.0);  // attack 0: rises at once
    // Five frames of 20 ms make one 100 ms time constant.
    CHECK(smoothed[5] == doctest::Approx(std::exp(-1.0)));
    CHECK(smoothed[10] == doctest::Approx(std::exp(-2.0)));
  }

  TEST_CASE("attack rises by 1 - 1/e per time constant") {
    const std::vector<double> step(20, 1.0);
    const auto smoothed = smooth_envelope(step, 0.01, 50.0, 0.0);
    CHECK(smoothed[4] == doctest::Approx(1.0 - std::exp(-1.0)));  // 5 frames of 10 ms
  }

  TEST_CASE("normalization references") {
    std::vector<double> e(100, 0.1);
    e[50] = 1.0;  // one huge hit
    Normalization peak;
    CHECK(normalization_reference(e, peak) == 1.0);
    Normalization percentile;
    percentile.mode = Normalization::Mode::percentile;
    percentile.percentile = 95.0;
    CHECK(normalization_reference(e, percentile) == 0.1);
    CHECK(to_level(0.1, 0.1, percentile) == 1.0f);
    CHECK(to_level(1.0, 0.1, percentile) == 1.0f);  // clipped, not above 1
    // Mostly silent: the loudest frame serves instead of a reference of 0.
    std::vector<double> sparse(100, 0.0);
    sparse[3] = 0.4;
    CHECK(normalization_reference(sparse, percentile) == 0.4);
  }

  TEST_CASE("dB floor and gamma shape the level") {
    Normalization n;
    n.floor_db = -48.0;
    CHECK(to_level(std::pow(10.0, -24.0 / 20.0), 1.0, n) == doctest::Approx(0.5));
    CHECK(to_level(std::pow(10.0, -60.0 / 20.0), 1.0, n) == 0.0f);
    CHECK(to_level(1.0, 1.0, n) == 1.0f);
    Normalization g;
    g.gamma = 2.0;
    CHECK(to_level(0.5, 1.0, g) == doctest::Approx(0.25));
    CHECK(to_level(0.0, 0.0, g) == 0.0f);
  }

  TEST_CASE("normalization modes parse or fail with the option's name") {
    double p = 0.0;
    CHECK(parse_normalization_mode("peak", p, "--normalize") == Normalization::Mode::peak);
    CHECK(parse_normalization_mode("global", p, "--normalize") == Normalization::Mode::global);
    CHECK(parse_normalization_mode("percentile:99.5", p, "--normalize") == Normalization::Mode::percentile);
    CHECK(p == 99.5);
    for (const char* bad : {"percentile:", "percentile:0", "percentile:101", "percentile:9x", "max"}) {
      CAPTURE(bad);
      CHECK_THROWS_WITH(parse_normalization_mode(bad, p, "--normalize"), doctest::Contains("--normalize"));
    }
  }
}

TEST_SUITE("spectrum") {
  // Feeds `signal` in uneven blocks, as the streaming analysis does.
  SpectrumAccumulator::Result spectrum_of(const Timeline& timeline, const std::vector<float>& signal, int bands) {
    SpectrumAccumulator spectrum(timeline, bands);
    const auto size = static_cast<std::int64_t>(signal.size());
    std::int64_t block = 1000;
    for (std::int64_t start = 0; start < size; start += block, block = block * 3 % 7919 + 1) {
      spectrum.add(signal.data() + start, std::min(block, size - start));
    }
    return spectrum.finish();
  }

  std::vector<float> sine(double hz, int rate, std::int64_t samples) {
    std::vector<float> x(static_cast<std::size_t>(samples));
    for (std::size_t i = 0; i < x.size(); ++i) {
      x[i] = static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / rate));
    }
    return x;
  }

  TEST_CASE("a tone's energy lands in its band") {
    const int rate = 44100;
    const Timeline timeline{{60, 1}, rate, rate};
    // 8 bands from 40 Hz to 16 kHz, a factor of 400^(1/8) = 2.11 each: 1 kHz is in band 4
    // (845 Hz to 1.78 kHz).
    const auto result = spectrum_of(timeline, sine(1000.0, rate, rate), 8);
    const auto& bands = result.bands[30];
    const float loudest = *std::max_element(bands.begin(), bands.begin() + 8);
    CHECK(bands[4] == loudest);
    for (int k = 0; k < 8; ++k) {
      if (k != 4) CHECK(bands[static_cast<std::size_t>(k)] < 0.05f * loudest);
    }
  }

  TEST_CASE("the centroid follows the frequency") {
    const int rate = 48000;
    const Timeline timeline{{30, 1}, rate, rate / 2};
    double previous = 0.0;
    for (const double hz : {250.0, 1000.0, 4000.0, 12000.0}) {
      CAPTURE(hz);
      const auto result = spectrum_of(timeline, sine(hz, rate, rate / 2), 8);
      const double centroid = result.centroid_hz[7];
      CHECK(centroid == doctest::Approx(hz).epsilon(0.05));
      CHECK(centroid > previous);
      previous = centroid;
    }
  }

  TEST_CASE("onsets of a click train are found within one frame, and only those") {
    const int rate = 44100;
    const Timeline timeline{{60, 1}, rate, 2 * rate};
    std::vector<float> clicks(static_cast<std::size_t>(2 * rate), 0.0f);
    std::vector<std::int64_t> at;
    for (std::int64_t i = 4410; i < 2 * rate; i += 11025 + 37) {  // every 0.25 s and a bit
      at.push_back(i);
      for (std::int64_t k = 0; k < 32; ++k) clicks[static_cast<std::size_t>(i + k)] = 0.9f * (k % 2 ? -1.0f : 1.0f);
    }
    const auto result = spectrum_of(timeline, clicks, 8);
    std::vector<float> strength(result.flux.size());
    const float strongest = *std::max_element(result.flux.begin(), result.flux.end());
    for (std::size_t f = 0; f < strength.size(); ++f) strength[f] = result.flux[f] / strongest;
    const auto onsets = pick_onsets(strength, 60.0);
    std::vector<std::int64_t> found;
    for (std::size_t f = 0; f < onsets.size(); ++f) {
      if (onsets[f] > 0.0f) found.push_back(static_cast<std::int64_t>(f));
    }
    REQUIRE(found.size() == at.size());
    for (std::size_t i = 0; i < at.size(); ++i) {
      const double click_frame = static_cast<double>(at[i]) * 60.0 / rate;
      CHECK(std::abs(static_cast<double>(found[i]) - click_frame) <= 1.0);
    }
  }

  TEST_CASE("onset picking keeps local peaks above their surroundings") {
    std::vector<float> curve(60, 0.05f);
    curve[10] = 0.9f;  // clear onset
    curve[11] = 0.5f;  // its tail, not a second onset
    curve[30] = 0.6f;
    curve[31] = 0.6f;   // a flat top counts once
    curve[50] = 0.08f;  // below the threshold
    const auto onsets = pick_onsets(curve, 60.0);
    CHECK(onsets[10] == 0.9f);
    CHECK(onsets[11] == 0.0f);
    CHECK(onsets[30] == 0.6f);
    CHECK(onsets[31] == 0.0f);
    CHECK(onsets[50] == 0.0f);
    CHECK(std::count_if(onsets.begin(), onsets.end(), [](float x) { return x > 0.0f; }) == 2);
  }
}

TEST_SUITE("audio") {
  TEST_CASE("a 5.1 stem is downmixed to stereo with the standard matrix") {
    const auto dir = test::fresh_dir("surround");
    test::write_stem(dir / "surround.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 6, 100, centre_and_left_surround);
    const auto stems = probe_stems({dir / "surround.wav"});
    REQUIRE(stems.front().channels == 6);
    StemReader reader(stems.front());
    std::vector<float> stereo(200);
    REQUIRE(reader.read_stereo(stereo.data(), 100) == 100);
    // The centre goes to both sides at -3 dB, the left surround to the left only.
    CHECK(stereo[0] == doctest::Approx(0.4 * M_SQRT1_2 + 0.2 * M_SQRT1_2));
    CHECK(stereo[1] == doctest::Approx(0.4 * M_SQRT1_2));
  }
}

TEST_SUITE("features") {
  TEST_CASE("bleed: what another stem explains is removed, two mics on one drum are kept") {
    // Stem 0 hits on even frames, stem 1 on frames 1 mod 4; each hears the other at -24 dB
    // (power 0.004). Stem 2 is a second mic on stem 0's drum, 3 dB down.
    const std::size_t frames = 200;
    StemBandPower power(3, std::vector<std::array<float, kMaxBands>>(frames));
    for (std::size_t f = 0; f < frames; ++f) {
      for (std::size_t k = 0; k < kMaxBands; ++k) {
        const float a = f % 2 == 0 ? 1.0f + 0.1f * static_cast<float>(k) : 1e-9f;
        const float b = f % 4 == 1 ? 0.5f : 1e-9f;
        power[0][f][k] = a + 0.004f * b;
        power[1][f][k] = b + 0.004f * a;
        power[2][f][k] = 0.5f * a;
      }
    }
    const auto own = own_power_fraction(power);
    CHECK(own[0][1] < 0.01f);  // only stem 1's bleed
    CHECK(own[1][2] < 0.01f);  // only stem 0's bleed
    CHECK(own[0][2] > 0.99f);
    CHECK(own[1][1] > 0.99f);
    // Stems 0 and 2 hear each other within 3 dB: neither takes from the other.
    CHECK(own[2][2] == doctest::Approx(1.0f));
  }
}

TEST_SUITE("audio") {
  TEST_CASE("stems at different rates are resampled into one mix, in time and at full length") {
    const auto dir = test::fresh_dir("mixed-rates");
    const int format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    test::write_stem(dir / "a.wav", format, 44100, 1, 44100, tone_and_click_44k);
    test::write_stem(dir / "b.wav", format, 48000, 1, 48000, silence);
    const auto stems = probe_stems({dir / "a.wav", dir / "b.wav"});
    REQUIRE(mix_rate(stems) == 48000);
    REQUIRE(song_samples(stems, LengthPolicy::exact, 48000) == 48000);

    MixReader mix(stems, 1.0f, 48000);
    std::vector<float> left_right(2 * 48000 + 2000);
    std::int64_t got = 0;
    for (std::int64_t n; (n = mix.read(left_right.data() + 2 * got, 1000)) > 0;) got += n;
    CHECK(got == 48000);
    // The tone keeps its level (within the resampler's passband ripple) ...
    double tone_peak = 0.0;
    for (std::int64_t i = 14000; i < 23000; ++i) tone_peak = std::max<double>(tone_peak, left_right[2 * i]);
    CHECK(tone_peak == doctest::Approx(0.3).epsilon(0.01));
    // ... and the click stays at 0.5 s: the largest deviation from the tone lies within
    // two samples of sample 24000.
    std::int64_t loudest = 0;
    double deviation = 0.0;
    for (std::int64_t i = 23000; i < 25000; ++i) {
      const double t = static_cast<double>(i) / 48000;
      const double residue = std::abs(left_right[2 * i] - 0.3 * std::sin(2 * std::numbers::pi * 1000.0 * t));
      if (residue > deviation) deviation = residue, loudest = i;
    }
    CHECK(std::abs(loudest - 24000) <= 2);

    // A seek lands on the same sample of the mix as reading up to it.
    mix.seek(24000 - 100);
    std::vector<float> again(200);
    REQUIRE(mix.read(again.data(), 100) == 100);
    CHECK(again[2 * 50] == doctest::Approx(left_right[2 * (24000 - 50)]).epsilon(0.02));
  }

  TEST_CASE("durations within the tolerance pass, and beyond it the error lists them") {
    const auto dir = test::fresh_dir("tolerance");
    const int format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    test::write_stem(dir / "a.wav", format, 44100, 1, 44100, silence);
    test::write_stem(dir / "b.wav", format, 48000, 1, 48000 + 400, silence);  // 8.3 ms longer
    CHECK(probe_stems({dir / "a.wav", dir / "b.wav"}, LengthPolicy::exact, 1.0 / 60).size() == 2);
    CHECK_THROWS_WITH_AS(probe_stems({dir / "a.wav", dir / "b.wav"}, LengthPolicy::exact, 1.0 / 240),
                         doctest::Contains("b.wav: 1.008 s (48400 samples at 48000 Hz)"), InputError);
  }
}

TEST_SUITE("analyze") {
  TEST_CASE("a stem gives the same features at 44.1 and 48 kHz") {
    const auto dir = test::fresh_dir("rates-analyze");
    const int format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    test::write_stem(dir / "a.wav", format, 44100, 1, 44100, tone_and_click_44k);
    test::write_stem(dir / "b.wav", format, 48000, 1, 48000, tone_and_click_48k);
    const auto stems = probe_stems({dir / "a.wav", dir / "b.wav"}, LengthPolicy::exact, 1.0 / 60);
    const Timeline timeline{{60, 1}, mix_rate(stems), song_samples(stems, LengthPolicy::exact, 48000)};
    const Analysis analysis = analyze(stems, timeline, AnalysisSettings{});
    // The mix peaks at the clicks, where the tone crosses zero: 0.5 from the 48 kHz stem
    // and 0.5 * 44100 / 48000 from the resampled, band-limited one.
    CHECK(analysis.mix_peak == doctest::Approx(0.5 + 0.5 * 44100 / 48000).epsilon(0.03));
    int onsets_a = 0, onsets_b = 0;
    for (std::int64_t f = 0; f < timeline.frame_count(); ++f) {
      const StemFrameFeatures a = analysis.features.at(0, f), b = analysis.features.at(1, f);
      INFO("frame " << f);
      CHECK(a.rms == doctest::Approx(b.rms).epsilon(0.02));
      CHECK(a.level == doctest::Approx(b.level).epsilon(0.02));
      // The click's spectrum reaches each rate's Nyquist frequency, so the centroids
      // agree only where the tone alone sounds.
      if ((f > 18 && f < 27) || (f > 33 && f < 45)) {
        CHECK(a.centroid_hz == doctest::Approx(b.centroid_hz).epsilon(0.03));
      }
      CHECK((a.onset > 0) == (b.onset > 0));
      onsets_a += a.onset > 0;
      onsets_b += b.onset > 0;
    }
    CHECK(onsets_a >= 1);
    CHECK(onsets_a == onsets_b);
  }

  TEST_CASE("global keeps relative loudness, a silent stem gives zeros, threads do not matter") {
    const auto dir = test::fresh_dir("analyze-stems");
    const int format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    test::write_stem(dir / "1 loud.wav", format, 44100, 1, 44100, sine_440);
    test::write_stem(dir / "2 quiet.wav", format, 44100, 2, 44100, sine_440_quiet);
    test::write_stem(dir / "3 silent.wav", format, 44100, 1, 44100, silence);
    test::write_stem(dir / "4 bursts.wav", format, 44100, 2, 44100, bursts);
    const auto stems = probe_stems(find_stems(dir));
    const Timeline timeline{{60, 1}, 44100, 44100};

    AnalysisSettings settings;
    settings.release_ms = 0.0;
    settings.normalization.mode = Normalization::Mode::global;
    settings.threads = 1;
    const Analysis one = analyze(stems, timeline, settings);
    settings.threads = 2;
    const Analysis two = analyze(stems, timeline, settings);

    const std::int64_t mid = 30;
    // 0.125 against 0.5: a quarter of the loudest stem (bursts reach 0.8, louder still).
    const double loud = one.features.at(0, mid).level;
    CHECK(one.features.at(1, mid).level == doctest::Approx(loud / 4).epsilon(0.01));
    CHECK(one.features.at(0, mid).rms == doctest::Approx(0.5 / std::sqrt(2.0)).epsilon(1e-3));
    CHECK(one.features.at(0, mid).db == doctest::Approx(20 * std::log10(0.5 / std::sqrt(2.0))).epsilon(1e-3));
    CHECK(one.features.at(0, mid).peak == doctest::Approx(0.5).epsilon(1e-3));
    for (std::int64_t f = 0; f < timeline.frame_count(); ++f) {
      const StemFrameFeatures s = one.features.at(2, f);
      CHECK(s.level == 0.0f);
      CHECK(s.rms == 0.0f);
      CHECK(s.peak == 0.0f);
      CHECK(s.db == kSilenceDb);
      CHECK(s.flux == 0.0f);
      CHECK(s.centroid_hz == 0.0f);
      CHECK(s.bands == std::array<float, kMaxBands>{});
      for (int stem = 0; stem < 4; ++stem) {
        const StemFrameFeatures a = one.features.at(stem, f), b = two.features.at(stem, f);
        REQUIRE(std::isfinite(a.level));
        REQUIRE(a.level >= 0.0f);
        REQUIRE(a.level <= 1.0f);
        REQUIRE(a == b);
      }
    }
  }
}
