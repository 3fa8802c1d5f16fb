#include <stemviz/job/recipes.hpp>

#include <stemviz/util/bundled.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>

#include <cstdlib>

namespace stemviz {

namespace fs = std::filesystem;

const std::vector<std::string>& recipe_names() {
  static const std::vector<std::string> names = {"slurm", "aws-batch", "k8s"};
  return names;
}

namespace {

// The job folder's own name ("song" for jobs/song/).
std::string folder_name(const fs::path& folder) {
  fs::path normal = fs::absolute(folder).lexically_normal();
  if (!normal.has_filename()) normal = normal.parent_path();
  return normal.filename().string();
}

// The job folder's name as Kubernetes object names allow it, as cloud/k8s/submit.sh makes it.
std::string kubernetes_name(const fs::path& folder) {
  std::string name = folder_name(folder);
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) c = '-';
  }
  return name;
}

std::string from_environment(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

fs::path emit_recipe(const fs::path& folder, const Manifest& manifest, const std::string& scheduler) {
  const std::string prefix = "cloud/" + scheduler + "/";
  const fs::path out = folder / scheduler;
  std::error_code error;
  fs::create_directories(out, error);
  if (error) throw Failure(fmt::format("cannot create {}: {}", out.string(), error.message()));
  const std::vector<std::pair<std::string, std::string>> values = {
      {"STEMVIZ_FOLDER", folder_name(folder)},
      {"STEMVIZ_NAME", kubernetes_name(folder)},
      {"STEMVIZ_SHARDS", std::to_string(manifest.shards)},
      {"STEMVIZ_PARALLELISM", from_environment("STEMVIZ_PARALLELISM", std::to_string(manifest.shards).c_str())},
      {"STEMVIZ_IMAGE", from_environment("STEMVIZ_IMAGE", "stemviz-worker:latest")},
      {"STEMVIZ_CLAIM", from_environment("STEMVIZ_CLAIM", "stemviz-work")},
      {"STEMVIZ_CPUS", from_environment("STEMVIZ_CPUS", "16")},
  };
  for (const BundledFile& file : bundled_files()) {
    // The scripts' reader of job.env (cloud/job-env.sh) goes beside them.
    const bool helper = file.path == "cloud/job-env.sh";
    if (!file.path.starts_with(prefix) && !helper) continue;
    const std::string name(helper ? "job-env.sh" : file.path.substr(prefix.size()));
    // The Dockerfile builds from the source tree, so it stays there.
    if (name.find('/') != std::string::npos || name == "Dockerfile") continue;
    std::string text(file.text);
    if (name.ends_with(".yaml")) {
      for (const auto& [key, value] : values) {
        const std::string placeholder = "${" + key + "}";
        for (std::size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at)) {
          text.replace(at, placeholder.size(), value);
          at += value.size();
        }
      }
    }
    TempFile temp(temp_path_for(out / name));
    write_file(temp.path(), text);
    if (name.ends_with(".sh") || name.ends_with(".sbatch")) {
      fs::permissions(temp.path(), fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                      fs::perm_options::add, error);
    }
    temp.keep_as(out / name);
  }
  return out;
}

}  // namespace stemviz
