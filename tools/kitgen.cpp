// stemviz-kit: synthesizes a drum-kit multitrack (one file per microphone) so that the demo,
// the tests and the benchmark have realistic stems without shipping or downloading audio.
//
// Every stem is a pure function of (settings, seed): hits sit on exact integer sample
// positions of a sixteenth-note grid, noise comes from a counter-based hash instead of a
// stateful generator, and stems are synthesized block by block, so memory stays small and the
// same command always writes the same samples.
#include <sndfile.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace {

enum class Drum { kick, snare, tom, hihat, crash, perc };

// One sound source of the kit. A microphone (a stem) hears its own source at full level and
// the others as bleed.
struct Source {
  Drum drum;
  double pitch_hz;  // fundamental for tonal drums; unused for hats and cymbals
  int variant;      // distinguishes toms and percussion voices, 0-based
  double pan;       // -1 (left) .. +1 (right), as heard by the overheads
};

constexpr double kDefaultBleedDb = -24.0;  // what a close mic hears of the other drums

struct Settings {
  double seconds = 20.0;
  int rate = 44100;
  int stems = 7;
  int bpm = 120;
  std::uint64_t seed = 1;
  std::string format = "wav";
  double bleed_db = kDefaultBleedDb;  // -120 or less: none, for a bleed-free reference kit
};

constexpr double kBleedDelayS = 0.002;     // about 70 cm of air between a drum and another mic
constexpr double kOverheadDelayS = 0.004;  // overheads hang higher above the kit
constexpr std::int64_t kBlockFrames = 65536;

std::uint64_t mix64(std::uint64_t x) {
  // splitmix64's finalizer: a cheap, well-distributed bijection of 64-bit words.
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Uniform in [0, 1) from a key; the same key always gives the same value.
double unit(std::uint64_t key) { return static_cast<double>(mix64(key) >> 11) * 0x1.0p-53; }

// White noise in [-1, 1) as a function of (hit, sample offset).
double noise(std::uint64_t hit_key, std::int64_t t) {
  return 2.0 * unit(hit_key ^ mix64(static_cast<std::uint64_t>(t))) - 1.0;
}

// First-difference of white noise: tilts the spectrum upward, which is all a hat needs.
double bright_noise(std::uint64_t hit_key, std::int64_t t) { return 0.5 * (noise(hit_key, t) - noise(hit_key, t - 1)); }

double tone(double phase_cycles) { return std::sin(2.0 * std::numbers::pi * phase_cycles); }

// How long a hit rings, in seconds; a hit contributes nothing after this.
double ring_seconds(const Source& s, bool open) {
  switch (s.drum) {
    case Drum::kick: return 0.6;
    case Drum::snare: return 0.5;
    case Drum::tom: return 0.9;
    case Drum::hihat: return open ? 0.7 : 0.2;
    case Drum::crash: return 2.5;
    case Drum::perc: return 0.3;
  }
  return 0.0;
}

// The sound of one hit at `t` samples after it starts, before velocity and mic gain.
double voice(const Source& s, bool open, std::int64_t t, double rate, std::uint64_t hit_key) {
  const double x = static_cast<double>(t) / rate;  // seconds since the hit
  switch (s.drum) {
    case Drum::kick: {
      // A pitch drop from about 3x the fundamental gives the kick its thump; the phase is
      // the closed-form integral of that frequency sweep.
      const double sweep = 0.035;
      const double phase = s.pitch_hz * x + 2.0 * s.pitch_hz * sweep * (1.0 - std::exp(-x / sweep));
      return 0.75 * tone(phase) * std::exp(-x / 0.22) + 0.25 * noise(hit_key, t) * std::exp(-x / 0.004);
    }
    case Drum::snare:
      return 0.35 * tone(s.pitch_hz * x) * std::exp(-x / 0.07) + 0.45 * noise(hit_key, t) * std::exp(-x / 0.11);
    case Drum::tom: {
      const double sweep = 0.06;
      const double phase = s.pitch_hz * x + 0.4 * s.pitch_hz * sweep * (1.0 - std::exp(-x / sweep));
      return 0.6 * tone(phase) * std::exp(-x / 0.28) + 0.08 * noise(hit_key, t) * std::exp(-x / 0.01);
    }
    case Drum::hihat: return 0.5 * bright_noise(hit_key, t) * std::exp(-x / (open ? 0.22 : 0.035));
    case Drum::crash: return 0.45 * bright_noise(hit_key, t) * std::exp(-x / 0.7);
    case Drum::perc:
      return 0.4 * tone(s.pitch_hz * x) * std::exp(-x / 0.045) +
             0.1 * tone(2.76 * s.pitch_hz * x) * std::exp(-x / 0.02);
  }
  return 0.0;
}

struct Hit {
  bool on = false;
  bool open = false;  // open hi-hat
  double velocity = 0.0;
};

// The groove: which sixteenth-note steps each source plays. Four-bar phrases with a tom fill
// at the end, so every pyramid gets moments of its own.
Hit pattern(const Source& s, std::int64_t step, std::uint64_t seed, std::uint64_t source_key) {
  const int q = static_cast<int>(step % 16);  // step within the bar
  const std::int64_t bar = step / 16;
  const bool fill_bar = bar % 4 == 3;
  Hit hit;
  double level = 1.0;
  switch (s.drum) {
    case Drum::kick: hit.on = q == 0 || q == 8 || q == 10 || (bar % 2 == 1 && q == 3); break;
    case Drum::snare:
      hit.on = (q == 4 || q == 12) && !(fill_bar && q == 12);
      if (bar % 2 == 1 && q == 7) {
        hit.on = true;  // ghost note
        level = 0.35;
      }
      break;
    case Drum::tom: {
      // High tom leads the fill, the floor tom ends it; each tom also answers mid-phrase.
      const int fill_steps[3][2] = {{12, 13}, {14, 14}, {15, 15}};
      const int* f = fill_steps[std::clamp(s.variant, 0, 2)];
      hit.on = (fill_bar && (q == f[0] || q == f[1])) || (bar % 4 == 1 && q == 6 + 4 * s.variant);
      break;
    }
    case Drum::hihat:
      hit.on = q % 2 == 0 && !(fill_bar && q >= 12);
      level = q % 4 == 0 ? 1.0 : 0.6;
      hit.open = q == 14 && bar % 2 == 0;
      break;
    case Drum::crash: hit.on = bar % 8 == 0 && q == 0 && step > 0; break;
    case Drum::perc: {
      // An evenly spread (Euclidean-like) rhythm, different for every percussion voice.
      const int pulses = 3 + s.variant % 5;
      const int rotation = s.variant * 3;
      const int r = (q + rotation) % 16;
      hit.on = (r * pulses) % 16 < pulses;
      level = 0.7;
      break;
    }
  }
  // A little velocity variation keeps the envelopes from looking machine-made.
  const double jitter = 0.85 + 0.15 * unit(seed ^ mix64(source_key ^ mix64(static_cast<std::uint64_t>(step))));
  hit.velocity = level * jitter;
  return hit;
}

// The kit for `count` microphones: the first seven are a standard kit; from eight on, each
// extra stem is a percussion voice of its own.
struct Mic {
  std::string name;
  int own_source;  // index into the sources, or -1 for the overheads
  int channels;
};

struct Kit {
  std::vector<Source> sources;
  std::vector<Mic> mics;
};

Kit make_kit(int count) {
  Kit kit;
  const Source standard[] = {
      {Drum::kick, 52.0, 0, 0.0}, {Drum::snare, 190.0, 0, -0.2}, {Drum::tom, 240.0, 0, -0.35},
      {Drum::tom, 170.0, 1, 0.1}, {Drum::tom, 105.0, 2, 0.45},   {Drum::hihat, 0.0, 0, -0.55},
  };
  const char* standard_names[] = {"kick", "snare", "tom-high", "tom-mid", "tom-floor", "hihat"};
  for (int i = 0; i < count && i < 6; ++i) {
    kit.sources.push_back(standard[i]);
    kit.mics.push_back({standard_names[i], i, 1});
  }
  if (count >= 7) {
    kit.sources.push_back({Drum::crash, 0.0, 0, 0.6});
    kit.mics.push_back({"overheads", -1, 2});
  }
  for (int i = 7; i < count; ++i) {
    const int variant = i - 7;
    const double pitch = 330.0 * std::pow(2.0, variant * 5.0 / 12.0 / 2.0);  // spread by fourths
    const double pan = std::fmod(variant * 0.37, 1.6) - 0.8;
    kit.sources.push_back({Drum::perc, pitch, variant, pan});
    kit.mics.push_back({"perc-" + std::string(variant + 1 < 10 ? "0" : "") + std::to_string(variant + 1),
                        static_cast<int>(kit.sources.size()) - 1, 1});
  }
  for (std::size_t i = 0; i < kit.mics.size(); ++i) {
    const std::string number = (i + 1 < 10 ? "0" : "") + std::to_string(i + 1);
    kit.mics[i].name = number + "-" + kit.mics[i].name;
  }
  return kit;
}

// What one microphone hears of one source: per-channel gain and arrival delay in samples.
struct Pickup {
  double gain[2];
  std::int64_t delay;
};

Pickup pickup(const Kit& kit, const Mic& mic, std::size_t source, int rate, double bleed_db) {
  if (mic.own_source == static_cast<int>(source)) return {{1.0, 1.0}, 0};
  const Source& s = kit.sources[source];
  if (mic.own_source < 0) {
    // Overheads: the cymbals loud, the drums as a panned room picture.
    const double level = s.drum == Drum::crash ? 1.0 : s.drum == Drum::hihat ? 0.55 : 0.35;
    const double angle = (s.pan + 1.0) * std::numbers::pi / 4.0;  // constant-power pan
    return {{level * std::cos(angle), level * std::sin(angle)}, std::llround(kOverheadDelayS * rate)};
  }
  const double bleed = bleed_db <= -120.0 ? 0.0 : std::pow(10.0, bleed_db / 20.0);
  return {{bleed, bleed}, std::llround(kBleedDelayS * rate)};
}

// Sample position of a sixteenth-note step, exact in integers so hits never drift.
std::int64_t step_position(std::int64_t step, int rate, int bpm) {
  return step * 60 * rate / (static_cast<std::int64_t>(bpm) * 4);
}

// Keeps peaks below 0.9 without touching anything quieter than 0.7.
float soft_limit(double x) {
  const double a = std::fabs(x);
  if (a <= 0.7) return static_cast<float>(x);
  const double limited = 0.7 + 0.2 * std::tanh((a - 0.7) / 0.2);
  return static_cast<float>(std::copysign(limited, x));
}

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

class WriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void write_stem(const Kit& kit, const Mic& mic, const Settings& settings, const fs::path& path) {
  const std::int64_t total = std::llround(settings.seconds * settings.rate);
  const fs::path temp = path.string() + ".tmp";

  SF_INFO info{};
  info.samplerate = settings.rate;
  info.channels = mic.channels;
  info.format = (settings.format == "flac" ? SF_FORMAT_FLAC : SF_FORMAT_WAV) | SF_FORMAT_PCM_16;
  SndfilePtr file{sf_open(temp.c_str(), SFM_WRITE, &info)};
  if (!file) throw WriteError(temp.string() + ": cannot create: " + sf_strerror(nullptr));

  std::vector<float> block;
  std::vector<double> acc;
  for (std::int64_t b0 = 0; b0 < total; b0 += kBlockFrames) {
    const std::int64_t b1 = std::min(total, b0 + kBlockFrames);
    acc.assign(static_cast<std::size_t>((b1 - b0) * mic.channels), 0.0);
    for (std::size_t si = 0; si < kit.sources.size(); ++si) {
      const Source& source = kit.sources[si];
      const Pickup p = pickup(kit, mic, si, settings.rate, settings.bleed_db);
      const std::uint64_t source_key = mix64(si + 1);
      const std::int64_t longest = std::llround(ring_seconds(source, true) * settings.rate);
      // Start a step early: integer division may put the first overlapping hit there.
      std::int64_t step =
          std::max<std::int64_t>(0, (b0 - p.delay - longest) * settings.bpm * 4 / (60LL * settings.rate) - 1);
      for (;; ++step) {
        const std::int64_t start = step_position(step, settings.rate, settings.bpm) + p.delay;
        if (start >= b1) break;
        if (step_position(step, settings.rate, settings.bpm) >= total) break;
        const Hit hit = pattern(source, step, settings.seed, source_key);
        if (!hit.on) continue;
        const std::int64_t length = std::llround(ring_seconds(source, hit.open) * settings.rate);
        const std::int64_t from = std::max(b0, start);
        const std::int64_t to = std::min(b1, start + length);
        const std::uint64_t hit_key = settings.seed ^ mix64(source_key ^ mix64(static_cast<std::uint64_t>(step) << 8));
        for (std::int64_t t = from; t < to; ++t) {
          const double v = hit.velocity * voice(source, hit.open, t - start, settings.rate, hit_key);
          for (int c = 0; c < mic.channels; ++c)
            acc[static_cast<std::size_t>((t - b0) * mic.channels + c)] += p.gain[c] * v;
        }
      }
    }
    block.resize(acc.size());
    std::transform(acc.begin(), acc.end(), block.begin(), soft_limit);
    const sf_count_t frames = b1 - b0;
    if (sf_writef_float(file.get(), block.data(), frames) != frames) {
      const std::string reason = sf_strerror(file.get());
      file.reset();
      fs::remove(temp);
      throw WriteError(temp.string() + ": write failed: " + reason);
    }
  }
  if (sf_close(file.release()) != 0) {
    fs::remove(temp);
    throw WriteError(temp.string() + ": cannot finish the file (disk full?)");
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp);
    throw WriteError(path.string() + ": cannot rename into place: " + ec.message());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"stemviz-kit: synthesizes a drum-kit multitrack, one audio file per microphone", "stemviz-kit"};
  Settings settings;
  std::string out_dir;
  app.add_option("OUTDIR", out_dir, "Folder to write the stems into (created if missing)")->required();
  app.add_option("--seconds", settings.seconds, "Length of every stem in seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 4.0 * 3600.0));
  app.add_option("--rate", settings.rate, "Sample rate in Hz")->capture_default_str()->check(CLI::Range(8000, 384000));
  app.add_option("--stems", settings.stems,
                 "Number of stems: 1-7 take a standard kit's mics in order, more add percussion")
      ->capture_default_str()
      ->check(CLI::Range(1, 32));
  app.add_option("--bpm", settings.bpm, "Tempo in beats per minute")->capture_default_str()->check(CLI::Range(30, 300));
  app.add_option("--seed", settings.seed, "Varies velocities and noise; the same seed gives the same files")
      ->capture_default_str();
  app.add_option("--bleed-db", settings.bleed_db, "Level at which a close mic hears the other drums; -120 for none")
      ->capture_default_str()
      ->check(CLI::Range(-400.0, 0.0));
  app.add_option("--format", settings.format, "File format")
      ->capture_default_str()
      ->check(CLI::IsMember({"wav", "flac"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  try {
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) throw WriteError(out_dir + ": cannot create the folder: " + ec.message());
    const Kit kit = make_kit(settings.stems);
    for (const Mic& mic : kit.mics) {
      const fs::path path = fs::path(out_dir) / (mic.name + "." + settings.format);
      write_stem(kit, mic, settings, path);
      std::printf("wrote %s (%.3f s, %d Hz, %s)\n", path.c_str(), settings.seconds, settings.rate,
                  mic.channels == 2 ? "stereo" : "mono");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stemviz-kit: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
