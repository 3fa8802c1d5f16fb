// Options that several subcommands share, so they are spelled and checked the same way.
#include "commands.hpp"

#include <stemviz/analysis/analysis.hpp>
#include <stemviz/job/settings.hpp>
#include <stemviz/scene/expression.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace stemviz::cli {

void add_analysis_options(CLI::App& command, AnalysisSettings& settings) {
  auto mode = std::make_shared<std::string>("peak");
  command.add_option("--window-ms", settings.window_ms, "Loudness (RMS and peak) window in milliseconds")
      ->capture_default_str()
      ->group("Analysis");
  command.add_option("--attack-ms", settings.attack_ms, "Time for a level to rise (0 = at once)")
      ->capture_default_str()
      ->group("Analysis");
  command.add_option("--release-ms", settings.release_ms, "Time for a level to fall (0 = at once)")
      ->capture_default_str()
      ->group("Analysis");
  command
      .add_option("--normalize", *mode,
                  "Level 1 is: peak (each stem's loudest moment), global (the loudest of all "
                  "stems), or percentile:P (each stem's P-th percentile)")
      ->capture_default_str()
      ->group("Analysis")
      ->each([&settings, mode](const std::string& text) {
        settings.normalization.mode = parse_normalization_mode(text, settings.normalization.percentile, "--normalize");
      });
  command
      .add_option("--floor-db", settings.normalization.floor_db,
                  "Show levels on a dB scale from this far below level 1 (e.g. -48)")
      ->group("Analysis");
  command.add_option("--bands", settings.bands, "Spectral bands per stem (1 to 16)")
      ->capture_default_str()
      ->group("Analysis");
  command
      .add_flag("--bleed-reduce", settings.bleed_reduce,
                "Reduce each stem's features where the other stems explain its sound (the "
                "snare in the kick mic), so each object moves for its own drum")
      ->group("Analysis");
  command
      .add_option("--gamma", settings.normalization.gamma,
                  "Level curve: above 1 favours loud moments, below 1 quiet ones")
      ->capture_default_str()
      ->group("Analysis");
}

void add_look_options(CLI::App& command, LookArguments& look) {
  command.add_option("--scene", look.scene, "Scene: a bundled one (see `stemviz scenes`) or a .toml file")
      ->capture_default_str()
      ->group("Look");
  command
      .add_option("--size", look.size,
                  "Picture size WIDTHxHEIGHT (even numbers), or 720p, 1080p, 1440p, 2160p, vertical, square; "
                  "default: the scene's")
      ->group("Look");
  command.add_option("--fps", look.fps, "Frame rate: 60, 30, 29.97, 30000/1001, ...; default: the scene's")
      ->group("Look");
  command
      .add_option("--title", look.title,
                  "Title: the scenes' {title} and the video's metadata (default: the scene's, else the stems "
                  "folder's name)")
      ->group("Look");
  command.add_option("--artist", look.artist, "Artist: the scenes' {artist} (default: the scene's)")->group("Look");
  command.add_option("--cover", look.cover, "Picture (PNG, JPEG, WebP) for the scenes' {cover} image slot")
      ->group("Look");
  command.add_option("--lyrics", look.lyrics, "Timed lyrics (LRC) or captions (SRT) for the scenes' {lyrics} slot")
      ->group("Look");
}

LookOptions look_options(const LookArguments& look) {
  LookOptions options;
  options.scene = look.scene;
  options.title = look.title;
  options.artist = look.artist;
  if (look.cover) options.cover = *look.cover;
  if (look.lyrics) options.lyrics = *look.lyrics;
  if (!look.size.empty()) {
    static const std::map<std::string, std::pair<int, int>> presets = {
        {"720p", {1280, 720}},   {"1080p", {1920, 1080}},    {"1440p", {2560, 1440}},
        {"2160p", {3840, 2160}}, {"vertical", {1080, 1920}}, {"square", {1080, 1080}}};
    int width = 0, height = 0;
    char extra = 0;
    if (const auto preset = presets.find(look.size); preset != presets.end()) {
      std::tie(width, height) = preset->second;
    } else if (std::sscanf(look.size.c_str(), "%dx%d%c", &width, &height, &extra) != 2) {
      throw UsageError(
          fmt::format("--size {}: expected WIDTHxHEIGHT (e.g. 1920x1080) or 720p, 1080p, 1440p, "
                      "2160p, vertical (1080x1920), square (1080x1080)",
                      look.size));
    }
    options.width = width;
    options.height = height;
  }
  if (!look.fps.empty()) options.fps = parse_frame_rate(look.fps, "--fps");
  return options;
}

void add_cache_options(CLI::App& command, CacheSettings& cache) {
  CLI::Option* folder =
      command.add_option("--cache-dir", cache.folder,
                         "Keep analysed features here for the next run (default: .stemviz-cache beside the output)");
  command.add_flag("!--no-cache", cache.enabled, "Analyse the stems even if cached features match")->excludes(folder);
}

void add_length_options(CLI::App& command, bool& pad, bool& trim) {
  CLI::Option* pad_option =
      command.add_flag("--pad", pad, "Stems of different lengths: extend shorter ones with silence");
  command.add_flag("--trim", trim, "Stems of different lengths: cut all to the shortest")->excludes(pad_option);
}

namespace {

// Makes `option` take one of the words of `names` (in that order in --help, as
// {h264,hevc,...}) and store its value. CLI11's CheckedTransformer would also take the
// values as numbers and print both lists ("value in {ffv1->4,...} OR {4,0,...}").
template <typename Enum>
CLI::Option* words(CLI::Option* option, const std::vector<std::pair<std::string, Enum>>& names) {
  std::vector<std::string> list;
  for (const auto& [word, value] : names) list.push_back(word);
  const std::string choices = fmt::format("{{{}}}", fmt::join(list, ","));
  option->type_name(choices);
  option->transform(CLI::Validator(
      [names, list, choices](std::string& input) -> std::string {
        for (const auto& [word, value] : names) {
          if (input == word) {
            // CLI11 then converts the value's number into the enum.
            input = std::to_string(static_cast<int>(value));
            return {};
          }
        }
        const std::string near = closest_name(input, list);
        return input + " is not one of " + choices + (near.empty() ? "" : "; did you mean " + near + "?");
      },
      ""));
  return option;
}

}  // namespace

void add_job_options(CLI::App& command, JobArguments& arguments) {
  JobSettings& job = arguments.job;
  command.add_option("stems", job.stems, "A folder of equal-length stems, or the stem files")->required();
  add_look_options(command, arguments.look);
  command.add_option("--chunk-seconds", job.chunk_seconds, "Length of each independently encoded chunk")
      ->capture_default_str();
  std::vector<std::pair<std::string, VideoCodec>> codecs;
  for (const CodecFacts& facts : all_codecs()) codecs.emplace_back(facts.name, facts.codec);
  words(command.add_option("--codec", job.codec,
                           "h264 (MP4), hevc (MP4), prores (ProRes 4444 with alpha, MOV), vp9 (WebM, with alpha), "
                           "ffv1 (lossless, MKV), png (a folder of frames)"),
        codecs)
      ->default_str("h264")
      ->group("Output");
  words(command.add_option("--quality", job.quality, "Encoder settings per codec: draft, standard or high"),
        std::vector<std::pair<std::string, Quality>>{
            {"draft", Quality::draft}, {"standard", Quality::standard}, {"high", Quality::high}})
      ->default_str("standard")
      ->group("Output");
  command.add_option("--preset", job.preset, "x264/x265 preset, overriding --quality's (veryfast for standard)")
      ->group("Output");
  command.add_option("--crf", job.crf, "Constant rate factor, overriding --quality's (h264 18, hevc 23, vp9 32)")
      ->group("Output");
  CLI::Option* no_audio = command.add_flag("--no-audio", job.no_audio, "A video without sound")->group("Output");
  command
      .add_option("--audio", job.audio_file, "Use this mix (the master) as the soundtrack instead of the stems' sum")
      ->excludes(no_audio)
      ->group("Output");
  words(command.add_option("--audio-codec", job.audio_codec,
                           "aac, flac or pcm where the container holds it (WebM: opus); default: aac (opus for vp9, "
                           "flac for ffv1)"),
        std::vector<std::pair<std::string, AudioCodec>>{
            {"aac", AudioCodec::aac}, {"flac", AudioCodec::flac}, {"pcm", AudioCodec::pcm}, {"opus", AudioCodec::opus}})
      ->excludes(no_audio)
      ->group("Output");
  command.add_option("--from", job.from, "Render from this time (seconds)");
  command.add_option("--to", job.to, "Render up to this time (seconds)");
  add_length_options(command, arguments.pad, arguments.trim);
  add_analysis_options(command, job.analysis);
  add_cache_options(command, job.cache);
}

JobSettings job_settings(const JobArguments& arguments) {
  JobSettings job = arguments.job;
  job.look = look_options(arguments.look);
  job.lengths = length_policy(arguments.pad, arguments.trim);
  return job;
}

void add_progress_options(CLI::App& command, std::string& progress, bool& quiet) {
  command
      .add_option("--progress", progress,
                  "Progress display: auto (a bar on a terminal, else lines), bar, lines, json (one object "
                  "per line on stdout), none")
      ->check(CLI::IsMember({"auto", "bar", "lines", "json", "none"}))
      ->capture_default_str();
  command.add_flag("-q,--quiet", quiet, "Print errors only");
}

bool json_events = false;

ProgressStyle progress_style(const std::string& progress, bool quiet) {
  // JSON lines are for programs: -q silences the notes meant for people, not them.
  if (progress == "json") {
    json_events = true;
    return ProgressStyle::json;
  }
  if (quiet || progress == "none") return ProgressStyle::none;
  if (progress == "bar") return ProgressStyle::bar;
  if (progress == "lines") return ProgressStyle::lines;
  return default_progress_style();
}

LengthPolicy length_policy(bool pad, bool trim) {
  if (pad) return LengthPolicy::pad;
  if (trim) return LengthPolicy::trim;
  return LengthPolicy::exact;
}

}  // namespace stemviz::cli
