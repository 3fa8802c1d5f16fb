#include <stemviz/job/settings.hpp>

#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace stemviz {

void validate(const LookOptions& look) {
  if (look.width || look.height) {
    const int width = look.width.value_or(0), height = look.height.value_or(0);
    if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0 || width > kLargestPictureSide ||
        height > kLargestPictureSide) {
      throw UsageError(
          fmt::format("--size {}x{}: width and height must be even numbers from 2 to "
                      "{}, e.g. 1920x1080",
                      width, height, kLargestPictureSide));
    }
  }
}

void validate(const JobSettings& settings) {
  validate(settings.look);
  const CodecFacts& facts = codec_facts(settings.codec);
  encoder_settings(settings.codec, settings.quality, false, settings.preset, settings.crf);
  if (settings.no_audio && (settings.audio_codec || !settings.audio_file.empty())) {
    throw UsageError(settings.audio_codec ? "--no-audio and --audio-codec: choose one"
                                          : "--no-audio and --audio: choose one");
  }
  if (settings.audio_codec &&
      std::find(facts.audio.begin(), facts.audio.end(), *settings.audio_codec) == facts.audio.end()) {
    std::vector<std::string> names;
    for (const AudioCodec a : facts.audio) names.push_back(audio_codec_name(a));
    throw UsageError(fmt::format("--audio-codec {}: the {} file of --codec {} holds {}",
                                 audio_codec_name(*settings.audio_codec), facts.extension, facts.name,
                                 fmt::join(names, " or ")));
  }
  if (!(settings.chunk_seconds > 0.0) || settings.chunk_seconds > 3600.0) {
    throw UsageError(fmt::format("--chunk-seconds {}: must be more than 0 and at most 3600", settings.chunk_seconds));
  }
  if (settings.from && !(*settings.from >= 0.0)) {
    throw UsageError(fmt::format("--from {}: must be 0 or more seconds", *settings.from));
  }
  if (settings.to && !(*settings.to > 0.0)) {
    throw UsageError(fmt::format("--to {}: must be more than 0 seconds", *settings.to));
  }
  if (settings.from && settings.to && *settings.from >= *settings.to) {
    throw UsageError(fmt::format("--from {} is not before --to {}", *settings.from, *settings.to));
  }
  validate(settings.analysis);
}

}  // namespace stemviz
