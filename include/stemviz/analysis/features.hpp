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
