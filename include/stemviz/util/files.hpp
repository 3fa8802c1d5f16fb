// Output files that appear only when complete: written under a temporary name beside their
// final path (so the rename never crosses filesystems) and renamed at the end.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace stemviz {

// A temporary file (or folder, with all in it) that is removed when this object goes away,
// unless it was renamed into place with keep_as(). Every one is known to
// remove_temp_files_now() until then.
class TempFile {
 public:
  explicit TempFile(std::filesystem::path path);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Renames the file to `final_path`; throws Failure naming both when that fails, and
  // Interrupted after remove_temp_files_now().
  void keep_as(const std::filesystem::path& final_path);

 private:
  std::filesystem::path path_;
  bool kept_ = false;
};

// Removes every TempFile's file that is neither kept nor removed yet, and from then on
// keeps none: for a process about to end at once, whatever its other threads are doing (a
// signal it could not wait out). Safe to call from any thread; TempFiles may still be
// created and destroyed after it.
void remove_temp_files_now();

// Waits up to `limit` for descriptor `fd` to have something to read (or for its writer to
// close it), going on through signals that interrupt the wait. True when it has.
bool wait_readable(int fd, std::chrono::milliseconds limit);

// The folder `path` is in: its parent, or the current folder for a bare file name.
std::filesystem::path folder_of(const std::filesystem::path& path);

// Writes `bytes` to `path` (created or replaced); throws Failure naming `path` and the
// system's reason ("No space left on device") when any of it cannot be written.
void write_file(const std::filesystem::path& path, std::string_view bytes);

// Why `name` cannot name a stem (which becomes a file name in `stitch --layers` and is
// printed): "" when it can; else what is wrong, such as "holds a control character". A stem
// name is 1 to 255 bytes, not "." or "..", without '/', '\' or control characters.
std::string stem_name_problem(std::string_view name);

// `text` as a message may print it: each control character as \xNN, so that no file name
// can move a terminal's cursor or change its colours.
std::string escaped(std::string_view text);

// Why `text` cannot be a title or an artist (metadata, and printed): "" when it can; else what
// is wrong. At most 1000 bytes, without control characters.
std::string title_problem(std::string_view text);

// The reason the last system call failed (errno), for messages; "an unknown error" when none is set.
std::string system_error_text();

// What a temporary name stands for: the file itself, written until it is complete; a
// scratch folder of a job beside an output; or a sample (plan --estimate) removed after use.
enum class TempKind { file, scratch_folder, sample };

// The one scheme for temporary names: where this process writes `final_path` until it is
// complete, ".NAME.stemviz-HOST-PID" beside it, with ".job" for a scratch folder and
// ".sample" for a sample. Hidden; in the same folder, so that the rename never crosses
// filesystems; named after the machine and the process, so that two runs writing the same
// file (a scheduler's retry while the first attempt still runs, on this machine or another
// sharing the folder) never collide. Every file stemviz writes is named by it; TempFile
// removes it on failure.
std::filesystem::path temp_path_for(const std::filesystem::path& final_path, TempKind kind = TempKind::file);

// Removes what stemviz processes that were killed (SIGKILL, power loss) left beside
// `final_path`: temp_path_for() names, of any kind, of this machine whose process no longer
// runs. Names of other machines are never touched: their processes cannot be seen from
// here. Returns the names removed.
std::vector<std::string> remove_dead_leftovers(const std::filesystem::path& final_path);

// The same for every file in `folder` (a job's segments folder).
std::vector<std::string> remove_dead_leftovers_in(const std::filesystem::path& folder);

}  // namespace stemviz
