// What the analysis hands to the scene: per-frame features of every stem, and where frames
// read them from. Header-only data, so that the scene and drawing stages read features
// without linking the analysis (and with it the audio stage and libav).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
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

// The source of a display that shows the stems' sum (what the soundtrack plays) rather than
// one stem.
inline constexpr int kMixSource = -2;
// The most columns a trace keeps per frame, and the most bands a display spectrum has.
inline constexpr int kMaxTraceColumns = 256;
inline constexpr int kMinDisplayBands = 4;
inline constexpr int kMaxDisplayBands = 128;

// Per-frame data beyond the features that a waveform or spectrum layer asks the analysis for,
// computed in the same streaming pass and carried by the feature file, so a shard worker
// needs no stems. The scene derives them from its layers (scene/layers.hpp), so the cache
// key and the file change with what the layers ask for.
struct DisplayRequest {
  enum class Kind { trace, spectrum };
  Kind kind = Kind::trace;
  int source = 0;  // a stem's index from 0, or kMixSource
  // trace: each frame's samples (from its first sample to the next frame's) in `columns`
  // equal parts, 1..kMaxTraceColumns, each stored as its smallest and largest sample of the
  // mono downmix (-1..1, full scale; the mix as the soundtrack has it, after its gain).
  int columns = 0;
  // spectrum: `bands` (kMinDisplayBands..kMaxDisplayBands) log-spaced bands from min_hz to
  // max_hz, each the amplitude in that band of a Hann-windowed FFT centred on the frame,
  // 0..1 with 1 the source's loudest band at any frame.
  int bands = 0;
  double min_hz = 0.0, max_hz = 0.0;

  int values_per_frame() const { return kind == Kind::trace ? 2 * columns : bands; }
  bool operator==(const DisplayRequest&) const = default;
};

// A display's values for every frame of the song, frame by frame.
struct DisplayTrack {
  DisplayRequest request;
  std::vector<float> values;  // frame_count x request.values_per_frame()
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
  FeatureTrack(int stem_count, std::int64_t frame_count, int band_count = 0)
      : stem_count_(stem_count),
        frame_count_(frame_count),
        band_count_(band_count),
        values_(static_cast<std::size_t>(stem_count) * static_cast<std::size_t>(frame_count) *
                static_cast<std::size_t>(kValuesBeforeBands + band_count)) {
    // A silent frame, as StemFrameFeatures{} has it.
    for (int stem = 0; stem < stem_count; ++stem) {
      for (std::int64_t frame = 0; frame < frame_count; ++frame) set(stem, frame, {});
    }
  }

  int stem_count() const { return stem_count_; }
  std::int64_t frame_count() const { return frame_count_; }
  int band_count() const { return band_count_; }  // StemFrameFeatures::bands in use
  // `frame` outside the song reads as silence, so a caller never indexes out of range.
  StemFrameFeatures at(int stem, std::int64_t frame) const {
    if (frame < 0 || frame >= frame_count_ || stem < 0 || stem >= stem_count_) return {};
    const float* v = values_.data() + offset(stem, frame);
    StemFrameFeatures f;
    f.level = v[0], f.rms = v[1], f.peak = v[2], f.db = v[3], f.centroid_hz = v[4], f.flux = v[5], f.onset = v[6];
    std::copy(v + kValuesBeforeBands, v + kValuesBeforeBands + band_count_, f.bands.begin());
    return f;
  }
  // Stores stem `stem`'s features at `frame` (both in range); bands past band_count() are
  // not kept.
  void set(int stem, std::int64_t frame, const StemFrameFeatures& f) {
    float* v = values_.data() + offset(stem, frame);
    v[0] = f.level, v[1] = f.rms, v[2] = f.peak, v[3] = f.db, v[4] = f.centroid_hz, v[5] = f.flux, v[6] = f.onset;
    std::copy(f.bands.begin(), f.bands.begin() + band_count_, v + kValuesBeforeBands);
  }
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
  // The whole song's displays (a block read from a FeatureSource has none).
  const std::vector<DisplayTrack>& displays() const { return displays_; }
  std::vector<DisplayTrack>& displays() { return displays_; }

 private:
  std::size_t offset(int stem, std::int64_t frame) const {
    return (static_cast<std::size_t>(stem) * static_cast<std::size_t>(frame_count_) + static_cast<std::size_t>(frame)) *
           values_per_frame();
  }

  int stem_count_ = 0;
  std::int64_t frame_count_ = 0;
  int band_count_ = 0;
  std::vector<float> values_;
  std::vector<DisplayTrack> displays_;
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
  // What the displays hold, in the order read_display() numbers them.
  virtual const std::vector<DisplayRequest>& displays() const = 0;
  // Display `display`'s values of frames [first, first + count), all within the song, into
  // `into` (count x values_per_frame() floats). Throws Failure when they cannot be read.
  virtual void read_display(int display, std::int64_t first, std::int64_t count, float* into) const = 0;
};

// The index of the display holding `request` in `source`, or -1.
inline int find_display(const FeatureSource& source, const DisplayRequest& request) {
  const std::vector<DisplayRequest>& displays = source.displays();
  const auto found = std::find(displays.begin(), displays.end(), request);
  return found == displays.end() ? -1 : static_cast<int>(found - displays.begin());
}

// Display `display`'s values of frames [first, first + count) into `into`, resized to fit;
// frames outside the song read as zeros (silence), so a caller never reads out of range.
inline void read_display_frames(const FeatureSource& source, int display, std::int64_t first, std::int64_t count,
                                std::vector<float>& into) {
  const auto per_frame =
      static_cast<std::size_t>(source.displays()[static_cast<std::size_t>(display)].values_per_frame());
  into.assign(static_cast<std::size_t>(count) * per_frame, 0.0f);
  const std::int64_t from = std::max<std::int64_t>(first, 0);
  const std::int64_t to = std::min(first + count, source.frame_count());
  if (to > from)
    source.read_display(display, from, to - from, into.data() + static_cast<std::size_t>(from - first) * per_frame);
}

// A FeatureTrack as a FeatureSource; the track must outlive it.
class FeatureTrackSource final : public FeatureSource {
 public:
  explicit FeatureTrackSource(const FeatureTrack& track) : track_(&track) {
    for (const DisplayTrack& display : track.displays()) requests_.push_back(display.request);
  }
  int stem_count() const override { return track_->stem_count(); }
  std::int64_t frame_count() const override { return track_->frame_count(); }
  int band_count() const override { return track_->band_count(); }
  void read(std::int64_t first, std::int64_t count, FeatureTrack& block) const override;
  const std::vector<DisplayRequest>& displays() const override { return requests_; }
  void read_display(int display, std::int64_t first, std::int64_t count, float* into) const override {
    const DisplayTrack& from = track_->displays()[static_cast<std::size_t>(display)];
    const auto per_frame = static_cast<std::size_t>(from.request.values_per_frame());
    std::copy_n(from.values.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(first) * per_frame),
                static_cast<std::size_t>(count) * per_frame, into);
  }

 private:
  const FeatureTrack* track_;
  std::vector<DisplayRequest> requests_;
};

// Makes `block` a track of `stems` x `frames` with `bands` bands, keeping its memory when it
// already has that shape (its values are then left as they were, to be overwritten).
inline void reshape(FeatureTrack& block, int stems, std::int64_t frames, int bands) {
  if (block.stem_count() != stems || block.frame_count() != frames || block.band_count() != bands) {
    block = FeatureTrack(stems, frames, bands);
  }
}

inline void FeatureTrackSource::read(std::int64_t first, std::int64_t count, FeatureTrack& block) const {
  reshape(block, track_->stem_count(), count, track_->band_count());
  for (int stem = 0; stem < track_->stem_count(); ++stem) {
    const std::span<const float> from = track_->stem_values(stem, first, count);
    std::copy(from.begin(), from.end(), block.stem_values(stem, 0, count).begin());
  }
}

}  // namespace stemviz
