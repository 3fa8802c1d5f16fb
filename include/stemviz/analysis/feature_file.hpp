// Part of the analysis stage: features saved in a versioned binary file with a content
// hash, so they can travel instead of the stems (to the machines of a sharded render) and
// be cached beside a job, so a repeated render or analysis skips unchanged stems.
//
// Layout (little-endian):
//   16 bytes  "stemviz features"
//   u32       format version (kFeatureFormatVersion)
//   32 bytes  SHA-256 of everything after it (the content hash)
//   u64       length of the metadata, then the metadata: UTF-8 JSON with the timeline,
//             the settings, the soundtrack gain and peak, and the stems (name, file,
//             SHA-256 of the file, channels, sample rate, samples)
//   float32   stem by stem, frame by frame: level, rms, peak, db, centroid_hz, flux, onset,
//             then band_count bands (see StemFrameFeatures)
//   float32   display by display (the settings' `displays`), frame by frame: its
//             values_per_frame() values (DisplayRequest)
#pragma once

#include <stemviz/analysis/analysis.hpp>
#include <stemviz/audio/stems.hpp>
#include <stemviz/util/timeline.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace stemviz {

// 2: displays for waveform and spectrum layers.
inline constexpr std::uint32_t kFeatureFormatVersion = 2;

struct FeatureFileStem {
  std::string name;    // label, the file name without extension
  std::string file;    // file name
  std::string sha256;  // of the file's bytes, as sha256sum prints it
  int channels = 0;
  int sample_rate = 0;       // Hz
  std::int64_t samples = 0;  // per channel
};

struct FeatureFile {
  std::vector<FeatureFileStem> stems;
  Timeline timeline;          // the song's: soundtrack rate and length
  AnalysisSettings settings;  // as analysed (threads is not stored)
  Analysis analysis;
};

// A whole-number entry of stemviz's JSON (feature file metadata, job manifests), checked:
// a fraction, text, or a number beyond the type throws nlohmann::json::type_error, where
// get<int>() would convert 1e45 with undefined behaviour.
int json_int(const nlohmann::json& json);
int json_int(const nlohmann::ordered_json& json);
std::int64_t json_int64(const nlohmann::json& json);
std::int64_t json_int64(const nlohmann::ordered_json& json);

// The settings as the feature file's metadata (and a job's manifest) records them.
nlohmann::json analysis_settings_json(const AnalysisSettings& settings);
// Reads them back; throws nlohmann::json::exception for a missing or mistyped entry.
AnalysisSettings analysis_settings_from_json(const nlohmann::json& json);

// The stems as the feature file's metadata (and a job's manifest) records them, and back;
// reading throws nlohmann::json::exception for a missing or mistyped entry.
nlohmann::json stems_json(const std::vector<FeatureFileStem>& stems);
std::vector<FeatureFileStem> stems_from_json(const nlohmann::json& list);

// The stems' entries for a feature file. With `hash`, each file is hashed (OpenMP over
// stems, `threads` as for the analysis); without, sha256 stays empty.
std::vector<FeatureFileStem> describe_stems(const std::vector<StemInfo>& stems, bool hash, int threads);

// Writes `file` to `out`; returns its content hash (64 hex digits).
std::string write_feature_file(std::ostream& out, const FeatureFile& file);

// Reads and checks a feature file. Throws InputError naming `path` when it is not a feature
// file, is truncated or its content hash does not match (damaged), and JobMismatch when it
// has another format version. Sets `content_hash` when given.
FeatureFile read_feature_file(const std::filesystem::path& path, std::string* content_hash = nullptr);

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

// A feature file whose values stay on disk, read a block of frames at a time: what a render
// uses, so that its memory does not grow with the song's length.
class FeatureFileRows final : public FeatureSource {
 public:
  // Opens and checks `path` as read_feature_file does (reading it through once, in pieces,
  // for the content hash) and sets `metadata` to everything but the values: its
  // analysis.features stays empty. Sets `content_hash` when given.
  FeatureFileRows(const std::filesystem::path& path, FeatureFile& metadata, std::string* content_hash = nullptr);

  int stem_count() const override { return stems_; }
  std::int64_t frame_count() const override { return frames_; }
  int band_count() const override { return bands_; }
  // One read per stem. Throws Failure naming the file when it has changed (size or
  // modification time) or become unreadable since it was checked.
  void read(std::int64_t first, std::int64_t count, FeatureTrack& block) const override;
  const std::vector<DisplayRequest>& displays() const override { return displays_; }
  // One read; throws as read() does.
  void read_display(int display, std::int64_t first, std::int64_t count, float* into) const override;

 private:
  // Throws Failure when the file has changed since it was checked.
  void check_unchanged() const;

  std::filesystem::path path_;
  std::unique_ptr<std::FILE, FileCloser> file_;  // read with pread, so threads may share it
  std::uint64_t values_start_ = 0;               // byte offset of the first value
  std::int64_t checked_size_ = 0;                // bytes, and
  timespec checked_time_{};                      // modification time, when the hash was checked
  int stems_ = 0;
  std::int64_t frames_ = 0;
  int bands_ = 0;
  std::vector<DisplayRequest> displays_;
  std::vector<std::uint64_t> display_starts_;  // byte offset of each display's first value
};

// Feature files kept in a folder under a key over everything the features depend on: this
// stemviz binary, each stem's absolute path, size and modification time, the timeline and
// the analysis settings. A changed stem or setting is a miss; so is a damaged entry,
// which is removed. The folder keeps the kCacheEntries most recently used entries.
class FeatureCache {
 public:
  static constexpr int kCacheEntries = 8;

  explicit FeatureCache(std::filesystem::path folder) : folder_(std::move(folder)) {}

  static std::string key(const std::vector<StemInfo>& stems, const Timeline& timeline,
                         const AnalysisSettings& settings);
  std::optional<FeatureFile> load(const std::string& key) const;
  // Saves `file` under `key`; returns an empty string, or why it could not (the render goes
  // on without the cache).
  std::string store(const std::string& key, const FeatureFile& file) const;
  const std::filesystem::path& folder() const { return folder_; }

 private:
  std::filesystem::path entry(const std::string& key) const;
  std::filesystem::path folder_;
};

}  // namespace stemviz
