#include <stemviz/files.hpp>

#include <stemviz/error.hpp>

#include <fmt/format.h>

namespace stemviz {

namespace fs = std::filesystem;

TempFile::~TempFile() {
  std::error_code ignored;
  if (!kept_) fs::remove_all(path_, ignored);
}

void TempFile::keep_as(const fs::path& final_path) {
  std::error_code error;
  fs::rename(path_, final_path, error);
  if (error) {
    throw Failure(fmt::format("cannot rename {} to {}: {}", path_.string(), final_path.string(),
                              error.message()));
  }
  kept_ = true;
}

}  // namespace stemviz
