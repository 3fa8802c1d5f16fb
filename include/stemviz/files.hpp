// Output files that appear only when complete: written under a temporary name beside their
// final path (so the rename never crosses filesystems) and renamed at the end.
#pragma once

#include <filesystem>

namespace stemviz {

// A temporary file (or folder, with all in it) that is removed when this object goes away,
// unless it was renamed into place with keep_as().
class TempFile {
 public:
  explicit TempFile(std::filesystem::path path) : path_(std::move(path)) {}
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Renames the file to `final_path`; throws Failure naming both when that fails.
  void keep_as(const std::filesystem::path& final_path);

 private:
  std::filesystem::path path_;
  bool kept_ = false;
};

}  // namespace stemviz
