// Analysis stage: turns the stems into per-frame features, once for the whole song, so
// that a frame depends only on (features, scene, frame index) and never on its chunk.
#pragma once

#include <stemviz/audio/stems.hpp>
#include <stemviz/util/timeline.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace stemviz {

// The dB value given to silence, so that no feature is ever -inf or NaN.
inline constexpr float kSilenceDb = -120.0f;
// The most spectral bands a stem can be split into.
inline constexpr int kMaxBands = 16;

// What the renderer and `stemviz analyze` know about one stem at one frame. All values are
// finite; a silent stem reads as zeros (and kSilenceDb).
struct StemFrameFeatures {
  float level = 0.0f;                    // what the picture shows, 0..1: the RMS after smoothing,
                                         // normalization, the dB floor and gamma
  float rms = 0.0f;                      // windowed RMS of the mono downmix, linear, 1.0 = full scale
  float peak = 0.0f;                     // largest |sample| in the same window, linear, 0..1 for PCM
  float db = kSilenceDb;                 // rms in dBFS, >= kSilenceDb
  float centroid_hz = 0.0f;              // spectral centroid (magnitude-weighted mean frequency), Hz
  float flux = 0.0f;                     // onset strength: rise of the spectrum since the last frame,
                                         // 0..1, 1 = this stem's strongest rise
  float onset = 0.0f;                    // > 0 only on a frame where an onset was picked: its strength
  std::array<float, kMaxBands> bands{};  // amplitude in log-spaced bands, low to high, 0..1
                                         // (1 = this stem's loudest band at any frame);
                                         // entries past the track's band count stay 0

  bool operator==(const StemFrameFeatures&) const = default;
};

// Features of every stem at every frame of the song (or of a block of frames). They are kept
// as the feature file stores them: stem-major, then frame, then kValuesBeforeBands values
// (level, rms, peak, db, centroid_hz, flux, onset) and the bands in use, so a block of
// frames is one read per stem; with 8 bands that is 60 bytes per stem and frame instead of
// a whole StemFrameFeatures' 92.
class FeatureTrack {
 public:
  static constexpr int kValuesBeforeBands = 7;

  FeatureTrack() = default;
  FeatureTrack(int stem_count, std::int64_t frame_count, int band_count = 0);

  int stem_count() const { return stem_count_; }
  std::int64_t frame_count() const { return frame_count_; }
  int band_count() const { return band_count_; }  // StemFrameFeatures::bands in use
  // `frame` outside the song reads as silence, so a caller never indexes out of range.
  StemFrameFeatures at(int stem, std::int64_t frame) const;
  // Stores stem `stem`'s features at `frame` (both in range); bands past band_count() are
  // not kept.
  void set(int stem, std::int64_t frame, const StemFrameFeatures& features);
  // Every value in the order described above, for reading and writing feature files.
  std::span<const float> values() const { return values_; }
  std::span<float> values() { return values_; }
  // Stem `stem`'s values for frames [first, first + count), all within the track.
  std::span<const float> stem_values(int stem, std::int64_t first, std::int64_t count) const {
    return std::span<const float>(values_).subspan(offset(stem, first),
                                                   static_cast<std::size_t>(count) * values_per_frame());
  }
  std::span<float> stem_values(int stem, std::int64_t first, std::int64_t count) {
    return std::span<float>(values_).subspan(offset(stem, first), static_cast<std::size_t>(count) * values_per_frame());
  }
  std::size_t values_per_frame() const { return static_cast<std::size_t>(kValuesBeforeBands + band_count_); }

 private:
  std::size_t offset(int stem, std::int64_t frame) const {
    return (static_cast<std::size_t>(stem) * static_cast<std::size_t>(frame_count_) + static_cast<std::size_t>(frame)) *
           values_per_frame();
  }

  int stem_count_ = 0;
  std::int64_t frame_count_ = 0;
  int band_count_ = 0;
  std::vector<float> values_;
};

// Where the frames' features come from: a FeatureTrack in memory (FeatureTrackSource), or
// a job's feature file read a block of frames at a time (FeatureFileRows, feature_file.hpp),
// which keeps a render's memory from growing with the song. Safe to read from several
// threads at once.
class FeatureSource {
 public:
  virtual ~FeatureSource() = default;
  virtual int stem_count() const = 0;
  virtual std::int64_t frame_count() const = 0;
  virtual int band_count() const = 0;
  // Frames [first, first + count) of every stem, all within the song, into `block`, which
  // becomes a stem_count() x count track (reusing its memory when the shape is the same).
  // Throws Failure when the frames cannot be read.
  virtual void read(std::int64_t first, std::int64_t count, FeatureTrack& block) const = 0;
};

// A FeatureTrack as a FeatureSource; the track must outlive it.
class FeatureTrackSource final : public FeatureSource {
 public:
  explicit FeatureTrackSource(const FeatureTrack& track) : track_(&track) {}
  int stem_count() const override { return track_->stem_count(); }
  std::int64_t frame_count() const override { return track_->frame_count(); }
  int band_count() const override { return track_->band_count(); }
  void read(std::int64_t first, std::int64_t count, FeatureTrack& block) const override;

 private:
  const FeatureTrack* track_;
};

// Makes `block` a track of `stems` x `frames` with `bands` bands, keeping its memory when it
// already has that shape (its values are then left as they were, to be overwritten).
void reshape(FeatureTrack& block, int stems, std::int64_t frames, int bands);

// Raw per-frame envelopes of one signal, before smoothing and normalization.
struct Envelope {
  std::vector<double> rms;   // linear
  std::vector<double> peak;  // linear, largest |sample|
};

// Accumulates windowed RMS and peak per frame from a mono signal that arrives in blocks of
// any size. Frame f's window is `window` samples centred on sample first_sample(f); the parts
// of a window before the song's start or after its end are left out.
class WindowAccumulator {
 public:
  WindowAccumulator(const Timeline& timeline, std::int64_t window);
  // Adds the next `count` samples of the signal (they follow the previous block).
  void add(const float* mono, std::int64_t count);
  // The envelopes, one value per frame. Call once, after the last block.
  Envelope finish();

 private:
  std::int64_t window_start(std::int64_t frame) const;
  double block_peak(std::int64_t from, std::int64_t to) const;

  Timeline timeline_;
  std::int64_t window_;
  std::int64_t position_ = 0;    // samples added so far
  std::int64_t first_open_ = 0;  // the first frame whose window is not yet complete
  std::vector<double> sum_squares_;
  std::vector<std::int64_t> counts_;
  std::vector<double> peaks_;
  std::vector<double> prefix_;     // scratch: running sum of squares of one block
  std::vector<float> magnitude_;   // scratch: |sample| of one block
  std::vector<float> group_peak_;  // scratch: max |sample| of each group of the block
};

// Spectral features per frame from the FFT (FFTW) of a Hann-windowed stretch of the mono
// signal centred on the frame, fed in blocks of any size like WindowAccumulator.
class SpectrumAccumulator {
 public:
  // `band_count` log-spaced bands (1..kMaxBands) between 40 Hz and 16 kHz (or 0.45 of the
  // sample rate, if lower). With `keep_power`, also records the power in kMaxBands bands
  // (for bleed reduction). Creates an FFTW plan: call from one thread at a time.
  SpectrumAccumulator(const Timeline& timeline, int band_count, bool keep_power = false);
  ~SpectrumAccumulator();
  SpectrumAccumulator(SpectrumAccumulator&&) noexcept;
  SpectrumAccumulator& operator=(SpectrumAccumulator&&) noexcept;

  // Adds the next `count` samples of the signal (they follow the previous block).
  void add(const float* mono, std::int64_t count);

  struct Result {
    std::vector<std::array<float, kMaxBands>> bands;  // per frame, amplitude, unnormalized
    std::vector<float> centroid_hz;                   // per frame
    std::vector<float> flux;                          // per frame, unnormalized
    std::vector<std::array<float, kMaxBands>> power;  // per frame, only with keep_power:
                                                      // power in kMaxBands bands
  };
  // The features, one value per frame. Call once, after the last block.
  Result finish();

  int fft_size() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Onsets picked from an onset-strength curve (0..1 per frame): frames that are the largest
// within +-30 ms, stand `delta` above the mean of the surrounding +-100 ms, exceed
// `threshold`, and come at least 50 ms after the previous onset. Returns, per frame, the
// onset's strength or 0.
std::vector<float> pick_onsets(const std::vector<float>& strength, double fps, float threshold = 0.1f,
                               float delta = 0.07f);

// Per-band power of every stem at every frame: power[stem][frame][band], kMaxBands bands.
using StemBandPower = std::vector<std::vector<std::array<float, kMaxBands>>>;

// Cross-stem bleed reduction (--bleed-reduce). A close microphone also hears the other
// drums some 15 to 30 dB down. For each pair of stems (i, j) and each band, the gain g from
// stem j into stem i is estimated as the 20th percentile of the power ratio P_i / P_j over
// the frames where stem j is loud in that band (within 10 dB of its 99th percentile):
// there stem i mostly hears only j, and the low percentile skips the frames where i's own
// drum sounds too. Stem i's own power at a frame is then what the others do not explain,
// max(0, P_i - sum over j of g P_j) per band. Returns, per stem and frame, that own power's
// share of the stem's power in all bands, 0..1 (1 where the stem is silent). Two stems that
// hear each other within 6 dB (two microphones on one drum) are left alone.
std::vector<std::vector<float>> own_power_fraction(const StemBandPower& power);

// How levels are scaled to 0..1.
struct Normalization {
  enum class Mode {
    peak,        // each stem's loudest frame is 1
    global,      // the loudest frame of any stem is 1: keeps the stems' relative loudness
    percentile,  // each stem's P-th percentile frame is 1 (louder frames clip to 1), so one
                 // huge hit does not flatten the rest of the song
  };
  Mode mode = Mode::peak;
  double percentile = 95.0;        // P for Mode::percentile, 0 < P <= 100
  std::optional<double> floor_db;  // when set (< 0), levels map linearly in dB from this
                                   // far below the reference (0) up to the reference (1)
  double gamma = 1.0;              // level = level^gamma, > 0; above 1 favours loud frames
};

// Parses "peak", "global" or "percentile:P"; throws UsageError naming `what` otherwise.
Normalization::Mode parse_normalization_mode(const std::string& text, double& percentile, const std::string& what);

// The mode as parse_normalization_mode() reads it: "peak", "global" or "percentile:P".
std::string normalization_name(const Normalization& normalization);

struct AnalysisSettings {
  double window_ms = 50.0;   // RMS and peak window in milliseconds, > 0
  double attack_ms = 0.0;    // rise time constant of the level; 0 = follows at once
  double release_ms = 80.0;  // fall time constant of the level; 0 = falls at once
  Normalization normalization;
  int bands = 8;              // spectral bands per stem, 1..kMaxBands
  bool bleed_reduce = false;  // scale every feature to the stem's own power (own_power_fraction)
  int threads = 0;            // OpenMP threads; 0 = all cores
};

// Checks the settings; throws UsageError naming the command-line option at fault.
void validate(const AnalysisSettings& settings);

// Attack/release smoothing of a per-frame envelope: a one-pole follower with separate time
// constants for rising and falling values, run over the whole song from its first frame, so
// a frame's value never depends on where a chunk starts. `frame_seconds` > 0.
std::vector<double> smooth_envelope(const std::vector<double>& envelope, double frame_seconds, double attack_ms,
                                    double release_ms);

// The value that `normalization` maps to level 1 for one stem's smoothed envelope (its
// maximum or percentile); 0 for silence. Mode::global is the caller's maximum over stems.
double normalization_reference(const std::vector<double>& smoothed, const Normalization& normalization);

// Maps a smoothed value to a level in 0..1 against `reference` (0 gives 0).
float to_level(double value, double reference, const Normalization& normalization);

struct Analysis {
  FeatureTrack features;
  float mix_gain = 1.0f;  // soundtrack gain that keeps the stems' sum below full scale
  double mix_peak = 0.0;  // peak of the unscaled sum of the stems, 1.0 = full scale
};

// Streams every stem once (in blocks, OpenMP over stems) and returns per-frame features
// and the soundtrack gain. Peak memory does not grow with song length beyond the features.
// The result is the same for any thread count.
Analysis analyze(const std::vector<StemInfo>& stems, const Timeline& timeline, const AnalysisSettings& settings);

}  // namespace stemviz
