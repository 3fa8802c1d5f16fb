// Audio stage: finds the stems in a folder, checks that they can be rendered together,
// and streams their samples in blocks (libsndfile). Nothing here holds a whole song.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

struct sf_private_tag;

namespace stemviz {

struct StemInfo {
  std::filesystem::path path;
  std::string name;          // file name without extension, used in messages and labels
  int channels = 0;
  int sample_rate = 0;       // Hz
  std::int64_t samples = 0;  // per channel
};

// The audio files of `folder` in natural name order ("kick2" before "kick10"). Files that
// are hidden or not audio by extension are left out and their names added to `skipped`.
// Throws InputError when the folder does not exist or holds no audio.
std::vector<std::filesystem::path> find_stems(const std::filesystem::path& folder,
                                              std::vector<std::string>* skipped = nullptr);

// The stems named on a command line: a folder stands for its audio files (find_stems), a
// file for itself whatever its extension, in the order given. Throws InputError for a
// path that does not exist.
std::vector<std::filesystem::path> collect_stems(const std::vector<std::filesystem::path>& inputs,
                                                 std::vector<std::string>* skipped = nullptr);

// True for the extensions stemviz reads as stems (wav, aiff, flac, ogg, ...).
bool is_audio_file(const std::filesystem::path& path);

// Natural ordering: digit runs compare by value, the rest case-insensitively.
bool natural_less(const std::string& a, const std::string& b);

// What to do when stems differ in length.
enum class LengthPolicy {
  exact,  // refuse: the error lists every stem's duration
  pad,    // the song is as long as the longest stem; shorter ones continue as silence
  trim,   // the song is as long as the shortest stem
};

// Opens every stem's header and checks that all share one sample rate and, under
// LengthPolicy::exact, one length. Throws InputError naming the file(s) and listing each
// stem's duration when they differ.
std::vector<StemInfo> probe_stems(const std::vector<std::filesystem::path>& paths,
                                  LengthPolicy lengths = LengthPolicy::exact);

// The song's length in samples under `lengths`: the common, longest or shortest length.
std::int64_t song_samples(const std::vector<StemInfo>& stems, LengthPolicy lengths);

struct SndfileCloser {
  void operator()(sf_private_tag* file) const;
};
using SndfilePtr = std::unique_ptr<sf_private_tag, SndfileCloser>;

// Reads one stem as float samples in blocks, converted to mono or to stereo on the fly.
class StemReader {
 public:
  explicit StemReader(const StemInfo& stem);

  // Seeks to sample `position` (per channel).
  void seek(std::int64_t position);
  // Reads up to `count` samples as a mono downmix (mean of channels) into `mono`.
  // Returns the number read; fewer than `count` only at the end of the file.
  std::int64_t read_mono(float* mono, std::int64_t count);
  // Reads up to `count` stereo sample pairs into `left_right` (interleaved): mono stems go
  // to both sides, stereo stems keep their sides, and wider layouts (5.1, ...) are
  // downmixed with libswresample's standard matrix for their default channel order.
  std::int64_t read_stereo(float* left_right, std::int64_t count);

 private:
  std::int64_t read_interleaved(std::int64_t count);

  const StemInfo* stem_;
  SndfilePtr file_;
  std::vector<float> interleaved_;
  std::vector<float> downmix_;  // for more than 2 channels: left gains, then right gains
};

// Streams the soundtrack: the sum of all stems, as interleaved stereo, times a gain.
class MixReader {
 public:
  MixReader(const std::vector<StemInfo>& stems, float gain);
  void seek(std::int64_t position);
  // Reads up to `count` stereo pairs of the mix into `left_right`; returns the number read.
  std::int64_t read(float* left_right, std::int64_t count);

 private:
  std::vector<StemReader> readers_;
  std::vector<float> block_;
  float gain_;
};

}  // namespace stemviz
