#include <stemviz/analysis.hpp>
#include <stemviz/audio.hpp>

#include <stemviz/error.hpp>

#include <doctest/doctest.h>
#include <sndfile.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <numbers>
#include <string>
#include <vector>

using namespace stemviz;

namespace {

std::vector<double> rms_in_blocks(const Timeline& timeline, const std::vector<float>& signal,
                                  std::int64_t window, std::int64_t block) {
  WindowAccumulator accumulator(timeline, window);
  for (std::int64_t start = 0; start < static_cast<std::int64_t>(signal.size()); start += block) {
    const std::int64_t n = std::min<std::int64_t>(block, static_cast<std::int64_t>(signal.size()) - start);
    accumulator.add(signal.data() + start, n);
  }
  return accumulator.finish().rms;
}

}  // namespace

TEST_SUITE("analysis") {
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

namespace {

std::string u32(std::uint32_t value, bool big_endian) {
  std::string bytes(4, '\0');
  for (int i = 0; i < 4; ++i) bytes[static_cast<std::size_t>(big_endian ? 3 - i : i)] = static_cast<char>(value >> (8 * i));
  return bytes;
}

// A 16-bit mono 8 kHz WAV of 100 samples (RIFX: big-endian) with a LIST chunk of `entries`
// after "INFO" (and a pad byte after an odd length) between its fmt and data chunks.
std::string wave_with_list(const std::string& entries, bool big_endian = false) {
  const auto u16 = [&](int v) { return big_endian ? std::string{char(v >> 8), char(v)} : std::string{char(v), char(v >> 8)}; };
  const std::string fmt = "fmt " + u32(16, big_endian) + u16(1) + u16(1) + u32(8000, big_endian) +
                          u32(16000, big_endian) + u16(2) + u16(16);
  const std::string list = "LIST" + u32(static_cast<std::uint32_t>(4 + entries.size()), big_endian) + "INFO" +
                           entries + std::string(entries.size() % 2, '\0');
  const std::string data = "data" + u32(200, big_endian) + std::string(200, '\x01');
  const std::string body = "WAVE" + fmt + list + data;
  return (big_endian ? "RIFX" : "RIFF") + u32(static_cast<std::uint32_t>(body.size()), big_endian) + body;
}

void check_metadata(const std::string& bytes) {
  check_wave_metadata("take.wav", static_cast<std::int64_t>(bytes.size()),
                      [&](std::int64_t offset, unsigned char* out, std::size_t count) {
                        const std::size_t at = std::min(static_cast<std::size_t>(offset), bytes.size());
                        const std::size_t n = std::min(count, bytes.size() - at);
                        std::memcpy(out, bytes.data() + at, n);
                        return n;
                      });
}

// The samples per channel libsndfile finds in `bytes`, opened as a file would be.
sf_count_t libsndfile_frames(const std::string& bytes) {
  const int fd = memfd_create("stem", 0);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  lseek(fd, 0, SEEK_SET);
  SF_INFO info{};
  SNDFILE* file = sf_open_fd(fd, SFM_READ, &info, SF_TRUE);
  if (file == nullptr) {
    close(fd);
    return -1;
  }
  sf_close(file);
  return info.frames;
}

}  // namespace

TEST_SUITE("audio") {
  TEST_CASE("a LIST entry longer than libsndfile can count is refused before it opens the file") {
    // 28 bytes of the list counted, then 0xfffffff0 more: libsndfile's 32-bit tally wraps to
    // 12, its skip of 0xfffffff0 bytes (an int) seeks 16 bytes back, and it parses the list
    // again from there. In the file fuzzing found, that led back to the same entry: sf_open
    // never returned.
    const std::string entries = "ISFT" + u32(8, false) + std::string("stemviz\0", 8) + "IJNK" + u32(0xfffffff0, false) + "more";
    CHECK_THROWS_WITH_AS(check_metadata(wave_with_list(entries)),
                         doctest::Contains("take.wav: damaged WAV metadata: the LIST entry \"IJNK\" at byte 64"),
                         InputError);
    const std::string big = "IJNK" + u32(0xfffffff8, true) + "more";  // 12 counted before it
    CHECK_THROWS_AS(check_metadata(wave_with_list(big, true)), InputError);
  }

  TEST_CASE("LIST entries that libsndfile gets past are accepted, as libsndfile accepts them") {
    // An odd-length text without its pad byte, so that the next "entry" starts mid-word;
    // entries that claim 2 GB or nearly 4 GB (but not enough to wrap the tally), or less
    // than nothing: libsndfile skips the rest of the list.
    const std::vector<std::string> lists = {
        "ISFT" + u32(7, false) + "stemviz" + "IART" + u32(4, false) + "band",
        "ICMT" + u32(0x7fffffff, false) + "cut short",
        "IJNK" + u32(0xffffffc0, false) + "not enough to wrap",
        "labl" + u32(2, false) + "xx" + std::string(6, '\xff'),
        "",
    };
    for (const std::string& entries : lists) {
      const std::string bytes = wave_with_list(entries);
      CHECK_NOTHROW(check_metadata(bytes));
      CHECK(libsndfile_frames(bytes) == 100);
    }
  }

  TEST_CASE("files that are not WAV pass the WAV metadata check untouched") {
    CHECK_NOTHROW(check_metadata(""));
    CHECK_NOTHROW(check_metadata("RIFF"));
    CHECK_NOTHROW(check_metadata("fLaC" + std::string(40, '\xff')));
    CHECK_NOTHROW(check_metadata("RIFF" + u32(12, false) + "AVI " + "LIST" + u32(0xffffffff, false)));
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
