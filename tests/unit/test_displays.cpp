// The displays of waveform and spectrum layers: a trace's columns hold the smallest and
// largest samples of their stretch of the signal, whatever the blocks it arrives in; a
// spectrum's loudest band is the one holding a tone's frequency.
#include <stemviz/analysis/displays.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

using namespace stemviz;

namespace {

// Feeds `signal` in uneven blocks, as the streaming analysis does.
std::vector<float> display_of(const DisplayRequest& request, const Timeline& timeline,
                              const std::vector<float>& signal) {
  DisplayAccumulator accumulator(request, timeline);
  const auto size = static_cast<std::int64_t>(signal.size());
  std::int64_t block = 700;
  for (std::int64_t start = 0; start < size; start += block, block = block * 5 % 6151 + 1)
    accumulator.add(signal.data() + start, std::min(block, size - start));
  return accumulator.finish();
}

std::vector<float> sine(double hz, int rate, std::int64_t samples, double amplitude) {
  std::vector<float> x(static_cast<std::size_t>(samples));
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / rate));
  return x;
}

}  // namespace

TEST_SUITE("displays") {
  TEST_CASE("a trace's columns are the smallest and largest samples of their part of the frame") {
    // 30000/1001 fps at 44.1 kHz: frames of 1471 or 1472 samples, in 7 uneven columns.
    const Timeline timeline{{30000, 1001}, 44100, 44100};
    std::vector<float> signal(44100);
    for (std::size_t i = 0; i < signal.size(); ++i)
      signal[i] =
          static_cast<float>(std::sin(0.37 * static_cast<double>(i)) * std::cos(0.0011 * static_cast<double>(i)));
    const DisplayRequest request{DisplayRequest::Kind::trace, 0, 7, 0, 0.0, 0.0};
    const std::vector<float> trace = display_of(request, timeline, signal);
    const std::int64_t frames = timeline.frame_count();
    REQUIRE(trace.size() == static_cast<std::size_t>(frames * 14));
    for (std::int64_t f = 0; f < frames; ++f) {
      const std::int64_t a = timeline.first_sample(f), b = timeline.first_sample(f + 1);
      for (int c = 0; c < 7; ++c) {
        const std::int64_t from = a + (b - a) * c / 7, to = std::min<std::int64_t>(a + (b - a) * (c + 1) / 7, 44100);
        if (from >= to) continue;  // past the song's end
        const auto [lo, hi] = std::minmax_element(signal.begin() + from, signal.begin() + to);
        const std::size_t at = static_cast<std::size_t>(f * 7 + c) * 2;
        CAPTURE(f);
        CAPTURE(c);
        REQUIRE(trace[at] == *lo);
        REQUIRE(trace[at + 1] == *hi);
      }
    }
  }

  TEST_CASE("a trace with more columns than a frame has samples repeats the column before") {
    const Timeline timeline{{1000, 1}, 8000, 80};  // 8 samples a frame, 10 frames
    std::vector<float> signal(80);
    for (std::size_t i = 0; i < signal.size(); ++i) signal[i] = static_cast<float>(i) / 100.0f;
    const std::vector<float> trace = display_of({DisplayRequest::Kind::trace, 0, 16, 0, 0.0, 0.0}, timeline, signal);
    REQUIRE(trace.size() == 10 * 32);
    // Frame 3's 16 columns over its 8 samples (24..31): the odd ones hold one sample each,
    // the even ones none, so they repeat the column before (the first, frame 2's last).
    for (int c = 0; c < 16; ++c) {
      CAPTURE(c);
      const int sample = c == 0 ? 23 : 24 + (c - 1) / 2;
      CHECK(trace[static_cast<std::size_t>(3 * 16 + c) * 2 + 1] == doctest::Approx(sample / 100.0).epsilon(1e-6));
    }
  }

  TEST_CASE("a spectrum's loudest band holds the tone, and the values run from 0 to 1") {
    const int rate = 48000;
    const Timeline timeline{{60, 1}, rate, rate};
    // 64 bands from 40 Hz to 16 kHz, a factor of 400^(1/64) = 1.098 each.
    const DisplayRequest request{DisplayRequest::Kind::spectrum, kMixSource, 0, 64, 40.0, 16000.0};
    for (const double hz : {55.0, 440.0, 1000.0, 7040.0}) {
      CAPTURE(hz);
      const std::vector<float> values = display_of(request, timeline, sine(hz, rate, rate, 0.5));
      REQUIRE(values.size() == 60 * 64);
      const auto row = values.begin() + 30 * 64;
      const auto loudest = std::max_element(row, row + 64);
      const int band = static_cast<int>(loudest - row);
      const int expected = static_cast<int>(std::floor(std::log(hz / 40.0) / std::log(400.0) * 64));
      // Bands near a tone's share of the window's main lobe may tie closely: one band off at most.
      CHECK(std::abs(band - expected) <= 1);
      CHECK(*std::max_element(values.begin(), values.end()) == 1.0f);
      CHECK(*std::min_element(values.begin(), values.end()) >= 0.0f);
    }
    // Silence shows nothing, however the values would scale.
    const std::vector<float> silent = display_of(request, timeline, std::vector<float>(rate, 1e-7f));
    CHECK(*std::max_element(silent.begin(), silent.end()) == 0.0f);
  }

  TEST_CASE("impossible requests are named") {
    CHECK(display_request_problem({DisplayRequest::Kind::trace, 0, 0, 0, 0.0, 0.0}).find("1 to 256 columns") !=
          std::string::npos);
    CHECK(display_request_problem({DisplayRequest::Kind::spectrum, kMixSource, 0, 200, 40.0, 16000.0})
              .find("4 to 128 bands") != std::string::npos);
    CHECK(display_request_problem({DisplayRequest::Kind::spectrum, 40, 0, 8, 40.0, 16000.0}) == "no stem 40");
    CHECK(display_request_problem({DisplayRequest::Kind::spectrum, 2, 0, 8, 40.0, 60.0}).find("an octave") !=
          std::string::npos);
    CHECK(display_request_problem({DisplayRequest::Kind::spectrum, 2, 0, 8, 40.0, 16000.0}).empty());
  }
}
