#include <stemviz/job/scene_files.hpp>

#include <stemviz/media/picture.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>
#include <stemviz/util/hash.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace stemviz {

namespace fs = std::filesystem;

fs::path assets_folder(const fs::path& job) { return job / "assets"; }

namespace {

// The extension a copied file keeps: its own when it is a short plain word, else "img".
std::string extension_of(const fs::path& path) {
  std::string extension = path.extension().string();
  if (!extension.empty()) extension.erase(0, 1);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool plain = !extension.empty() && extension.size() <= 5 &&
                     std::all_of(extension.begin(), extension.end(), [](unsigned char c) { return std::isalnum(c); });
  return plain ? extension : "img";
}

}  // namespace

ScenePictures read_scene_files(const SceneDescription& scene, const std::optional<fs::path>& cover,
                               std::vector<SceneAssetFile>* files) {
  ScenePictures pictures;
  for (const SceneAsset& asset : scene.assets) {
    fs::path path;
    if (asset.name == "{cover}") {
      if (!cover) continue;
      path = *cover;
    } else {
      const fs::path named(asset.name);
      path = named.is_absolute() || scene.folder.empty() ? named : scene.folder / named;
    }
    // Messages name the spot in the scene, and the file as this machine finds it.
    try {
      pictures.emplace(asset.name, decode_picture(path));
    } catch (const InputError& error) {
      throw InputError(fmt::format("{}: {}", asset.where.to_string(), error.what()));
    }
    if (files != nullptr) {
      const std::string sha256 = sha256_of_file(path);
      files->push_back({asset.name, fmt::format("{}.{}", sha256, extension_of(path)), sha256,
                        static_cast<std::int64_t>(fs::file_size(path)), path});
    }
  }
  return pictures;
}

void copy_scene_files(const fs::path& job, const std::vector<SceneAssetFile>& files) {
  if (files.empty()) return;
  const fs::path folder = assets_folder(job);
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) throw Failure(fmt::format("{}: cannot create it: {}", folder.string(), error.message()));
  for (const SceneAssetFile& file : files) {
    const fs::path target = folder / file.file;
    if (fs::is_regular_file(target, error) && sha256_of_file(target) == file.sha256) continue;
    TempFile temp(temp_path_for(target));
    fs::copy_file(file.source, temp.path(), fs::copy_options::overwrite_existing, error);
    if (error)
      throw Failure(fmt::format("cannot copy {} to {}: {}", file.source.string(), target.string(), error.message()));
    temp.keep_as(target);
  }
}

ScenePictures load_scene_files(const fs::path& job, const Manifest& manifest) {
  ScenePictures pictures;
  for (const SceneAssetFile& file : manifest.assets) {
    const fs::path path = assets_folder(job) / file.file;
    std::error_code error;
    const bool present = fs::is_regular_file(path, error);
    if (!present || static_cast<std::int64_t>(fs::file_size(path, error)) != file.bytes ||
        sha256_of_file(path) != file.sha256) {
      throw InputError(fmt::format("{}: {}, the scene's \"{}\"; plan the job again", path.string(),
                                   present ? "changed since the job was planned" : "missing", file.name));
    }
    pictures.emplace(file.name, decode_picture(path));
  }
  return pictures;
}

}  // namespace stemviz
