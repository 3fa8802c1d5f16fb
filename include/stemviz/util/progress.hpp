// Progress reporting: on stderr a one-line bar on a terminal, plain lines otherwise (logs);
// or JSON lines on stdout for scripts and dashboards, one object per line with an "event"
// of "stage", "note", "progress" (frames, total, fps, eta_seconds, chunks_done, chunks)
// or "done"/"error" (written by the CLI at the end). Workers only bump atomic counters; a
// reporter thread does the printing.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace stemviz {

enum class ProgressStyle { bar, lines, json, none };

// `bar` when stderr is a terminal, else `lines`.
ProgressStyle default_progress_style();

// Writes one JSON object as a line on stdout and flushes it; `fields` is the object's
// members, already JSON ("\"event\":\"done\",\"frames\":10").
void print_json_event(const std::string& fields);
// `text` as a JSON string, quotes included.
std::string json_string(const std::string& text);

// What the render's workers spend their time on, for --stats.
enum class Work { draw, convert, encode };
inline constexpr int kWorkKinds = 3;

// Where a run's time went: each stage's wall time in the order they ran, and the workers'
// time per kind of work, summed over workers (so it may exceed the render's wall time).
struct StageTimes {
  std::vector<std::pair<std::string, double>> stages;  // name, seconds of wall time
  std::array<double, kWorkKinds> work{};               // seconds, indexed by Work
};

class Progress {
 public:
  Progress(std::int64_t total_frames, ProgressStyle style);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Prints a one-line note such as "analysing 7 stems" (not in `none` style).
  void note(const std::string& text);
  // Says that a stage begins: "analysis", "render", "stitch".
  void stage(const std::string& name);
  // Sets the number of chunks; a finished one is counted with add_chunk().
  void set_chunks(std::int64_t chunks) { chunks_ = chunks; }
  void add_chunk() { chunks_done_.fetch_add(1, std::memory_order_relaxed); }
  // Sets the number of frames the counter runs to; call before start().
  void set_total(std::int64_t total_frames) { total_ = total_frames; }
  // Starts timing and reporting the frame counter.
  void start();
  // Thread-safe: `count` more frames are done.
  void add_frames(std::int64_t count) { done_.fetch_add(count, std::memory_order_relaxed); }
  // Stops reporting; prints the final state of the counter.
  void stop();
  // Thread-safe: a worker spent `time` on `kind` of work.
  void add_work(Work kind, std::chrono::nanoseconds time) {
    work_[static_cast<int>(kind)].fetch_add(time.count(), std::memory_order_relaxed);
  }
  // The stages' wall times so far (the current one up to now) and the work times.
  StageTimes times() const;

 private:
  void report(bool final);
  void run();

  std::int64_t total_;
  ProgressStyle style_;
  std::string stage_;
  std::chrono::steady_clock::time_point stage_started_;
  std::vector<std::pair<std::string, double>> finished_stages_;
  std::array<std::atomic<std::int64_t>, kWorkKinds> work_{};  // nanoseconds
  std::int64_t chunks_ = 0;
  std::atomic<std::int64_t> done_{0};
  std::atomic<std::int64_t> chunks_done_{0};
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_line_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread reporter_;
};

}  // namespace stemviz
