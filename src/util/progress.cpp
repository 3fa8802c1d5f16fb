#include <stemviz/util/progress.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace stemviz {

namespace {

std::string format_eta(double seconds) {
  const auto total = static_cast<long>(seconds + 0.5);
  return total >= 3600 ? fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
                       : fmt::format("{}:{:02}", total / 60, total % 60);
}

}  // namespace

void print_json_event(const std::string& fields) {
  fmt::print(stdout, "{{{}}}\n", fields);
  std::fflush(stdout);
}

std::string json_string(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ProgressStyle default_progress_style() { return isatty(STDERR_FILENO) ? ProgressStyle::bar : ProgressStyle::lines; }

Progress::Progress(std::int64_t total_frames, ProgressStyle style)
    : total_(std::max<std::int64_t>(total_frames, 1)), style_(style) {}

Progress::~Progress() { stop(); }

void Progress::note(const std::string& text) {
  if (style_ == ProgressStyle::none) return;
  if (style_ == ProgressStyle::json) {
    print_json_event(
        fmt::format("\"event\":\"note\",\"stage\":{},\"message\":{}", json_string(stage_), json_string(text)));
    return;
  }
  fmt::print(stderr, "stemviz: {}\n", text);
}

void Progress::stage(const std::string& name) {
  const auto now = std::chrono::steady_clock::now();
  if (!stage_.empty()) {
    finished_stages_.emplace_back(stage_, std::chrono::duration<double>(now - stage_started_).count());
  }
  stage_ = name;
  stage_started_ = now;
  if (style_ == ProgressStyle::json)
    print_json_event(fmt::format("\"event\":\"stage\",\"stage\":{}", json_string(name)));
}

StageTimes Progress::times() const {
  StageTimes times;
  times.stages = finished_stages_;
  if (!stage_.empty()) {
    times.stages.emplace_back(stage_,
                              std::chrono::duration<double>(std::chrono::steady_clock::now() - stage_started_).count());
  }
  for (int kind = 0; kind < kWorkKinds; ++kind) {
    times.work[static_cast<std::size_t>(kind)] =
        static_cast<double>(work_[static_cast<std::size_t>(kind)].load(std::memory_order_relaxed)) * 1e-9;
  }
  return times;
}

void Progress::start() {
  started_ = last_line_ = std::chrono::steady_clock::now();
  if (style_ != ProgressStyle::none) reporter_ = std::thread([this] { run(); });
}

void Progress::stop() {
  if (!reporter_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  reporter_.join();
  report(true);
}

void Progress::run() {
  std::unique_lock lock(mutex_);
  const auto period = style_ == ProgressStyle::bar ? std::chrono::milliseconds(200) : std::chrono::milliseconds(1000);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) report(false);
}

void Progress::report(bool final) {
  const auto now = std::chrono::steady_clock::now();
  const std::int64_t done = std::min(done_.load(std::memory_order_relaxed), total_);
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  const double fps = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const std::string eta = fps > 0 ? format_eta(static_cast<double>(total_ - done) / fps) : std::string("?");
  const double percent = 100.0 * static_cast<double>(done) / static_cast<double>(total_);
  if (style_ == ProgressStyle::json) {
    // One a second while rendering, and the last; scripts parse each line on its own.
    const double eta_seconds = fps > 0 ? static_cast<double>(total_ - done) / fps : -1.0;
    print_json_event(fmt::format(
        "\"event\":\"progress\",\"stage\":{},\"frames\":{},\"total\":{},\"fps\":{:.2f},"
        "\"eta_seconds\":{:.1f},\"chunks_done\":{},\"chunks\":{}",
        json_string(stage_), done, total_, fps, eta_seconds, chunks_done_.load(std::memory_order_relaxed), chunks_));
    return;
  }
  if (style_ == ProgressStyle::bar) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * done / total_);
    fmt::print(stderr, "\r[{}{}] {:3.0f}% {}/{} frames {:6.1f} fps ETA {}  ",
               std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(kWidth - filled), '.'), percent, done, total_, fps, eta);
    if (final) fmt::print(stderr, "\n");
    std::fflush(stderr);
    return;
  }
  // Plain lines for logs: one every 5 s, and the last.
  if (!final && now - last_line_ < std::chrono::seconds(5)) return;
  last_line_ = now;
  fmt::print(stderr, "stemviz: {}/{} frames ({:.0f}%), {:.1f} fps, ETA {}\n", done, total_, percent, fps, eta);
}

}  // namespace stemviz
