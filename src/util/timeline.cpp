#include <stemviz/util/timeline.hpp>

#include <stemviz/util/error.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace stemviz {

std::string Rational::to_string() const {
  return den == 1 ? std::to_string(num) : std::to_string(num) + "/" + std::to_string(den);
}

namespace {

bool parse_int(std::string_view text, std::int64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

bool is_frame_rate(const Rational& rate) {
  return rate.num >= 1 && rate.den >= 1 && rate.num <= kMaxFrameRateTerm && rate.den <= kMaxFrameRateTerm &&
         rate.to_double() <= 1000.0;
}

Rational parse_frame_rate(const std::string& text, const std::string& what) {
  Rational rate;
  const auto slash = text.find('/');
  bool ok = false;
  if (slash != std::string::npos) {
    ok = parse_int(std::string_view(text).substr(0, slash), rate.num) &&
         parse_int(std::string_view(text).substr(slash + 1), rate.den);
  } else if (text == "23.976" || text == "29.97" || text == "59.94" || text == "119.88") {
    // The NTSC rates everybody writes as decimals are really N*1000/1001.
    rate = {std::llround(std::stod(text) * 1.001) * 1000, 1001};
    ok = true;
  } else {
    ok = parse_int(text, rate.num);
  }
  if (!ok || !is_frame_rate(rate)) {
    throw UsageError(what + " '" + text +
                     "' is not a frame rate: give a positive number such as 60, 29.97 or "
                     "30000/1001 (at most 1000, with terms up to 1000000)");
  }
  return rate;
}

// 128-bit intermediates: frame * rate * den overflows 64 bits only for absurd inputs, but
// "absurd" should still be exact.
__extension__ using Int128 = __int128;

std::int64_t mul_div_floor(std::int64_t a, std::int64_t b, std::int64_t c) {
  return static_cast<std::int64_t>(static_cast<Int128>(a) * b / c);
}

std::int64_t mul_div_ceil(std::int64_t a, std::int64_t b, std::int64_t c) {
  return static_cast<std::int64_t>((static_cast<Int128>(a) * b + c - 1) / c);
}

std::int64_t Timeline::frame_count() const {
  return mul_div_ceil(samples, fps.num, static_cast<std::int64_t>(sample_rate) * fps.den);
}

std::int64_t Timeline::first_sample(std::int64_t frame) const {
  return mul_div_floor(frame, static_cast<std::int64_t>(sample_rate) * fps.den, fps.num);
}

double Timeline::frame_time(std::int64_t frame) const {
  return static_cast<double>(frame) * static_cast<double>(fps.den) / static_cast<double>(fps.num);
}

std::int64_t Timeline::frame_at_or_after(double seconds) const {
  // Round to whole microseconds first so "--from 2.5" means exactly 2.5 s.
  const auto micros = static_cast<std::int64_t>(std::llround(seconds * 1e6));
  return mul_div_ceil(micros, fps.num, fps.den * 1'000'000);
}

std::int64_t Timeline::frame_at(double seconds) const {
  const auto micros = static_cast<std::int64_t>(std::llround(std::max(0.0, seconds) * 1e6));
  return std::min(mul_div_floor(micros, fps.num, fps.den * 1'000'000), std::max<std::int64_t>(0, frame_count() - 1));
}

}  // namespace stemviz
