#include <stemviz/analysis/feature_file.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/hash.hpp>

#include "../support/probe.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <iterator>

using namespace stemviz;
namespace fs = std::filesystem;

namespace {

FeatureFile sample_file() {
  FeatureFile file;
  file.timeline = {{30000, 1001}, 48000, 96000};
  file.settings.bands = 3;
  file.settings.bleed_reduce = true;
  file.settings.normalization.mode = Normalization::Mode::percentile;
  file.settings.normalization.percentile = 90;
  file.settings.normalization.floor_db = -48;
  file.analysis.features = FeatureTrack(2, file.timeline.frame_count(), 3);
  for (int s = 0; s < 2; ++s) {
    for (std::int64_t f = 0; f < file.timeline.frame_count(); ++f) {
      const float x = static_cast<float>(f + 100 * s) / 7.0f;
      file.analysis.features.set(s, f, {x, x / 2, x / 3, -x, 100 * x, x / 5, f % 9 == 0 ? x : 0.0f, {x, 2 * x, 3 * x}});
    }
  }
  // Two displays after the stems: a trace of stem 1 and a spectrum of the mix.
  const std::int64_t frames = file.timeline.frame_count();
  file.settings.displays = {{DisplayRequest::Kind::trace, 1, 3, 0, 0.0, 0.0},
                            {DisplayRequest::Kind::spectrum, kMixSource, 0, 5, 30.0, 18000.0}};
  for (const DisplayRequest& request : file.settings.displays) {
    DisplayTrack& display = file.analysis.features.displays().emplace_back();
    display.request = request;
    for (std::int64_t v = 0; v < frames * request.values_per_frame(); ++v)
      display.values.push_back(static_cast<float>(v % 97) / 96.0f - (request.source == 1 ? 0.5f : 0.0f));
  }
  file.analysis.mix_gain = 0.8123f;
  file.analysis.mix_peak = 1.0968;
  file.stems = {{"kick", "kick.wav", std::string(64, 'a'), 1, 48000, 96000},
                {"Ñandú 🥁", "Ñandú 🥁.flac", std::string(64, 'b'), 6, 44100, 88200}};
  return file;
}

fs::path write_sample(const std::string& name, std::string* hash = nullptr) {
  // A folder per file: ctest runs test cases in parallel processes, and fresh_dir() empties
  // the folder it returns.
  const fs::path path = test::fresh_dir("feature-file-" + fs::path(name).stem().string()) / name;
  std::ofstream out(path, std::ios::binary);
  const std::string written = write_feature_file(out, sample_file());
  if (hash != nullptr) *hash = written;
  return path;
}

void poke(const fs::path& path, std::streamoff at, const std::string& bytes) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(at);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_SUITE("feature file") {
  TEST_CASE("SHA-256 matches the standard's test vector") {
    CHECK(Sha256().update("abc").hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const fs::path path = test::fresh_dir("sha") / "abc.txt";
    std::ofstream(path, std::ios::binary) << "abc";
    CHECK(sha256_of_file(path) == Sha256().update("abc").hex());
  }

  TEST_CASE("what is written is read back exactly, with the same content hash") {
    std::string written;
    const fs::path path = write_sample("round-trip.svf", &written);
    std::string read_hash;
    const FeatureFile file = read_feature_file(path, &read_hash);
    const FeatureFile expected = sample_file();
    CHECK(read_hash == written);
    CHECK(written.size() == 64);
    CHECK(file.timeline.fps == expected.timeline.fps);
    CHECK(file.timeline.sample_rate == 48000);
    CHECK(file.timeline.samples == 96000);
    CHECK(file.settings.bands == 3);
    CHECK(file.settings.bleed_reduce);
    CHECK(file.settings.normalization.mode == Normalization::Mode::percentile);
    CHECK(file.settings.normalization.percentile == 90);
    CHECK(file.settings.normalization.floor_db == -48);
    CHECK(file.analysis.mix_gain == expected.analysis.mix_gain);
    CHECK(file.analysis.mix_peak == expected.analysis.mix_peak);
    REQUIRE(file.stems.size() == 2);
    CHECK(file.stems[1].name == "Ñandú 🥁");
    CHECK(file.stems[1].channels == 6);
    CHECK(file.stems[1].sha256 == std::string(64, 'b'));
    const FeatureTrack& a = file.analysis.features;
    const FeatureTrack& b = expected.analysis.features;
    REQUIRE(a.frame_count() == b.frame_count());
    REQUIRE(a.band_count() == 3);
    for (int s = 0; s < 2; ++s) {
      for (std::int64_t f = 0; f < a.frame_count(); ++f) {
        REQUIRE(a.at(s, f) == b.at(s, f));
      }
    }
    CHECK(file.settings.displays == expected.settings.displays);
    REQUIRE(a.displays().size() == 2);
    for (std::size_t d = 0; d < 2; ++d) {
      CHECK(a.displays()[d].request == b.displays()[d].request);
      CHECK(a.displays()[d].values == b.displays()[d].values);
    }
    // The same content always gives the same file.
    std::string again;
    write_sample("again.svf", &again);
    CHECK(again == written);
  }

  TEST_CASE("the mix's row follows the stems' when the settings ask for it") {
    FeatureFile file = sample_file();
    file.settings.mix_features = true;
    FeatureTrack with_mix(3, file.timeline.frame_count(), 3);
    for (int row = 0; row < 3; ++row)
      for (std::int64_t f = 0; f < with_mix.frame_count(); ++f)
        with_mix.set(row, f, {static_cast<float>(row * 1000 + f), 0.5f, 0.25f, -6.0f, 440.0f, 0.0f, 0.0f, {}});
    with_mix.displays() = file.analysis.features.displays();
    file.analysis.features = with_mix;
    const fs::path path = test::fresh_dir("feature-file-mix") / "mix.svf";
    {
      std::ofstream out(path, std::ios::binary);
      write_feature_file(out, file);
    }
    const FeatureFile read = read_feature_file(path);
    CHECK(read.settings.mix_features);
    CHECK(read.stems.size() == 2);
    REQUIRE(read.analysis.features.stem_count() == 3);
    CHECK(read.analysis.features.at(2, 7).level == 2007.0f);
    CHECK(read.analysis.features.displays().size() == 2);
    // Without the flag the same values are refused as the wrong size.
    file.settings.mix_features = false;
    {
      std::ofstream out(path, std::ios::binary);
      write_feature_file(out, file);
    }
    CHECK_THROWS_WITH_AS(read_feature_file(path), doctest::Contains("does not match its frame count"), InputError);
  }

  TEST_CASE("a damaged, truncated, foreign or newer file is refused with a reason") {
    const fs::path damaged = write_sample("damaged.svf");
    poke(damaged, static_cast<std::streamoff>(fs::file_size(damaged) - 3), "x");
    CHECK_THROWS_WITH_AS(read_feature_file(damaged), doctest::Contains("damaged.svf: the feature file is damaged"),
                         InputError);

    const fs::path truncated = write_sample("truncated.svf");
    fs::resize_file(truncated, 40);
    CHECK_THROWS_WITH_AS(read_feature_file(truncated), doctest::Contains("truncated"), InputError);

    const fs::path foreign = test::fresh_dir("feature-file-foreign") / "song.svf";
    std::ofstream(foreign) << "not features at all, just text";
    CHECK_THROWS_WITH_AS(read_feature_file(foreign), doctest::Contains("song.svf: not a stemviz feature file"),
                         InputError);

    const fs::path newer = write_sample("newer.svf");
    poke(newer, 16, std::string("\x03\x00\x00\x00", 4));
    CHECK_THROWS_WITH_AS(read_feature_file(newer), doctest::Contains("feature file format 3"), JobMismatch);
  }

  TEST_CASE("blocks of frames read from the file are the frames written") {
    std::string written_hash, read_hash;
    const fs::path path = write_sample("rows.svf", &written_hash);
    const FeatureFile want = sample_file();
    FeatureFile metadata;
    const FeatureFileRows rows(path, metadata, &read_hash);
    CHECK(read_hash == written_hash);
    CHECK(metadata.stems.size() == 2);
    CHECK(metadata.analysis.mix_gain == want.analysis.mix_gain);
    CHECK(metadata.analysis.features.frame_count() == 0);  // the values stay in the file
    REQUIRE(rows.stem_count() == 2);
    REQUIRE(rows.frame_count() == want.analysis.features.frame_count());
    CHECK(rows.band_count() == 3);
    FeatureTrack block;
    const std::int64_t frames = rows.frame_count();
    // The first frames, a block across the middle, one frame, and the last frames.
    for (const auto& range :
         {std::pair<std::int64_t, std::int64_t>{0, 10}, {frames / 2 - 5, 17}, {7, 1}, {frames - 13, 13}}) {
      // Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
      const std::int64_t first = range.first, count = range.second;
      CAPTURE(first);
      rows.read(first, count, block);
      REQUIRE(block.frame_count() == count);
      for (int stem = 0; stem < 2; ++stem) {
        for (std::int64_t f = 0; f < count; ++f) CHECK(block.at(stem, f) == want.analysis.features.at(stem, first + f));
      }
      // Each display's frames, and zeros for frames outside the song.
      REQUIRE(rows.displays() == want.settings.displays);
      for (int d = 0; d < 2; ++d) {
        const DisplayTrack& display = want.analysis.features.displays()[static_cast<std::size_t>(d)];
        const auto per_frame = static_cast<std::size_t>(display.request.values_per_frame());
        std::vector<float> got;
        read_display_frames(rows, d, first - 2, count + 4, got);
        REQUIRE(got.size() == static_cast<std::size_t>(count + 4) * per_frame);
        for (std::int64_t f = first - 2; f < first + count + 2; ++f) {
          for (std::size_t v = 0; v < per_frame; ++v) {
            const float expected =
                f < 0 || f >= frames ? 0.0f : display.values[static_cast<std::size_t>(f) * per_frame + v];
            REQUIRE(got[static_cast<std::size_t>(f - first + 2) * per_frame + v] == expected);
          }
        }
      }
    }
    // A file written over in place or cut short after it was checked: the read fails as a
    // runtime failure, naming it.
    const auto checked_at = fs::last_write_time(path);
    poke(path, static_cast<std::streamoff>(fs::file_size(path) - 8), "x");
    // File times tick in steps of a few milliseconds: say outright that the write came later.
    fs::last_write_time(path, checked_at + std::chrono::seconds(1));
    CHECK_THROWS_WITH_AS(rows.read(0, 10, block), doctest::Contains("rows.svf: the feature file changed"), Failure);
    const fs::path cut = write_sample("rows-cut.svf");
    FeatureFile again;
    const FeatureFileRows reopened(cut, again);
    fs::resize_file(cut, 100);
    CHECK_THROWS_WITH_AS(reopened.read(0, 10, block), doctest::Contains("rows-cut.svf: the feature file changed"),
                         Failure);
  }
}
