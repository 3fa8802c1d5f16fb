// `stemviz render STEMS -o OUT.mp4`: the whole pipeline with good defaults.
#include "commands.hpp"

#include <stemviz/job/render_job.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace stemviz::cli {

namespace {

struct RenderArguments : JobArguments {
  RenderOptions options;
  bool dry_run = false;
  bool stats = false;
};

constexpr const char* kWorkNames[kWorkKinds] = {"draw", "convert", "encode"};

// --stats as JSON members: each stage's wall seconds, and the workers' seconds and
// milliseconds per frame for each kind of work.
std::string stats_json(const RenderSummary& summary) {
  nlohmann::ordered_json stages = nlohmann::ordered_json::object(), work = nlohmann::ordered_json::object(),
                         per_frame = nlohmann::ordered_json::object();
  for (const auto& [name, seconds] : summary.times.stages) stages[name] = seconds;
  const auto frames = static_cast<double>(std::max<std::int64_t>(summary.frames_rendered, 1));
  for (int kind = 0; kind < kWorkKinds; ++kind) {
    const double seconds = summary.times.work[static_cast<std::size_t>(kind)];
    work[kWorkNames[kind]] = seconds;
    per_frame[kWorkNames[kind]] = 1e3 * seconds / frames;
  }
  const nlohmann::ordered_json stats = {
      {"stage_seconds", stages}, {"worker_seconds", work}, {"worker_ms_per_frame", per_frame}};
  return ",\"stats\":" + stats.dump();
}

// --stats for people: where the wall time went, stage by stage, and what the workers spent
// each frame on while rendering.
void print_stats(const RenderSummary& summary, int threads) {
  std::vector<std::string> stages;
  double render_wall = 0.0;
  for (const auto& [name, seconds] : summary.times.stages) {
    stages.push_back(fmt::format("{} {:.2f} s", name, seconds));
    if (name == "render") render_wall = seconds;
  }
  fmt::print(stderr, "stemviz: wall time by stage: {}; in all {:.2f} s, {:.1f} frames/s\n", fmt::join(stages, ", "),
             summary.wall_seconds, static_cast<double>(summary.frames_rendered) / summary.wall_seconds);
  const auto frames = static_cast<double>(std::max<std::int64_t>(summary.frames_rendered, 1));
  std::vector<std::string> work;
  double busy = 0.0;
  for (int kind = 0; kind < kWorkKinds; ++kind) {
    const double seconds = summary.times.work[static_cast<std::size_t>(kind)];
    work.push_back(fmt::format("{} {:.2f} ms", kWorkNames[kind], 1e3 * seconds / frames));
    busy += seconds;
  }
  const int workers = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  fmt::print(stderr, "stemviz: worker time per frame: {}; {} workers busy {:.0f}% of the render's wall time\n",
             fmt::join(work, ", "), workers, render_wall > 0 ? 100.0 * busy / (render_wall * workers) : 0.0);
}

// What the render would do, on stdout: text for people, one JSON object with --progress json.
void print_dry_run(const RenderOptions& options, const Manifest& m) {
  const std::vector<std::string> names = m.stem_names();
  const VideoSettings& v = m.video;
  const CodecFacts& codec = codec_facts(v.codec);
  std::string encoder = codec.name;
  if (!v.preset.empty()) encoder += " " + v.preset;
  if (v.crf > 0) encoder += fmt::format(" crf {}", v.crf);
  if (!v.profile.empty()) encoder += " profile " + v.profile;
  if (v.alpha) encoder += " with alpha";
  const double seconds = static_cast<double>(m.plan.frame_count()) / v.fps.to_double();
  const std::string audio = m.audio.codec == AudioCodec::none
                                ? "none"
                                : fmt::format("{} from {}", audio_codec_name(m.audio.codec),
                                              m.audio.source == "stems" ? "the stems' mix" : m.audio.source);
  if (options.progress == ProgressStyle::json) {
    nlohmann::json out = {{"event", "dry_run"},
                          {"stems", names},
                          {"song_seconds", m.plan.timeline.duration_seconds()},
                          {"sample_rate", m.plan.timeline.sample_rate},
                          {"scene", m.scene.name},
                          {"width", v.width},
                          {"height", v.height},
                          {"fps", v.fps.to_string()},
                          {"codec", codec.name},
                          {"frames", m.plan.frame_count()},
                          {"seconds", seconds},
                          {"chunks", m.plan.chunks.size()},
                          {"audio", audio_codec_name(m.audio.codec)},
                          {"output", options.output.string()},
                          {"title", m.title}};
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  fmt::print("stems    {}: {} ({:.3f} s at {} Hz)\n", names.size(), fmt::join(names, ", "),
             m.plan.timeline.duration_seconds(), m.plan.timeline.sample_rate);
  fmt::print("scene    {} ({})\n", m.scene.name, m.scene.file);
  fmt::print("video    {}x{} at {} fps, {} ({}): {} frames, {:.3f} s, in {} chunks\n", v.width, v.height,
             v.fps.to_string(), encoder, quality_name(v.quality), m.plan.frame_count(), seconds, m.plan.chunks.size());
  fmt::print("audio    {}\n", audio);
  fmt::print("output   {} (title \"{}\")\n", options.output.string(), m.title);
}

void run(RenderArguments& arguments) {
  RenderOptions& options = arguments.options;
  options.job = job_settings(arguments);
  options.progress = progress_style(arguments.progress, arguments.quiet);
  if (arguments.dry_run) {
    print_dry_run(options, plan_render(options));
    return;
  }
  const RenderSummary summary = run_render(options);
  if (options.progress == ProgressStyle::json) {
    print_json_event(fmt::format("\"event\":\"done\",\"output\":{},\"frames\":{},\"frames_rendered\":{},"
                                 "\"seconds_of_video\":{:.3f},\"wall_seconds\":{:.3f}",
                                 json_string(options.output.string()), summary.frames, summary.frames_rendered,
                                 summary.seconds_of_video, summary.wall_seconds) +
                     (arguments.stats ? stats_json(summary) : ""));
    return;
  }
  if (arguments.stats) print_stats(summary, options.threads);
  if (!arguments.quiet) {
    const std::string resumed = summary.frames_rendered < summary.frames
                                    ? fmt::format(", {} of them rendered now", summary.frames_rendered)
                                    : "";
    fmt::print(stderr,
               "stemviz: wrote {} ({} frames{}, {:.2f} s of video) in {:.1f} s: {:.1f} fps, "
               "{:.2f}x real time\n",
               options.output.string(), summary.frames, resumed, summary.seconds_of_video, summary.wall_seconds,
               static_cast<double>(summary.frames_rendered) / summary.wall_seconds,
               summary.seconds_of_video / summary.wall_seconds);
  }
}

}  // namespace

void set_render_command(CLI::App& app) {
  auto arguments = std::make_shared<RenderArguments>();
  RenderOptions& options = arguments->options;
  CLI::App* render = app.add_subcommand("render", "Render a folder of stems into a video");
  render->add_option("-o,--output", options.output, "Video file to write (.mp4)")->required();
  render->add_flag("-y,--overwrite", options.overwrite, "Replace the output if it exists");
  render
      ->add_option("--layers", options.layers_dir,
                   "Also write one video per stem into this folder: that stem's object alone, with alpha "
                   "(in --codec when it has alpha, else ProRes 4444), same frames and timing")
      ->group("Output");
  render->add_option("--work-dir", options.work_dir,
                     "Keep the job (segments) in this folder, so an interrupted render resumes "
                     "where it stopped when run again");
  add_job_options(*render, *arguments);
  render->add_option("--threads", options.threads, "Worker threads (0 = all cores)")->capture_default_str();
  add_progress_options(*render, arguments->progress, arguments->quiet);
  render->add_flag("--stats", arguments->stats,
                   "Print the wall time of each stage and the workers' time per frame drawing, converting "
                   "colours and encoding (in the done event with --progress json)");
  render->add_flag("--dry-run", arguments->dry_run,
                   "Print what would be rendered (stems, durations, frames, chunks, output) and exit");
  render->callback([arguments] { run(*arguments); });
}

}  // namespace stemviz::cli
