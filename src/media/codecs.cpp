#include <stemviz/media/codecs.hpp>

#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace stemviz {

const std::vector<std::string>& x264_presets() {
  static const std::vector<std::string> presets = {"ultrafast", "superfast", "veryfast", "faster",  "fast",
                                                   "medium",    "slow",      "slower",   "veryslow"};
  return presets;
}

const std::vector<CodecFacts>& all_codecs() {
  using A = AudioCodec;
  static const std::vector<CodecFacts> codecs = {
      {VideoCodec::h264, "h264", "libx264", "mp4", ".mp4", false, true, 51, {A::aac}},
      {VideoCodec::hevc, "hevc", "libx265", "mp4", ".mp4", false, true, 51, {A::aac}},
      {VideoCodec::prores, "prores", "prores_ks", "mov", ".mov", true, false, 0, {A::aac, A::pcm}},
      {VideoCodec::vp9, "vp9", "libvpx-vp9", "webm", ".webm", true, false, 63, {A::opus}},
      {VideoCodec::ffv1, "ffv1", "ffv1", "matroska", ".mkv", true, false, 0, {A::flac, A::pcm}},
      {VideoCodec::png, "png", "png", "matroska", "", true, false, 0, {A::flac, A::pcm}},
  };
  return codecs;
}

const CodecFacts& codec_facts(VideoCodec codec) {
  for (const CodecFacts& facts : all_codecs()) {
    if (facts.codec == codec) return facts;
  }
  throw std::logic_error("unknown video codec");
}

const char* quality_name(Quality quality) {
  switch (quality) {
    case Quality::draft: return "draft";
    case Quality::standard: return "standard";
    case Quality::high: return "high";
  }
  return "standard";
}

const char* audio_codec_name(AudioCodec codec) {
  switch (codec) {
    case AudioCodec::none: return "none";
    case AudioCodec::aac: return "aac";
    case AudioCodec::flac: return "flac";
    case AudioCodec::pcm: return "pcm";
    case AudioCodec::opus: return "opus";
  }
  return "none";
}

VideoSettings encoder_settings(VideoCodec codec, Quality quality, bool alpha, const std::optional<std::string>& preset,
                               const std::optional<int>& crf) {
  const CodecFacts& facts = codec_facts(codec);
  const int q = static_cast<int>(quality);  // draft, standard, high
  VideoSettings video;
  video.codec = codec;
  video.quality = quality;
  video.alpha = alpha;
  video.preset.clear();
  video.crf = 0;
  switch (codec) {
    case VideoCodec::h264:
      // veryfast costs a third of medium's time; flat shapes gain little from slower presets.
      video.preset = std::array{"ultrafast", "veryfast", "slow"}[q];
      video.crf = std::array{23, 18, 16}[q];
      break;
    case VideoCodec::hevc:
      video.preset = std::array{"ultrafast", "veryfast", "slow"}[q];
      video.crf = std::array{28, 23, 20}[q];
      break;
    case VideoCodec::prores:
      // Only the 4444 profiles carry alpha.
      video.profile = alpha ? std::array{"4444", "4444", "4444xq"}[q] : std::array{"lt", "hq", "4444"}[q];
      break;
    case VideoCodec::vp9:
      video.crf = std::array{40, 32, 24}[q];
      video.speed = std::array{8, 4, 1}[q];
      break;
    case VideoCodec::ffv1:
    case VideoCodec::png: break;  // lossless: nothing to choose
  }
  if (preset) {
    if (!facts.presets) {
      throw UsageError(
          fmt::format("--preset {}: {} has no presets; use --quality draft|standard|high", *preset, facts.name));
    }
    const auto& names = x264_presets();
    if (std::find(names.begin(), names.end(), *preset) == names.end()) {
      throw UsageError(fmt::format("--preset {}: not a preset of {}; use one of {}", *preset, facts.encoder,
                                   fmt::join(names, ", ")));
    }
    video.preset = *preset;
  }
  if (crf) {
    if (facts.max_crf == 0) {
      throw UsageError(fmt::format("--crf {}: {} has no crf; use --quality draft|standard|high", *crf, facts.name));
    }
    if (*crf < 0 || *crf > facts.max_crf) {
      throw UsageError(fmt::format("--crf {}: {} takes 0 (best) to {}", *crf, facts.name, facts.max_crf));
    }
    video.crf = *crf;
  }
  return video;
}

}  // namespace stemviz
