// Audio stage: finds the stems in a folder, checks that they can be rendered together,
// and streams their samples in blocks (libsndfile). Nothing here holds a whole song.
#pragma once

#include <stemviz/util/child_process.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

struct sf_private_tag;

namespace stemviz {

struct StemInfo {
  std::filesystem::path path;
  std::string name;  // file name without extension, used in messages and labels
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
// path that does not exist or is neither a folder nor a regular file (a pipe, a device).
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

// Opens every stem's header. Under LengthPolicy::exact, the stems' durations must agree
// within `tolerance` seconds (one video frame: less is invisible, and the shorter stems end
// in silence); otherwise throws InputError listing each stem's duration and the fixes.
// Stems may have different sample rates.
std::vector<StemInfo> probe_stems(const std::vector<std::filesystem::path>& paths,
                                  LengthPolicy lengths = LengthPolicy::exact, double tolerance = 0.0);

// The soundtrack's sample rate: the highest stem rate, raised to the next standard rate
// (8 kHz to 96 kHz) and at most 96 kHz, the most AAC carries. Stems at other rates are
// resampled into the mix; each stem is analysed at its own rate.
int mix_rate(const std::vector<StemInfo>& stems);

// The song's length in samples at `rate` under `lengths`: the longest stem's (exact, pad)
// or the shortest stem's (trim) duration.
std::int64_t song_samples(const std::vector<StemInfo>& stems, LengthPolicy lengths, int rate);

// The variables that start this program as the child that opens one file's header (its
// path) for the process that asked (its PID), and then exits; see open_sndfile.
inline constexpr const char* kHeaderCheckVariable = "STEMVIZ_INTERNAL_OPEN_HEADER";
inline constexpr const char* kHeaderCheckParentVariable = "STEMVIZ_INTERNAL_OPEN_HEADER_PARENT";

// How long libsndfile may take to open a stem's header. Opening takes milliseconds, a
// 20-minute MP3 without a seek table included.
inline constexpr std::chrono::milliseconds kHeaderTimeLimit{10000};

// Throws unless `outcome`, of opening `path` with libsndfile under `limit`, says it
// returned (or was not tried): InputError when libsndfile crashed or looped, Failure
// (worth retrying) when it was waiting.
void refuse_unless_returned(const std::filesystem::path& path, ChildOutcome outcome, std::chrono::milliseconds limit);

struct SndfileCloser {
  void operator()(sf_private_tag* file) const;
};
using SndfilePtr = std::unique_ptr<sf_private_tag, SndfileCloser>;

// Sample rates and channel counts a stem may have: 1 kHz to 768 kHz (below, the analysis
// windows hold too few samples; above is no audio format's rate), 1 to 1024 channels.
inline constexpr int kLowestStemRate = 1000;
inline constexpr int kHighestStemRate = 768000;
inline constexpr int kMostStemChannels = 1024;

// The stem whose header, opened from `path`, says `channels`, `rate` (Hz) and `samples`
// (per channel). Throws InputError naming `path` when it holds no samples or a rate or
// channel count outside the limits above.
StemInfo describe_stem(const std::filesystem::path& path, int channels, int rate, std::int64_t samples);

// Reads one stem as float samples in blocks, converted to mono or to stereo on the fly.
class StemReader {
 public:
  explicit StemReader(const StemInfo& stem);
  // Reads `file`, already opened (from memory, say, through libsndfile's virtual I/O);
  // `stem` is what describe_stem said of its header.
  StemReader(const StemInfo& stem, SndfilePtr file);

  // Seeks to sample `position` (per channel).
  void seek(std::int64_t position);
  // Reads up to `count` samples as a mono downmix (mean of channels) into `mono`.
  // Returns the number read; fewer than `count` only at the end of the file.
  std::int64_t read_mono(float* mono, std::int64_t count);
  // Reads up to `count` stereo sample pairs into `left_right` (interleaved): mono stems go
  // to both sides, stereo stems keep their sides, and wider layouts (5.1, ...) are
  // downmixed with libswresample's standard matrix for their default channel order.
  std::int64_t read_stereo(float* left_right, std::int64_t count);
  int sample_rate() const { return stem_->sample_rate; }
  // The next sample to be read (per channel).
  std::int64_t position() const { return position_; }

 private:
  std::int64_t read_interleaved(std::int64_t count);

  const StemInfo* stem_;
  SndfilePtr file_;
  std::int64_t position_ = 0;
  std::vector<float> interleaved_;
  std::vector<float> downmix_;  // for more than 2 channels: left gains, then right gains
};

// Sums the stems into the soundtrack: stereo at one sample rate. Each stem's samples arrive
// in blocks at its own rate, pass through libswresample where that differs from the mix's,
// and wait in a queue until every stem has supplied the same stretch of the mix.
class MixBus {
 public:
  MixBus(const std::vector<StemInfo>& stems, int rate);
  ~MixBus();
  MixBus(MixBus&&) noexcept;

  // Adds the next `count` stereo pairs (interleaved) of stem `stem` at the stem's own rate.
  // Calls for different stems may run at the same time.
  void add(int stem, const float* left_right, std::int64_t count);
  // Declares that stem `stem` has no more samples: its resampler's tail comes out, and
  // from here on it contributes silence.
  void end(int stem);
  bool ended(int stem) const;
  // Stereo pairs that stem `stem` has supplied and that have not been taken yet.
  std::int64_t queued(int stem) const;
  // Stereo pairs of the mix that are complete: supplied by every stem that has not ended.
  std::int64_t ready() const;
  // Writes the sum of the next `count` (at most ready()) pairs to `left_right`, in stem
  // order (so the same for any thread count), and drops them from the queues.
  void take(float* left_right, std::int64_t count);
  // Empties the queues and resamplers, as after a seek.
  void reset();
  int rate() const { return rate_; }

 private:
  struct Input;  // a stem's resampler and queue (libswresample stays out of this header)
  // Resamples `count` pairs (none and null to flush) into the input's queue; returns the
  // pairs made.
  int push_resampled(Input& input, const float* left_right, std::int64_t count);

  int rate_;
  std::vector<Input> inputs_;
};

// Streams the soundtrack at `rate`: the sum of all stems, as interleaved stereo, times a gain.
class MixReader {
 public:
  MixReader(const std::vector<StemInfo>& stems, float gain, int rate);
  // Seeks to sample `position` of the mix (at the mix's rate).
  void seek(std::int64_t position);
  // Reads up to `count` stereo pairs of the mix into `left_right`; returns the number read.
  std::int64_t read(float* left_right, std::int64_t count);

 private:
  std::vector<StemReader> readers_;
  MixBus bus_;
  std::vector<float> block_;
  float gain_;
};

}  // namespace stemviz
