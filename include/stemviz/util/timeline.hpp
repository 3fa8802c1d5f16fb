// Video frames against audio samples. Every mapping is exact integer arithmetic on the
// frame index, so a frame's audio never drifts, however long the song, and never depends
// on which chunk or machine renders the frame.
#pragma once

#include <cstdint>
#include <string>

namespace stemviz {

// A positive rational number, e.g. a frame rate of 30000/1001.
struct Rational {
  std::int64_t num = 0;
  std::int64_t den = 1;

  double to_double() const { return static_cast<double>(num) / static_cast<double>(den); }
  std::string to_string() const;  // "60" or "30000/1001"
  friend bool operator==(const Rational&, const Rational&) = default;
};

// The largest numerator or denominator of a frame rate. Real rates need far less (30000/1001),
// and the bound keeps a rate's denominator times any sample rate well within 64 bits, where
// 1/281474976710656 at 65536 Hz made the timeline divide by zero.
inline constexpr std::int64_t kMaxFrameRateTerm = 1'000'000;

// True for a frame rate the timeline can work with: numerator and denominator from 1 to
// kMaxFrameRateTerm, at most 1000 frames per second.
bool is_frame_rate(const Rational& rate);

// Parses "60", "29.97" (taken as 30000/1001), "30000/1001" or "59.94"; throws UsageError
// naming `what` when the text is not a rate is_frame_rate() accepts.
Rational parse_frame_rate(const std::string& text, const std::string& what);

// floor(a * b / c) for non-negative a, b and positive c, without overflow.
std::int64_t mul_div_floor(std::int64_t a, std::int64_t b, std::int64_t c);
// ceil(a * b / c) for non-negative a, b and positive c, without overflow.
std::int64_t mul_div_ceil(std::int64_t a, std::int64_t b, std::int64_t c);

struct Timeline {
  Rational fps;              // video frames per second
  int sample_rate = 0;       // audio samples per second (per channel)
  std::int64_t samples = 0;  // song length in samples per channel

  // ceil(samples * fps / rate): the last frame shows the song's last samples.
  std::int64_t frame_count() const;
  // The sample at frame `frame`'s start time, floor(frame / fps * rate).
  std::int64_t first_sample(std::int64_t frame) const;
  // Start time of `frame` in seconds (for animation only; never for sample positions).
  double frame_time(std::int64_t frame) const;
  // The first frame whose start time is at or after `seconds`.
  std::int64_t frame_at_or_after(double seconds) const;
  // The frame on screen at `seconds`: the last one starting at or before it, within the song.
  std::int64_t frame_at(double seconds) const;
  double duration_seconds() const { return static_cast<double>(samples) / sample_rate; }
};

}  // namespace stemviz
