// What a job renders, as the commands give it: the look, the output's codec and soundtrack,
// the stretch of the song, the analysis and the feature cache. `stemviz render` and
// `stemviz plan` share these; preview and analyze take parts of them.
#pragma once

#include <stemviz/analysis/analysis.hpp>
#include <stemviz/audio/stems.hpp>
#include <stemviz/media/codecs.hpp>
#include <stemviz/util/timeline.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace stemviz {

// Where analysed features are kept between runs (FeatureCache).
struct CacheSettings {
  bool enabled = true;
  std::filesystem::path folder;  // empty: .stemviz-cache in the output's folder
};

// What every job that draws frames shares: the look and the picture.
struct LookOptions {
  std::string scene = "classic";     // a bundled scene's name or a .toml path
  std::optional<int> width, height;  // pixels; the scene's [video] size when not given
  std::optional<Rational> fps;       // the scene's [video] fps when not given
  // What the scene's {title} and {artist} show, and the output's metadata title: the
  // scene's own when not given; a title falls back to the stems folder's name.
  std::optional<std::string> title, artist;
  // The picture of the scenes' "{cover}" image slot (--cover) and the LRC or SRT file of
  // their "{lyrics}" slot (--lyrics); none: the slot stays empty.
  std::optional<std::filesystem::path> cover, lyrics;
};

// What a job renders: the settings `stemviz render` and `stemviz plan` share.
struct JobSettings {
  std::vector<std::filesystem::path> stems;    // a folder of stems, or the stem files
  LengthPolicy lengths = LengthPolicy::exact;  // stems of different lengths: refuse, pad, trim
  LookOptions look;
  VideoCodec codec = VideoCodec::h264;
  Quality quality = Quality::standard;
  std::optional<std::string> preset;      // overrides the quality's (h264, hevc)
  std::optional<int> crf;                 // overrides the quality's (h264, hevc, vp9)
  std::optional<AudioCodec> audio_codec;  // default: the container's usual one
  bool no_audio = false;                  // a video without sound
  std::filesystem::path audio_file;       // --audio: this mix instead of the stems' sum
  bool layers = false;                    // also one video per stem, that stem alone with alpha
  double chunk_seconds = 1.0;             // length of one chunk (and segment), > 0
  std::optional<double> from;             // seconds: render only from here ...
  std::optional<double> to;               // ... up to here
  AnalysisSettings analysis;              // its threads field is ignored: the job's threads serve both
  CacheSettings cache;
};

// Checks --size; throws UsageError naming it.
void validate(const LookOptions& look);

// Checks the settings that do not need the stems; throws UsageError naming the option.
void validate(const JobSettings& settings);

}  // namespace stemviz
