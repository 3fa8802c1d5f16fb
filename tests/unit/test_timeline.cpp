#include <stemviz/job/manifest.hpp>
#include <stemviz/job/plan.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/timeline.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace stemviz;

TEST_SUITE("timeline") {
  TEST_CASE("frame to sample mapping never drifts over one hour") {
    const Rational rates[] = {{24, 1}, {25, 1}, {30, 1}, {60, 1}, {30000, 1001}};
    for (const int sample_rate : {44100, 48000}) {
      for (const Rational& fps : rates) {
        CAPTURE(sample_rate);
        CAPTURE(fps.to_string());
        const Timeline timeline{fps, sample_rate, std::int64_t{sample_rate} * 3600};
        const std::int64_t frames = timeline.frame_count();
        // Exact count: one hour at fps frames per second, rounded up.
        CHECK(frames == (std::int64_t{3600} * fps.num + fps.den - 1) / fps.den);
        std::int64_t previous = -1;
        long double worst = 0;
        for (std::int64_t f = 0; f < frames; ++f) {
          const std::int64_t s = timeline.first_sample(f);
          const long double exact = static_cast<long double>(f) * sample_rate * fps.den / fps.num;
          worst = std::max(worst, std::fabs(exact - static_cast<long double>(s)));
          REQUIRE(s > previous);
          previous = s;
        }
        // Floor of the exact position: never as much as one sample off, at any frame.
        CHECK(worst < 1.0L);
        CHECK(timeline.first_sample(frames) >= timeline.samples);
        CHECK(timeline.first_sample(frames - 1) < timeline.samples);
      }
    }
  }

  TEST_CASE("frame count rounds up so the last samples get a frame") {
    CHECK(Timeline{{60, 1}, 44100, 44100}.frame_count() == 60);
    CHECK(Timeline{{60, 1}, 44100, 44101}.frame_count() == 61);
    CHECK(Timeline{{30000, 1001}, 48000, 48000 * 10}.frame_count() == 300);
  }

  TEST_CASE("the frame on screen at a time, within the song") {
    const Timeline ntsc{{30000, 1001}, 48000, 48000 * 10};
    CHECK(ntsc.frame_at(0.0) == 0);
    CHECK(ntsc.frame_at(ntsc.frame_time(150)) == 150);  // a frame's own start time
    CHECK(ntsc.frame_at(ntsc.frame_time(150) - 1e-4) == 149);
    CHECK(ntsc.frame_at(-3.0) == 0);
    CHECK(ntsc.frame_at(60.0) == ntsc.frame_count() - 1);
    const Timeline sixty{{60, 1}, 44100, 44100 * 20};
    CHECK(sixty.frame_at(12.5) == 750);
  }

  TEST_CASE("frame rates parse as exact rationals") {
    CHECK(parse_frame_rate("60", "--fps") == Rational{60, 1});
    CHECK(parse_frame_rate("29.97", "--fps") == Rational{30000, 1001});
    CHECK(parse_frame_rate("59.94", "--fps") == Rational{60000, 1001});
    CHECK(parse_frame_rate("24000/1001", "--fps") == Rational{24000, 1001});
    CHECK_THROWS_AS(parse_frame_rate("0", "--fps"), UsageError);
    // Terms so large that a rate's denominator times a sample rate leaves 64 bits: such a
    // timeline divided by zero (a manifest's 1/281474976710656 at 65536 Hz).
    CHECK_THROWS_AS(parse_frame_rate("1/281474976710656", "fps"), UsageError);
    CHECK_THROWS_AS(parse_frame_rate("1000001/1000001", "fps"), UsageError);
    CHECK(parse_frame_rate("1000000/999999", "fps") == Rational{1000000, 999999});
    CHECK(is_frame_rate({30000, 1001}));
    CHECK_FALSE(is_frame_rate({0, 1}));
    CHECK_FALSE(is_frame_rate({60, 0}));
    CHECK_FALSE(is_frame_rate({1001, 1}));
    CHECK_THROWS_AS(parse_frame_rate("-5", "--fps"), UsageError);
    CHECK_THROWS_AS(parse_frame_rate("abc", "--fps"), UsageError);
    CHECK_THROWS_WITH(parse_frame_rate("60/0", "--fps"), doctest::Contains("--fps '60/0' is not a frame rate"));
  }
}

TEST_SUITE("plan") {
  TEST_CASE("chunks cover the frame range exactly once") {
    const Timeline timeline{{60, 1}, 44100, 44100 * 7 + 123};
    for (const std::int64_t chunk_frames : {1, 7, 60, 61, 180, 10000}) {
      for (const auto& range :
           {std::pair<std::int64_t, std::int64_t>{0, timeline.frame_count()}, {17, 301}, {59, 60}}) {
        // Plain variables: clang 14 cannot capture structured bindings in CAPTURE's lambda.
        const std::int64_t first = range.first, end = range.second;
        CAPTURE(chunk_frames);
        CAPTURE(first);
        const Plan plan = make_plan(timeline, first, end, chunk_frames);
        REQUIRE_FALSE(plan.chunks.empty());
        CHECK(plan.chunks.front().first_frame == first);
        CHECK(plan.chunks.back().end_frame() == end);
        std::int64_t covered = 0;
        for (std::size_t i = 0; i < plan.chunks.size(); ++i) {
          const Chunk& c = plan.chunks[i];
          CHECK(c.index == static_cast<int>(i));
          CHECK(c.frame_count >= 1);
          CHECK(c.frame_count <= chunk_frames);
          if (i > 0) CHECK(c.first_frame == plan.chunks[i - 1].end_frame());
          covered += c.frame_count;
        }
        CHECK(covered == end - first);
      }
    }
  }

  TEST_CASE("chunks shorten towards the end so that the workers finish together") {
    const Timeline timeline{{60, 1}, 44100, 44100 * 89};
    const Plan plan = make_plan(timeline, 0, timeline.frame_count(), 60);
    // Full chunks while 16 of them are left, then each at most a sixteenth of what is left,
    // never below a quarter chunk (but for the very last one, which takes the rest).
    for (std::size_t i = 0; i < plan.chunks.size(); ++i) {
      const Chunk& c = plan.chunks[i];
      const std::int64_t left = plan.end_frame - c.first_frame;
      CAPTURE(i);
      CHECK(c.frame_count <= 60);
      if (left >= 16 * 60) CHECK(c.frame_count == 60);
      if (i + 1 < plan.chunks.size()) CHECK(c.frame_count >= 15);
      if (left < 16 * 60 && c.frame_count > 15) CHECK(c.frame_count * 16 < left + 16);
      if (i > 0) CHECK(c.frame_count <= plan.chunks[i - 1].frame_count);
    }
    CHECK(plan.chunks.back().frame_count <= 15);
    // The tail costs a few chunks, not a multiple of them.
    CHECK(plan.chunks.size() > 89);
    CHECK(plan.chunks.size() < 89 + 30);

    // A short render is cut finer only in its last quarter.
    const Plan clip = make_plan(timeline, 0, 240, 60);
    REQUIRE(clip.chunks.size() == 7);
    for (std::size_t i = 0; i < 3; ++i) CHECK(clip.chunks[i].frame_count == 60);
    for (std::size_t i = 3; i < 7; ++i) CHECK(clip.chunks[i].frame_count == 15);
  }

  TEST_CASE("shards get contiguous runs of about the same number of frames") {
    const Timeline timeline{{60, 1}, 44100, 44100 * 89};
    const Plan plan = make_plan(timeline, 0, timeline.frame_count(), 60);
    for (const int shards : {1, 2, 3, 7, 16, 50, static_cast<int>(plan.chunks.size())}) {
      CAPTURE(shards);
      const std::vector<int> shard_of = assign_shards(plan.chunks, shards);
      REQUIRE(shard_of.size() == plan.chunks.size());
      std::vector<std::int64_t> frames(static_cast<std::size_t>(shards), 0);
      for (std::size_t i = 0; i < shard_of.size(); ++i) {
        REQUIRE(shard_of[i] >= 0);
        REQUIRE(shard_of[i] < shards);
        if (i > 0) CHECK((shard_of[i] == shard_of[i - 1] || shard_of[i] == shard_of[i - 1] + 1));
        frames[static_cast<std::size_t>(shard_of[i])] += plan.chunks[i].frame_count;
      }
      CHECK(shard_of.front() == 0);
      CHECK(shard_of.back() == shards - 1);
      const auto [fewest, most] = std::minmax_element(frames.begin(), frames.end());
      CHECK(*fewest >= 1);
      // Each boundary lies within half a chunk of its ideal place, so shards differ by at
      // most two chunks' frames (unless there are about as many shards as chunks).
      if (shards * 2 <= static_cast<int>(plan.chunks.size())) CHECK(*most - *fewest <= 2 * 60);
    }
  }

  TEST_CASE("chunk length in frames") {
    CHECK(frames_per_chunk(1.0, {60, 1}) == 60);
    CHECK(frames_per_chunk(1.0, {30000, 1001}) == 30);
    CHECK(frames_per_chunk(0.001, {24, 1}) == 1);
  }

  TEST_CASE("the audio range of a partial plan is clipped to the song") {
    const Timeline timeline{{30, 1}, 48000, 48000 + 10};
    const Plan plan = make_plan(timeline, 15, timeline.frame_count(), 30);
    CHECK(plan.first_sample() == 24000);
    CHECK(plan.end_sample() == 48010);
  }
}
