#include <stemviz/audio/stems.hpp>

#include <stemviz/media/libav.hpp>
#include <stemviz/util/child_process.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>
#include <stemviz/util/timeline.hpp>

#include <fmt/format.h>
#include <sndfile.h>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace stemviz {

namespace fs = std::filesystem;

void SndfileCloser::operator()(sf_private_tag* file) const { sf_close(file); }

bool is_audio_file(const fs::path& path) {
  static constexpr std::array extensions = {".wav",  ".wave", ".aif", ".aiff", ".aifc", ".flac", ".ogg", ".oga",
                                            ".opus", ".mp3",  ".w64", ".caf",  ".rf64", ".au",   ".snd"};
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(extensions.begin(), extensions.end(), ext) != extensions.end();
}

bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const auto ca = static_cast<unsigned char>(a[i]);
    const auto cb = static_cast<unsigned char>(b[j]);
    if (std::isdigit(ca) && std::isdigit(cb)) {
      // Compare digit runs by value: skip leading zeros, then longer run is larger.
      std::size_t ei = i, ej = j;
      while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
      while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
      std::size_t si = i, sj = j;
      while (si + 1 < ei && a[si] == '0') ++si;
      while (sj + 1 < ej && b[sj] == '0') ++sj;
      if (ei - si != ej - sj) return ei - si < ej - sj;
      const int order = a.compare(si, ei - si, b, sj, ej - sj);
      if (order != 0) return order < 0;
      i = ei;
      j = ej;
      continue;
    }
    const int la = std::tolower(ca), lb = std::tolower(cb);
    if (la != lb) return la < lb;
    ++i;
    ++j;
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;  // a total order even for names equal up to case
}

std::vector<fs::path> find_stems(const fs::path& folder, std::vector<std::string>* skipped) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw InputError(
        fmt::format("{}: not a folder of stems; give the folder that holds the "
                    "audio files",
                    folder.string()));
  }
  std::vector<fs::path> stems;
  std::vector<std::string> others;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const auto name = entry.path().filename().string();
    if (entry.is_directory(error)) continue;
    if (!name.empty() && name[0] != '.' && entry.is_regular_file(error) && is_audio_file(entry.path())) {
      stems.push_back(entry.path());
    } else {
      others.push_back(name);
    }
  }
  if (error) throw InputError(fmt::format("{}: cannot list the folder: {}", folder.string(), error.message()));
  if (stems.empty()) {
    throw InputError(
        fmt::format("{}: no audio files found; put the stems (WAV, AIFF, FLAC, OGG, "
                    "...) in this folder",
                    folder.string()));
  }
  std::sort(stems.begin(), stems.end(), [](const fs::path& a, const fs::path& b) {
    return natural_less(a.filename().string(), b.filename().string());
  });
  if (skipped != nullptr) {
    std::sort(others.begin(), others.end(), natural_less);
    skipped->insert(skipped->end(), others.begin(), others.end());
  }
  return stems;
}

std::vector<fs::path> collect_stems(const std::vector<fs::path>& inputs, std::vector<std::string>* skipped) {
  std::vector<fs::path> stems;
  for (const fs::path& input : inputs) {
    std::error_code error;
    if (fs::is_directory(input, error)) {
      const auto found = find_stems(input, skipped);
      stems.insert(stems.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(input, error)) {
      stems.push_back(input);
    } else if (fs::exists(input, error)) {
      // A pipe would block stemviz until something writes to it, and could not be read
      // twice (the header first, the samples later) anyway.
      throw InputError(
          fmt::format("{}: not a regular file (a pipe or a device); save the stem to a "
                      "file and give that",
                      input.string()));
    } else {
      throw InputError(
          fmt::format("{}: no such file or folder; give a folder of stems or the "
                      "stem files",
                      input.string()));
    }
  }
  if (stems.empty()) throw InputError("no stems given; give a folder of stems or the stem files");
  return stems;
}

void refuse_unless_returned(const fs::path& path, ChildOutcome outcome, std::chrono::milliseconds limit) {
  const auto seconds = std::chrono::duration<double>(limit).count();
  switch (outcome) {
    case ChildOutcome::returned:
    case ChildOutcome::unchecked: return;
    case ChildOutcome::crashed:
      throw InputError(
          fmt::format("{}: damaged audio: libsndfile crashed reading its header; export "
                      "the stem again",
                      path.string()));
    case ChildOutcome::busy:
      throw InputError(
          fmt::format("{}: damaged audio: libsndfile was still reading its header after "
                      "{:g} s, caught in a loop; export the stem again",
                      path.string(), seconds));
    case ChildOutcome::waiting:
      throw Failure(
          fmt::format("{}: reading its header took longer than {:g} s (a stalled disk or "
                      "network share?); try again",
                      path.string(), seconds));
  }
}

namespace {

// The child side of open_sndfile's check. A program started with kHeaderCheckVariable set
// opens that one file's header and exits, before its main or anything else of it runs: a
// constructor, so that every program that opens stems (stemviz, the tests) answers
// without its main knowing.
__attribute__((constructor)) void open_header_if_asked() {
  const char* path = std::getenv(kHeaderCheckVariable);
  const char* parent = std::getenv(kHeaderCheckParentVariable);
  if (path == nullptr) return;
  // Never outlive the process that asked: a child caught in a loop would spin on after a
  // SIGKILL. If that process already ended, there is nobody to answer.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (parent == nullptr || std::to_string(getppid()) != parent) _exit(0);
  SF_INFO ignored{};
  sf_close(sf_open(path, SFM_READ, &ignored));
  _exit(0);
}

// The files libsndfile has finished opening in this process, as they were then (size and
// change time): opening them again cannot hang.
class OpenedFiles {
 public:
  bool contains(const fs::path& path) {
    const auto now = stamp(path);
    const std::lock_guard lock(mutex_);
    const auto found = stamps_.find(path.string());
    return now && found != stamps_.end() && found->second == *now;
  }
  void add(const fs::path& path) {
    const auto now = stamp(path);
    const std::lock_guard lock(mutex_);
    if (now) stamps_[path.string()] = *now;
  }

 private:
  using Stamp = std::pair<std::uintmax_t, fs::file_time_type>;
  static std::optional<Stamp> stamp(const fs::path& path) {
    std::error_code error;
    Stamp now{fs::file_size(path, error), {}};
    if (!error) now.second = fs::last_write_time(path, error);
    if (error) return std::nullopt;
    return now;
  }

  std::mutex mutex_;
  std::map<std::string, Stamp> stamps_;
};

OpenedFiles& opened_files() {
  static OpenedFiles files;
  return files;
}

// libsndfile 1.2's header parsers can loop for good on damaged files (upstream issue #1118
// and others): the first open of each file runs in a child process first, which is this
// program again, told by kHeaderCheckVariable to open the file and exit (see
// open_header_if_asked above). A child costs about 20 ms, mostly loading the program.
void check_header(const fs::path& path) {
  if (opened_files().contains(path)) return;
  const ChildOutcome outcome = run_watched({own_program()},
                                           {fmt::format("{}={}", kHeaderCheckVariable, path.string()),
                                            fmt::format("{}={}", kHeaderCheckParentVariable, getpid())},
                                           kHeaderTimeLimit);
  refuse_unless_returned(path, outcome, kHeaderTimeLimit);
  opened_files().add(path);
}

// check_header() for every path, a few at once so that 32 stems do not wait for 32 child
// processes in a row; throws what the first refused path in `paths`' order throws.
void check_headers(const std::vector<fs::path>& paths) {
  std::vector<std::exception_ptr> errors(paths.size());
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i = next++; i < paths.size(); i = next++) {
      try {
        check_header(paths[i]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  const std::size_t at_once = std::min<std::size_t>(paths.size(), std::max(1u, std::thread::hardware_concurrency()));
  const std::size_t helpers = at_once > 0 ? at_once - 1 : 0;
  std::vector<std::jthread> threads;
  for (std::size_t i = 0; i < helpers; ++i) threads.emplace_back(work);
  work();
  threads.clear();
  for (const auto& error : errors)
    if (error) std::rethrow_exception(error);
}

SndfilePtr open_sndfile(const fs::path& path, SF_INFO& info) {
  check_header(path);
  info = {};
  SndfilePtr file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) {
    throw InputError(
        fmt::format("{}: cannot read audio: {}; convert it to WAV or FLAC, or move "
                    "it out of the stems folder",
                    path.string(), sf_strerror(nullptr)));
  }
  return file;
}

std::string format_duration(std::int64_t samples, int rate) {
  return fmt::format("{:.3f} s ({} samples at {} Hz)", static_cast<double>(samples) / rate, samples, rate);
}

}  // namespace

StemInfo describe_stem(const fs::path& path, int channels, int rate, std::int64_t samples) {
  // The name becomes a file name (stitch --layers) and is printed.
  if (const std::string problem = stem_name_problem(path.stem().string()); !problem.empty()) {
    throw InputError(fmt::format("{}: its name {}; rename the file", escaped(path.string()), problem));
  }
  if (samples <= 0) {
    throw InputError(
        fmt::format("{}: the file holds no samples; remove it from the stems "
                    "folder",
                    path.string()));
  }
  if (rate < kLowestStemRate || rate > kHighestStemRate) {
    throw InputError(
        fmt::format("{}: a sample rate of {} Hz; stemviz reads stems at {} Hz to {} Hz, "
                    "resample it (44100 or 48000 Hz)",
                    path.string(), rate, kLowestStemRate, kHighestStemRate));
  }
  if (channels < 1 || channels > kMostStemChannels) {
    throw InputError(
        fmt::format("{}: {} channels; stemviz reads stems of 1 to {} channels, export "
                    "it as mono or stereo",
                    path.string(), channels, kMostStemChannels));
  }
  return {path, path.stem().string(), channels, rate, samples};
}

std::vector<StemInfo> probe_stems(const std::vector<fs::path>& paths, LengthPolicy lengths, double tolerance) {
  check_headers(paths);
  std::vector<StemInfo> stems;
  for (const auto& path : paths) {
    SF_INFO info;
    open_sndfile(path, info);
    stems.push_back(describe_stem(path, info.channels, info.samplerate, info.frames));
  }
  if (lengths != LengthPolicy::exact) return stems;
  const auto seconds = [](const StemInfo& s) { return static_cast<double>(s.samples) / s.sample_rate; };
  const auto [shortest, longest] = std::minmax_element(
      stems.begin(), stems.end(), [&](const StemInfo& a, const StemInfo& b) { return seconds(a) < seconds(b); });
  // Equal sample counts at equal rates always pass, whatever rounding does to the seconds.
  const bool same = shortest->samples == longest->samples && shortest->sample_rate == longest->sample_rate;
  if (!same && seconds(*longest) - seconds(*shortest) > tolerance) {
    std::string listing;
    for (const auto& s : stems) {
      listing += fmt::format("; {}: {}", s.path.filename().string(), format_duration(s.samples, s.sample_rate));
    }
    throw InputError(
        fmt::format("{}: stems differ in length; export them with the same start and end, or pass --pad "
                    "(extend shorter stems with silence) or --trim (cut all to the shortest){}",
                    stems.front().path.parent_path().string(), listing));
  }
  return stems;
}

int mix_rate(const std::vector<StemInfo>& stems) {
  static constexpr std::array kStandardRates = {8000,  11025, 12000, 16000, 22050, 24000,
                                                32000, 44100, 48000, 64000, 88200, 96000};
  int highest = 0;
  for (const auto& stem : stems) highest = std::max(highest, stem.sample_rate);
  for (const int rate : kStandardRates) {
    if (rate >= highest) return rate;
  }
  return kStandardRates.back();
}

std::int64_t song_samples(const std::vector<StemInfo>& stems, LengthPolicy lengths, int rate) {
  std::int64_t result = lengths == LengthPolicy::trim ? INT64_MAX : 0;
  for (const auto& stem : stems) {
    if (lengths == LengthPolicy::trim) {
      result = std::min(result, mul_div_floor(stem.samples, rate, stem.sample_rate));
    } else {
      result = std::max(result, mul_div_ceil(stem.samples, rate, stem.sample_rate));
    }
  }
  return result;
}

namespace {

// Gains from each of `channels` input channels to left and right (left ones first).
std::vector<float> stereo_downmix(int channels) {
  AVChannelLayout in{}, out{};
  av_channel_layout_default(&in, channels);
  av_channel_layout_default(&out, 2);
  // swr_build_matrix2 scales the whole SWR_CH_MAX x SWR_CH_MAX (64 x 64) matrix at `stride`
  // in place, whatever the channel counts: a matrix of 2 x `channels` would be read and
  // written far past its end (found by fuzzing the audio loader under AddressSanitizer).
  constexpr int kSwrMostChannels = 64;
  std::vector<double> matrix(static_cast<std::size_t>(channels * kSwrMostChannels + kSwrMostChannels));
  // No normalization (maxval INT_MAX): the soundtrack's gain already keeps the whole mix
  // from clipping, and normalizing here would make a surround stem quieter than the others.
  const int result = swr_build_matrix2(&in, &out, M_SQRT1_2, M_SQRT1_2, 0.0, INT_MAX, 1.0, matrix.data(), channels,
                                       AV_MATRIX_ENCODING_NONE, nullptr);
  av_channel_layout_uninit(&in);
  av_channel_layout_uninit(&out);
  std::vector<float> gains(static_cast<std::size_t>(2 * channels));
  if (result < 0) {
    // A channel count without a standard layout: every channel to both sides, equally.
    std::fill(gains.begin(), gains.end(), 1.0f / static_cast<float>(channels));
    return gains;
  }
  std::transform(matrix.begin(), matrix.begin() + static_cast<std::ptrdiff_t>(gains.size()), gains.begin(),
                 [](double g) { return static_cast<float>(g); });
  return gains;
}

}  // namespace

StemReader::StemReader(const StemInfo& stem, SndfilePtr file) : stem_(&stem), file_(std::move(file)) {
  if (stem.channels > 2) downmix_ = stereo_downmix(stem.channels);
}

StemReader::StemReader(const StemInfo& stem) : StemReader(stem, SndfilePtr()) {
  SF_INFO info;
  file_ = open_sndfile(stem.path, info);
}

void StemReader::seek(std::int64_t position) {
  if (sf_seek(file_.get(), position, SEEK_SET) < 0) {
    throw Failure(
        fmt::format("{}: cannot seek to sample {}: {}", stem_->path.string(), position, sf_strerror(file_.get())));
  }
  position_ = position;
}

std::int64_t StemReader::read_interleaved(std::int64_t count) {
  interleaved_.resize(static_cast<std::size_t>(count * stem_->channels));
  const sf_count_t got = sf_readf_float(file_.get(), interleaved_.data(), count);
  if (got < 0 || sf_error(file_.get()) != SF_ERR_NO_ERROR) {
    // A failing disk or network share is worth another try; undecodable audio is not.
    if (sf_error(file_.get()) == SF_ERR_SYSTEM) {
      throw Failure(fmt::format("{}: read error: {}", stem_->path.string(), sf_strerror(file_.get())));
    }
    throw InputError(
        fmt::format("{}: cannot decode the audio ({}); the file is truncated or damaged, "
                    "export it again",
                    stem_->path.string(), sf_strerror(file_.get())));
  }
  position_ += got;
  return got;
}

std::int64_t StemReader::read_mono(float* mono, std::int64_t count) {
  const std::int64_t got = read_interleaved(count);
  const int channels = stem_->channels;
  if (channels == 1) {
    std::memcpy(mono, interleaved_.data(), static_cast<std::size_t>(got) * sizeof(float));
    return got;
  }
  const float scale = 1.0f / static_cast<float>(channels);
  for (std::int64_t i = 0; i < got; ++i) {
    float sum = 0.0f;
    for (int c = 0; c < channels; ++c) sum += interleaved_[static_cast<std::size_t>(i * channels + c)];
    mono[i] = sum * scale;
  }
  return got;
}

std::int64_t StemReader::read_stereo(float* left_right, std::int64_t count) {
  const std::int64_t got = read_interleaved(count);
  const int channels = stem_->channels;
  for (std::int64_t i = 0; i < got; ++i) {
    const float* in = &interleaved_[static_cast<std::size_t>(i * channels)];
    if (channels == 1) {
      left_right[2 * i] = left_right[2 * i + 1] = in[0];
    } else if (channels == 2) {
      left_right[2 * i] = in[0];
      left_right[2 * i + 1] = in[1];
    } else {
      float left = 0.0f, right = 0.0f;
      for (int c = 0; c < channels; ++c) {
        left += downmix_[static_cast<std::size_t>(c)] * in[c];
        right += downmix_[static_cast<std::size_t>(channels + c)] * in[c];
      }
      left_right[2 * i] = left;
      left_right[2 * i + 1] = right;
    }
  }
  return got;
}

struct MixBus::Input {
  int rate = 0;
  SwrContextPtr resampler;   // null when the stem is at the mix's rate
  std::vector<float> queue;  // interleaved stereo at the mix's rate
  std::size_t head = 0;      // floats of `queue` already taken
  std::int64_t added = 0;    // pairs given to the resampler since the last reset
  std::int64_t made = 0;     // pairs it made from them
  bool ended = false;
};

MixBus::MixBus(const std::vector<StemInfo>& stems, int rate) : rate_(rate), inputs_(stems.size()) {
  for (std::size_t s = 0; s < stems.size(); ++s) {
    Input& input = inputs_[s];
    input.rate = stems[s].sample_rate;
    if (input.rate == rate) continue;
    AVChannelLayout stereo{};
    av_channel_layout_default(&stereo, 2);
    SwrContext* raw = nullptr;
    check_av(
        swr_alloc_set_opts2(&raw, &stereo, AV_SAMPLE_FMT_FLT, rate, &stereo, AV_SAMPLE_FMT_FLT, input.rate, 0, nullptr),
        fmt::format("{}: cannot set up resampling from {} Hz to {} Hz", stems[s].path.string(), input.rate, rate));
    input.resampler.reset(raw);
    check_av(swr_init(raw),
             fmt::format("{}: cannot set up resampling from {} Hz to {} Hz", stems[s].path.string(), input.rate, rate));
  }
}

MixBus::~MixBus() = default;
MixBus::MixBus(MixBus&&) noexcept = default;

bool MixBus::ended(int stem) const { return inputs_[static_cast<std::size_t>(stem)].ended; }

int MixBus::push_resampled(Input& input, const float* left_right, std::int64_t count) {
  // Room for what `count` new samples and the resampler's backlog can yield.
  const int room = swr_get_out_samples(input.resampler.get(), static_cast<int>(count));
  if (room <= 0) return 0;
  const std::size_t used = input.queue.size();
  input.queue.resize(used + 2 * static_cast<std::size_t>(room));
  auto* out = reinterpret_cast<std::uint8_t*>(input.queue.data() + used);
  const auto* in = reinterpret_cast<const std::uint8_t*>(left_right);
  const int made =
      check_av(swr_convert(input.resampler.get(), &out, room, left_right ? &in : nullptr, static_cast<int>(count)),
               "resampling a stem for the soundtrack");
  input.queue.resize(used + 2 * static_cast<std::size_t>(made));
  input.added += count;
  input.made += made;
  return made;
}

void MixBus::add(int stem, const float* left_right, std::int64_t count) {
  Input& input = inputs_[static_cast<std::size_t>(stem)];
  if (input.ended || count <= 0) return;
  if (!input.resampler) {
    input.queue.insert(input.queue.end(), left_right, left_right + 2 * count);
    return;
  }
  push_resampled(input, left_right, count);
}

void MixBus::end(int stem) {
  Input& input = inputs_[static_cast<std::size_t>(stem)];
  if (input.ended) return;
  // Flushing may take more than one call: the backlog comes out in pieces.
  if (input.resampler) {
    while (push_resampled(input, nullptr, 0) > 0) {
    }
    // The resampler's filter decides how many samples its tail holds; make the stem
    // exactly as long as its duration at the mix's rate, like song_samples() counts it.
    const std::int64_t length = mul_div_ceil(input.added, rate_, input.rate);
    const std::int64_t extra = input.made - length;
    const std::int64_t drop =
        std::min<std::int64_t>(extra, static_cast<std::int64_t>(input.queue.size() - input.head) / 2);
    if (extra < 0) input.queue.resize(input.queue.size() + 2 * static_cast<std::size_t>(-extra), 0.0f);
    if (drop > 0) input.queue.resize(input.queue.size() - 2 * static_cast<std::size_t>(drop));
  }
  input.ended = true;
}

std::int64_t MixBus::queued(int stem) const {
  const Input& input = inputs_[static_cast<std::size_t>(stem)];
  return static_cast<std::int64_t>((input.queue.size() - input.head) / 2);
}

std::int64_t MixBus::ready() const {
  std::int64_t open = INT64_MAX, longest = 0;
  for (int s = 0; s < static_cast<int>(inputs_.size()); ++s) {
    longest = std::max(longest, queued(s));
    if (!ended(s)) open = std::min(open, queued(s));
  }
  return open == INT64_MAX ? longest : open;
}

void MixBus::take(float* left_right, std::int64_t count) {
  const auto floats = static_cast<std::size_t>(2 * count);
  std::fill(left_right, left_right + floats, 0.0f);
  for (Input& input : inputs_) {
    const std::size_t have = std::min(floats, input.queue.size() - input.head);
    const float* from = input.queue.data() + input.head;
    for (std::size_t i = 0; i < have; ++i) left_right[i] += from[i];
    input.head += have;
    // Drop what was taken once it outweighs what waits, so the queue stays short.
    if (input.head > input.queue.size() / 2) {
      input.queue.erase(input.queue.begin(), input.queue.begin() + static_cast<std::ptrdiff_t>(input.head));
      input.head = 0;
    }
  }
}

void MixBus::reset() {
  for (Input& input : inputs_) {
    input.queue.clear();
    input.head = 0;
    input.added = input.made = 0;
    input.ended = false;
    if (input.resampler) {
      swr_close(input.resampler.get());
      check_av(swr_init(input.resampler.get()), "resetting a stem's resampler");
    }
  }
}

MixReader::MixReader(const std::vector<StemInfo>& stems, float gain, int rate) : bus_(stems, rate), gain_(gain) {
  readers_.reserve(stems.size());
  for (const auto& stem : stems) readers_.emplace_back(stem);
}

void MixReader::seek(std::int64_t position) {
  bus_.reset();
  for (auto& reader : readers_) {
    reader.seek(mul_div_floor(position, reader.sample_rate(), bus_.rate()));
  }
}

std::int64_t MixReader::read(float* left_right, std::int64_t count) {
  const std::int64_t block = std::max<std::int64_t>(count, 1024);
  block_.resize(static_cast<std::size_t>(2 * block));
  for (int s = 0; s < static_cast<int>(readers_.size()); ++s) {
    while (!bus_.ended(s) && bus_.queued(s) < count) {
      const std::int64_t got = readers_[static_cast<std::size_t>(s)].read_stereo(block_.data(), block);
      if (got == 0) {
        bus_.end(s);
      } else {
        bus_.add(s, block_.data(), got);
      }
    }
  }
  const std::int64_t made = std::min(count, bus_.ready());
  bus_.take(left_right, made);
  for (std::int64_t i = 0; i < 2 * made; ++i) left_right[i] *= gain_;
  return made;
}

}  // namespace stemviz
