#include <stemviz/util/files.hpp>

#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <mutex>
#include <unordered_set>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

// The TempFiles alive in this process, for remove_temp_files_now(). The lock also makes a
// rename into place and a removal of everything exclusive: a file is either kept or gone.
struct LiveTempFiles {
  std::mutex mutex;
  std::unordered_set<const TempFile*> files;
  bool removed_all = false;
};

LiveTempFiles& live_temp_files() {
  // Never destroyed: a thread may still remove a file while the process exits.
  static auto* live = new LiveTempFiles;
  return *live;
}

}  // namespace

TempFile::TempFile(fs::path path) : path_(std::move(path)) {
  LiveTempFiles& live = live_temp_files();
  const std::lock_guard lock(live.mutex);
  live.files.insert(this);
}

TempFile::~TempFile() {
  LiveTempFiles& live = live_temp_files();
  const std::lock_guard lock(live.mutex);
  live.files.erase(this);
  std::error_code ignored;
  if (!kept_) fs::remove_all(path_, ignored);
}

void TempFile::keep_as(const fs::path& final_path) {
  LiveTempFiles& live = live_temp_files();
  const std::lock_guard lock(live.mutex);
  if (live.removed_all) throw Interrupted();
  std::error_code error;
  fs::rename(path_, final_path, error);
  if (error) {
    throw Failure(fmt::format("cannot rename {} to {}: {}", path_.string(), final_path.string(), error.message()));
  }
  kept_ = true;
  live.files.erase(this);
}

void remove_temp_files_now() {
  LiveTempFiles& live = live_temp_files();
  const std::lock_guard lock(live.mutex);
  live.removed_all = true;
  for (const TempFile* file : live.files) {
    std::error_code ignored;
    fs::remove_all(file->path(), ignored);
  }
}

bool wait_readable(int fd, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  pollfd wanted{fd, POLLIN, 0};
  for (auto now = std::chrono::steady_clock::now(); now < deadline; now = std::chrono::steady_clock::now()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    const int ready = poll(&wanted, 1, static_cast<int>(left.count()));
    if (ready > 0) return true;
    if (ready == 0 || errno != EINTR) return false;
  }
  return false;
}

namespace {

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

}  // namespace

std::string stem_name_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > 255) return "is longer than 255 bytes";
  if (name == "." || name == "..") return "is a folder's name";
  if (name.find('/') != std::string_view::npos || name.find('\\') != std::string_view::npos)
    return "holds a '/' or '\\'";
  if (has_control_character(name)) return "holds a control character";
  return {};
}

std::string escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f)
      out += fmt::format("\\x{:02x}", byte);
    else
      out += c;
  }
  return out;
}

std::string title_problem(std::string_view text) {
  if (text.size() > 1000) return "is longer than 1000 bytes";
  if (has_control_character(text)) return "holds a control character";
  return {};
}

std::string system_error_text() { return errno != 0 ? std::strerror(errno) : "an unknown error"; }

void write_file(const fs::path& path, std::string_view bytes) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Failure(fmt::format("cannot create {}: {}", path.string(), system_error_text()));
  while (!bytes.empty()) {
    const ssize_t written = write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      const std::string reason = system_error_text();
      close(fd);
      throw Failure(fmt::format("cannot write {}: {}", path.string(), reason));
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  // Network filesystems may report a full disk only when the file is closed.
  if (close(fd) != 0) throw Failure(fmt::format("cannot write {}: {}", path.string(), system_error_text()));
}

fs::path folder_of(const fs::path& path) { return path.parent_path().empty() ? fs::path(".") : path.parent_path(); }

namespace {

bool process_runs(long pid) {
  // EPERM: it runs, as another user.
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

namespace {

const char* temp_suffix(TempKind kind) {
  switch (kind) {
    case TempKind::file: return "";
    case TempKind::scratch_folder: return ".job";
    case TempKind::sample: return ".sample";
  }
  return "";
}

// This machine's name as temporary names carry it: letters, digits, '.' and '-' only.
const std::string& host_name() {
  static const std::string name = [] {
    char raw[256] = {};
    std::string host = gethostname(raw, sizeof raw - 1) == 0 && raw[0] != '\0' ? raw : "localhost";
    for (char& c : host) {
      const bool plain =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
      if (!plain) c = '_';
    }
    return host;
  }();
  return name;
}

// The process that wrote temporary name `name` (a file name) of `final_name`, when it is
// one of this machine's: ".FINAL.stemviz-HOST-PID" and a kind's suffix. 0 otherwise.
long temp_owner_here(std::string_view name, std::string_view final_name) {
  const std::string prefix = fmt::format(".{}.stemviz-{}-", final_name, host_name());
  if (!name.starts_with(prefix)) return 0;
  const char* digits = name.data() + prefix.size();
  const char* end = name.data() + name.size();
  long pid = 0;
  const auto [rest, problem] = std::from_chars(digits, end, pid);
  if (problem != std::errc() || rest == digits || pid <= 0) return 0;
  const std::string_view tail(rest, static_cast<std::size_t>(end - rest));
  for (const TempKind kind : {TempKind::file, TempKind::scratch_folder, TempKind::sample}) {
    if (tail == temp_suffix(kind)) return pid;
  }
  return 0;
}

// Removes `entry` when it is a temporary name of `final_name` whose process has ended.
bool remove_if_dead(const fs::directory_entry& entry, std::string_view final_name) {
  const long pid = temp_owner_here(entry.path().filename().string(), final_name);
  if (pid == 0 || pid == getpid() || process_runs(pid)) return false;
  std::error_code ignored;
  return fs::remove_all(entry.path(), ignored) > 0;
}

}  // namespace

fs::path temp_path_for(const fs::path& final_path, TempKind kind) {
  return folder_of(final_path) /
         fmt::format(".{}.stemviz-{}-{}{}", final_path.filename().string(), host_name(), getpid(), temp_suffix(kind));
}

std::vector<std::string> remove_dead_leftovers(const fs::path& final_path) {
  const std::string final_name = final_path.filename().string();
  std::vector<std::string> removed;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder_of(final_path), error)) {
    if (remove_if_dead(entry, final_name)) removed.push_back(entry.path().filename().string());
  }
  return removed;
}

std::vector<std::string> remove_dead_leftovers_in(const fs::path& folder) {
  std::vector<std::string> removed;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    // The final name is what lies between the leading dot and ".stemviz-".
    const std::size_t marker = name.rfind(".stemviz-");
    if (!name.starts_with('.') || marker == std::string::npos || marker < 2) continue;
    if (remove_if_dead(entry, std::string_view(name).substr(1, marker - 1))) removed.push_back(name);
  }
  return removed;
}

}  // namespace stemviz
