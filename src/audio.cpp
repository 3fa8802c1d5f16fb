#include <stemviz/audio.hpp>

#include <stemviz/error.hpp>

#include <fmt/format.h>
#include <sndfile.h>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstring>

namespace stemviz {

namespace fs = std::filesystem;

void SndfileCloser::operator()(sf_private_tag* file) const { sf_close(file); }

bool is_audio_file(const fs::path& path) {
  static constexpr std::array extensions = {".wav", ".wave", ".aif", ".aiff", ".aifc", ".flac",
                                            ".ogg", ".oga", ".opus", ".mp3", ".w64", ".caf",
                                            ".rf64", ".au", ".snd"};
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
    throw InputError(fmt::format("{}: not a folder of stems; give the folder that holds the "
                                 "audio files", folder.string()));
  }
  std::vector<fs::path> stems;
  std::vector<std::string> others;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const auto name = entry.path().filename().string();
    if (entry.is_directory(error)) continue;
    if (!name.empty() && name[0] != '.' && entry.is_regular_file(error) &&
        is_audio_file(entry.path())) {
      stems.push_back(entry.path());
    } else {
      others.push_back(name);
    }
  }
  if (error) throw InputError(fmt::format("{}: cannot list the folder: {}", folder.string(), error.message()));
  if (stems.empty()) {
    throw InputError(fmt::format("{}: no audio files found; put the stems (WAV, AIFF, FLAC, OGG, "
                                 "...) in this folder", folder.string()));
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

std::vector<fs::path> collect_stems(const std::vector<fs::path>& inputs,
                                    std::vector<std::string>* skipped) {
  std::vector<fs::path> stems;
  for (const fs::path& input : inputs) {
    std::error_code error;
    if (fs::is_directory(input, error)) {
      const auto found = find_stems(input, skipped);
      stems.insert(stems.end(), found.begin(), found.end());
    } else if (fs::exists(input, error)) {
      stems.push_back(input);
    } else {
      throw InputError(fmt::format("{}: no such file or folder; give a folder of stems or the "
                                   "stem files", input.string()));
    }
  }
  if (stems.empty()) throw InputError("no stems given; give a folder of stems or the stem files");
  return stems;
}

namespace {

SndfilePtr open_sndfile(const fs::path& path, SF_INFO& info) {
  info = {};
  SndfilePtr file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) {
    throw InputError(fmt::format("{}: cannot read audio: {}; convert it to WAV or FLAC, or move "
                                 "it out of the stems folder", path.string(), sf_strerror(nullptr)));
  }
  return file;
}

std::string format_duration(std::int64_t samples, int rate) {
  return fmt::format("{:.3f} s ({} samples at {} Hz)", static_cast<double>(samples) / rate,
                     samples, rate);
}

}  // namespace

std::vector<StemInfo> probe_stems(const std::vector<fs::path>& paths, LengthPolicy lengths) {
  std::vector<StemInfo> stems;
  for (const auto& path : paths) {
    SF_INFO info;
    open_sndfile(path, info);
    if (info.frames <= 0) {
      throw InputError(fmt::format("{}: the file holds no samples; remove it from the stems "
                                   "folder", path.string()));
    }
    stems.push_back({path, path.stem().string(), info.channels, info.samplerate, info.frames});
  }
  const auto& first = stems.front();
  const auto listing = [&] {
    std::string text;
    for (const auto& s : stems) {
      text += fmt::format("; {}: {}", s.path.filename().string(), format_duration(s.samples, s.sample_rate));
    }
    return text;
  };
  const bool same_rate = std::all_of(stems.begin(), stems.end(), [&](const StemInfo& s) {
    return s.sample_rate == first.sample_rate;
  });
  if (!same_rate) {
    throw InputError(fmt::format("{}: stems must share one sample rate; resample them to the "
                                 "same rate{}", first.path.parent_path().string(), listing()));
  }
  const bool same_length = std::all_of(stems.begin(), stems.end(), [&](const StemInfo& s) {
    return s.samples == first.samples;
  });
  if (!same_length && lengths == LengthPolicy::exact) {
    throw InputError(fmt::format(
        "{}: stems differ in length; export them with the same start and end, or pass --pad "
        "(extend shorter stems with silence) or --trim (cut all to the shortest){}",
        first.path.parent_path().string(), listing()));
  }
  return stems;
}

std::int64_t song_samples(const std::vector<StemInfo>& stems, LengthPolicy lengths) {
  const auto by_length = [](const StemInfo& a, const StemInfo& b) { return a.samples < b.samples; };
  if (lengths == LengthPolicy::trim) return std::min_element(stems.begin(), stems.end(), by_length)->samples;
  return std::max_element(stems.begin(), stems.end(), by_length)->samples;
}

namespace {

// Gains from each of `channels` input channels to left and right (left ones first).
std::vector<float> stereo_downmix(int channels) {
  AVChannelLayout in{}, out{};
  av_channel_layout_default(&in, channels);
  av_channel_layout_default(&out, 2);
  std::vector<double> matrix(static_cast<std::size_t>(2 * channels));
  // No normalization (maxval INT_MAX): the soundtrack's gain already keeps the whole mix
  // from clipping, and normalizing here would make a surround stem quieter than the others.
  const int result = swr_build_matrix2(&in, &out, M_SQRT1_2, M_SQRT1_2, 0.0, INT_MAX, 1.0,
                                       matrix.data(), channels, AV_MATRIX_ENCODING_NONE, nullptr);
  av_channel_layout_uninit(&in);
  av_channel_layout_uninit(&out);
  std::vector<float> gains(matrix.size());
  if (result < 0) {
    // A channel count without a standard layout: every channel to both sides, equally.
    std::fill(gains.begin(), gains.end(), 1.0f / static_cast<float>(channels));
    return gains;
  }
  std::transform(matrix.begin(), matrix.end(), gains.begin(),
                 [](double g) { return static_cast<float>(g); });
  return gains;
}

}  // namespace

StemReader::StemReader(const StemInfo& stem) : stem_(&stem) {
  SF_INFO info;
  file_ = open_sndfile(stem.path, info);
  if (stem.channels > 2) downmix_ = stereo_downmix(stem.channels);
}

void StemReader::seek(std::int64_t position) {
  if (sf_seek(file_.get(), position, SEEK_SET) < 0) {
    throw Failure(fmt::format("{}: cannot seek to sample {}: {}", stem_->path.string(), position,
                              sf_strerror(file_.get())));
  }
}

std::int64_t StemReader::read_interleaved(std::int64_t count) {
  interleaved_.resize(static_cast<std::size_t>(count * stem_->channels));
  const sf_count_t got = sf_readf_float(file_.get(), interleaved_.data(), count);
  if (got < 0 || sf_error(file_.get()) != SF_ERR_NO_ERROR) {
    throw Failure(fmt::format("{}: read error: {}", stem_->path.string(), sf_strerror(file_.get())));
  }
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

MixReader::MixReader(const std::vector<StemInfo>& stems, float gain) : gain_(gain) {
  readers_.reserve(stems.size());
  for (const auto& stem : stems) readers_.emplace_back(stem);
}

void MixReader::seek(std::int64_t position) {
  for (auto& reader : readers_) reader.seek(position);
}

std::int64_t MixReader::read(float* left_right, std::int64_t count) {
  std::fill(left_right, left_right + 2 * count, 0.0f);
  block_.resize(static_cast<std::size_t>(2 * count));
  std::int64_t got_most = 0;
  for (auto& reader : readers_) {
    const std::int64_t got = reader.read_stereo(block_.data(), count);
    for (std::int64_t i = 0; i < 2 * got; ++i) left_right[i] += block_[static_cast<std::size_t>(i)];
    got_most = std::max(got_most, got);
  }
  for (std::int64_t i = 0; i < 2 * got_most; ++i) left_right[i] *= gain_;
  return got_most;
}

}  // namespace stemviz
