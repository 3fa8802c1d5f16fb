#include <stemviz/analysis/accumulators.hpp>
#include <stemviz/analysis/analysis.hpp>
#include <stemviz/analysis/bleed.hpp>
#include <stemviz/analysis/onsets.hpp>
#include <stemviz/analysis/parallel.hpp>
#include <stemviz/audio/stems.hpp>

#include <stemviz/util/error.hpp>

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <numbers>
#include <string>
#include <vector>

using namespace stemviz;

namespace {

std::vector<double> rms_in_blocks(const Timeline& timeline, const std::vector<float>& signal, std::int64_t window,
                                  std::int64_t block) {
  WindowAccumulator accumulator(timeline, window);
  for (std::int64_t start = 0; start < static_cast<std::int64_t>(signal.size()); start += block) {
    const std::int64_t n = std::min<std::int64_t>(block, static_cast<std::int64_t>(signal.size()) - start);
    accumulator.add(signal.data() + start, n);
  }
  return accumulator.finish().rms;
}

}  // namespace

TEST_SUITE("analysis") {
  TEST_CASE("the parallel loop runs every index once and carries the first exception out") {
    for (const int threads : {1, 2, 4}) {
      CAPTURE(threads);
      std::vector<std::atomic<int>> runs(50);
      for_each_in_parallel(50, threads, [&](int i) { ++runs[static_cast<std::size_t>(i)]; });
      for (const auto& count : runs) CHECK(count.load() == 1);
      for_each_in_parallel(0, threads, [](int) { FAIL("no index to run"); });
      // An exception thrown inside the region reaches the caller with its type and text,
      // instead of std::terminate.
      std::atomic<int> started{0};
      CHECK_THROWS_WITH_AS(for_each_in_parallel(1000, threads,
                                                [&](int i) {
                                                  ++started;
                                                  if (i == 3) throw InputError("stem 3 is damaged");
                                                }),
                           "stem 3 is damaged", InputError);
      // After a failure the indices not yet started are skipped.
      if (threads == 1) CHECK(started.load() == 4);
    }
  }

  TEST_CASE("RMS of a sine of amplitude A is A/sqrt(2)") {
    const int rate = 44100;
    for (const double amplitude : {0.05, 0.5, 0.9}) {
      for (const double frequency : {100.0, 440.0, 1000.0, 5000.0}) {
        CAPTURE(amplitude);
        CAPTURE(frequency);
        std::vector<float> sine(rate * 2);
        for (std::size_t i = 0; i < sine.size(); ++i) {
          sine[i] = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * frequency * i / rate));
        }
        const Timeline timeline{{60, 1}, rate, static_cast<std::int64_t>(sine.size())};
        const auto rms = rms_in_blocks(timeline, sine, rate / 20, 4096);
        // Frames whose whole window lies inside the signal.
        for (std::int64_t f = 3; f < timeline.frame_count() - 3; ++f) {
          REQUIRE(std::abs(rms[static_cast<std::size_t>(f)] - amplitude / std::sqrt(2.0)) < 1e-3);
        }
      }
    }
  }

  TEST_CASE("the block size does not change the result") {
    std::vector<float> noise(30000);
    std::uint32_t state = 12345;
    for (auto& x : noise) {
      state = state * 1664525u + 1013904223u;
      x = static_cast<float>(state >> 8) / static_cast<float>(1 << 24) - 0.5f;
    }
    const Timeline timeline{{25, 1}, 8000, static_cast<std::int64_t>(noise.size())};
    const auto whole = rms_in_blocks(timeline, noise, 333, 30000);
    for (const std::int64_t block : {1, 7, 100, 4096}) {
      const auto parts = rms_in_blocks(timeline, noise, 333, block);
      REQUIRE(parts.size() == whole.size());
      for (std::size_t f = 0; f < whole.size(); ++f) CHECK(parts[f] == doctest::Approx(whole[f]).epsilon(1e-9));
    }
  }

  TEST_CASE("a window centred on the frame sees the hit at that frame") {
    const int rate = 48000;
    std::vector<float> clicks(rate, 0.0f);
    const Timeline timeline{{30, 1}, rate, rate};
    const std::int64_t hit_frame = 12;
    const std::int64_t at = timeline.first_sample(hit_frame);
    for (std::int64_t i = at - 50; i < at + 50; ++i) clicks[static_cast<std::size_t>(i)] = 1.0f;
    const auto rms = rms_in_blocks(timeline, clicks, rate / 100, 1000);  // 10 ms window
    // The whole 100-sample hit lies inside the frame's 480-sample window.
    CHECK(rms[hit_frame] == doctest::Approx(std::sqrt(100.0 / 480.0)));
    CHECK(rms[hit_frame - 1] == 0.0);
    CHECK(rms[hit_frame + 1] == 0.0);
  }

  TEST_CASE("silence gives zeros, not NaN") {
    const Timeline timeline{{60, 1}, 44100, 44100};
    const auto rms = rms_in_blocks(timeline, std::vector<float>(44100, 0.0f), 2205, 4096);
    for (const double v : rms) CHECK(v == 0.0);
  }

  TEST_CASE("features past the end read as silence") {
    FeatureTrack track(2, 10);
    StemFrameFeatures loud;
    loud.level = 0.75f;
    track.set(1, 9, loud);
    CHECK(track.at(1, 9).level == 0.75f);
    CHECK(track.at(1, 10).level == 0.0f);
    CHECK(track.at(0, -1).level == 0.0f);
    CHECK(track.at(0, -1).db == kSilenceDb);
  }
}

TEST_SUITE("audio") {
  TEST_CASE("a program run in a child process is told returned, crashed, looping or waiting") {
    constexpr std::chrono::milliseconds kLimit{300};
    // A crash or an exit is told as soon as the child ends, so its limit only needs to be
    // long enough for the child to start and end on a busy machine.
    constexpr std::chrono::milliseconds kEndLimit{10000};
    CHECK(run_watched({"/bin/true"}, {}, kEndLimit) == ChildOutcome::returned);
    CHECK(run_watched({"/bin/sh", "-c", "test \"$STEMVIZ_TEST_VALUE\" = 7"}, {"STEMVIZ_TEST_VALUE=7"}, kEndLimit) ==
          ChildOutcome::returned);
    CHECK(run_watched({"/bin/sh", "-c", "kill -ABRT $$"}, {}, kEndLimit) == ChildOutcome::crashed);
    CHECK(run_watched({"/bin/sh", "-c", "exit 3"}, {}, kEndLimit) == ChildOutcome::crashed);
    // A Ctrl-C to the process group does not end the child: it starts with SIGINT and SIGTERM blocked.
    CHECK(run_watched({"/bin/sh", "-c", "kill -INT $$; kill -TERM $$; exit 0"}, {}, kEndLimit) ==
          ChildOutcome::returned);
    CHECK(run_watched({"/bin/sh", "-c", "while :; do :; done"}, {}, kLimit) == ChildOutcome::busy);
    CHECK(run_watched({"/bin/sleep", "60"}, {}, kLimit) == ChildOutcome::waiting);
    CHECK(run_watched({"/nonexistent/program"}, {}, kLimit) != ChildOutcome::returned);
  }

  TEST_CASE("this program run as the header-opening child opens one file and exits") {
    const auto ask = [](const std::string& path, std::chrono::milliseconds limit) {
      return run_watched({own_program()},
                         {std::string(kHeaderCheckVariable) + "=" + path,
                          std::string(kHeaderCheckParentVariable) + "=" + std::to_string(getpid())},
                         limit);
    };
    const std::string corpus = std::string(STEMVIZ_SOURCE_DIR) + "/tests/fuzz/corpus/audio/";
    // Returned, not the test run that this program's main would start without the variable.
    CHECK(ask(corpus + "mono-s16.wav", std::chrono::milliseconds(10000)) == ChildOutcome::returned);
    // libsndfile's parser loops on this header for good.
    CHECK(ask(corpus + "timeout-list-entry-wraps.wav", std::chrono::milliseconds(1000)) == ChildOutcome::busy);
    // Asked by a process that is not its parent, it answers nobody and exits at once.
    CHECK(run_watched({own_program()},
                      {std::string(kHeaderCheckVariable) + "=" + corpus + "timeout-list-entry-wraps.wav",
                       std::string(kHeaderCheckParentVariable) + "=1"},
                      std::chrono::milliseconds(10000)) == ChildOutcome::returned);
  }

  TEST_CASE("a loop or a crash in libsndfile refuses the file, and a wait is worth retrying") {
    constexpr std::chrono::milliseconds kLimit{10000};
    CHECK_NOTHROW(refuse_unless_returned("kick.wav", ChildOutcome::returned, kLimit));
    CHECK_NOTHROW(refuse_unless_returned("kick.wav", ChildOutcome::unchecked, kLimit));
    CHECK_THROWS_WITH_AS(refuse_unless_returned("kick.wav", ChildOutcome::busy, kLimit),
                         "kick.wav: damaged audio: libsndfile was still reading its header after 10 s, "
                         "caught in a loop; export the stem again",
                         InputError);
    CHECK_THROWS_WITH_AS(refuse_unless_returned("kick.wav", ChildOutcome::crashed, kLimit),
                         doctest::Contains("kick.wav: damaged audio: libsndfile crashed"), InputError);
    CHECK_THROWS_WITH_AS(refuse_unless_returned("kick.wav", ChildOutcome::waiting, kLimit),
                         doctest::Contains("kick.wav: reading its header took longer than 10 s"), Failure);
  }

  TEST_CASE("stems sort in natural name order") {
    CHECK(natural_less("kick2", "kick10"));
    CHECK_FALSE(natural_less("kick10", "kick2"));
    CHECK(natural_less("01-kick", "2-snare"));
    CHECK(natural_less("Snare", "tom"));
    CHECK(natural_less("tom 9.wav", "tom 10.wav"));
    CHECK_FALSE(natural_less("a", "a"));
  }

  TEST_CASE("audio files are told by extension") {
    CHECK(is_audio_file("x.wav"));
    CHECK(is_audio_file("x.FLAC"));
    CHECK(is_audio_file("x.aiff"));
    CHECK(is_audio_file("x.ogg"));
    CHECK_FALSE(is_audio_file("notes.txt"));
    CHECK_FALSE(is_audio_file("cover.png"));
  }
}
