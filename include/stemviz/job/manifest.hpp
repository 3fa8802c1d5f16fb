// The plan on disk: the manifest of a job folder (manifest.json). It holds every setting
// a worker needs to render its chunks byte for byte as any other machine would: the
// software versions that decide the bytes, the resolved scene and shader texts, the video
// settings, the content hashes of the stems and features, the chunks' frame ranges and
// which shard renders each chunk. Its own SHA-256 (over everything but the "hash" entry)
// names the job: segments record it, so a segment of another job is never joined.
#pragma once

#include <stemviz/analysis/feature_file.hpp>
#include <stemviz/job/plan.hpp>
#include <stemviz/media/codecs.hpp>
#include <stemviz/scene/scene_file.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stemviz {

// Raised when the manifest's layout changes in a way older readers would misread.
inline constexpr int kManifestVersion = 1;

// The libraries whose versions change the bytes of a segment or a frame.
struct SoftwareVersions {
  std::string stemviz, ffmpeg, libavcodec, libavformat, x264, cairo, pango, libyuv;

  static SoftwareVersions of_this_binary();
  // "libavcodec 59.37.100 (this binary: 60.3.100)" for each library that differs from `here`.
  std::vector<std::string> differences_from(const SoftwareVersions& here) const;
  friend bool operator==(const SoftwareVersions&, const SoftwareVersions&) = default;
};

// The soundtrack of a job's output.
struct AudioOutput {
  AudioCodec codec = AudioCodec::aac;  // none: a video without sound
  std::int64_t bit_rate = 192'000;     // bits per second, for aac and opus
  std::string source = "stems";        // "stems" (their mix), or the file given with --audio
  int sample_rate = 0;                 // of the soundtrack master
  std::int64_t samples = 0;            // per channel, for the job's frames
};

// A file the scene names (an image layer's picture), copied into the job's assets/ folder
// under its content hash, so that a moved job folder renders anywhere.
struct SceneAssetFile {
  std::string name;              // as the scene gives it ("cover.png", "{cover}")
  std::string file;              // in assets/: "SHA256.EXT"
  std::string sha256;            // of its bytes
  std::int64_t bytes = 0;        // its size
  std::filesystem::path source;  // where plan found it; not in the manifest
  std::string_view bundled;      // or its bytes, for a bundled scene's own file; not in the manifest
};

struct Manifest {
  SoftwareVersions software;
  std::vector<FeatureFileStem> stems;  // with their SHA-256; workers never read the stems
  AnalysisSettings analysis;           // as the feature file was made (for people reading)
  std::string features_file = "features.svf";
  std::string features_hash;                        // content hash of the feature file
  std::string soundtrack_file = "soundtrack.flac";  // the mix (write_soundtrack_master)
  VideoSettings video;
  std::optional<VideoSettings> layers;  // one video per stem in these settings, or none
  AudioOutput audio;
  std::string title;                   // written into the output's metadata; the scene's {title}
  std::string artist;                  // the scene's {artist}
  SceneDescription scene;              // name, file and text are stored; the rest is parsed
  std::vector<SceneAssetFile> assets;  // the files the scene names, by name
  Plan plan;
  int shards = 1;                   // >= 1
  std::vector<int> shard_of_chunk;  // per chunk of `plan`, 0 .. shards - 1
  std::string hash;                 // set by manifest_text() and read_manifest()

  // The chunks shard `shard` renders, in order.
  std::vector<Chunk> chunks_of_shard(int shard) const;
  // The stems' names, in stem order, as a Scene takes them.
  std::vector<std::string> stem_names() const;
};

// Spreads `chunks` over `shards` shards (1 <= shards <= chunks.size()) in contiguous runs of
// about the same number of frames, so each machine encodes neighbouring chunks, none is
// empty, and the short chunks at the end do not leave the last shard with less work.
// Returns the shard of each chunk.
std::vector<int> assign_shards(const std::vector<Chunk>& chunks, int shards);

// The manifest as pretty-printed JSON; sets `manifest.hash` to the hash it carries.
std::string manifest_text(Manifest& manifest);

// Writes `manifest` to `path` under a temporary name, renamed when complete.
void write_manifest(const std::filesystem::path& path, Manifest& manifest);

// Reads and checks a manifest: InputError naming the file when it is missing, not JSON,
// truncated, lacks an entry or names a file outside its folder; JobMismatch when it has
// another format version or its content does not match its hash.
Manifest read_manifest(const std::filesystem::path& path);
// The same checks on manifest `text`; `path` names it in messages.
Manifest parse_manifest(std::string_view text, const std::filesystem::path& path);

// Throws JobMismatch listing each library whose version differs from this binary's: such a
// binary would encode other bytes than the machines that rendered the other shards.
void check_runs_here(const Manifest& manifest, const std::filesystem::path& path);

}  // namespace stemviz
