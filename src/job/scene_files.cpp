#include <stemviz/job/scene_files.hpp>

#include <stemviz/media/picture.hpp>
#include <stemviz/media/video.hpp>
#include <stemviz/util/bundled.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>
#include <stemviz/util/hash.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

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

// Reads `path` as what `asset` is into `inputs`; `shown` names it in messages.
void read_input(const SceneAsset& asset, const fs::path& path, const std::string& shown, SceneInputs& inputs) {
  if (asset.kind == SceneAsset::Kind::picture) {
    inputs.pictures.emplace(asset.name, decode_picture(path, shown));
    return;
  }
  if (asset.kind == SceneAsset::Kind::video) {
    inputs.videos.emplace(asset.name, open_video(path, shown));
    return;
  }
  std::error_code error;
  if (!fs::is_regular_file(path, error)) throw InputError(fmt::format("{}: no such lyrics file", shown));
  if (fs::file_size(path, error) > kMaxLyricsBytes)
    throw InputError(fmt::format("{}: more than the {} MiB a lyrics file may have", shown, kMaxLyricsBytes >> 20));
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  inputs.lyrics.emplace(asset.name, parse_lyrics(text, shown));
}

// What a job carries of `asset`'s file, `named` for its extension: its name in assets/ by
// content hash; the caller says where its bytes come from.
SceneAssetFile carried(const SceneAsset& asset, const fs::path& named, std::string sha256, std::uintmax_t bytes) {
  SceneAssetFile file;
  file.name = asset.name;
  file.file = fmt::format("{}.{}", sha256, extension_of(named));
  file.sha256 = std::move(sha256);
  file.bytes = static_cast<std::int64_t>(bytes);
  return file;
}

}  // namespace

SceneInputs read_scene_files(const SceneDescription& scene, const LookOptions& look,
                             std::vector<SceneAssetFile>* files) {
  SceneInputs inputs;
  for (const SceneAsset& asset : scene.assets) {
    fs::path path;
    if (asset.name == "{cover}" || asset.name == "{lyrics}") {
      const std::optional<fs::path>& given = asset.name == "{cover}" ? look.cover : look.lyrics;
      if (!given) continue;
      path = *given;
    } else {
      const fs::path named(asset.name);
      path = named.is_absolute() || scene.folder.empty() ? named : scene.folder / named;
      // The pictures bundled scenes show are bundled beside them, for a bundled scene and for
      // a copy of one (`stemviz scenes --show`) without the picture beside it.
      std::error_code missing;
      const BundledFile* bundled = named.is_relative() && (scene.files.empty() || !fs::exists(path, missing))
                                       ? find_bundled("scenes/" + named.lexically_normal().string())
                                       : nullptr;
      if (bundled != nullptr && asset.kind == SceneAsset::Kind::picture) {
        const std::string bytes(bundled->text);
        inputs.pictures.emplace(asset.name, decode_picture_bytes(bytes, std::string(bundled->path)));
        if (files != nullptr) {
          SceneAssetFile& file = files->emplace_back(carried(asset, named, Sha256().update(bytes).hex(), bytes.size()));
          file.bundled = bundled->text;
        }
        continue;
      }
    }
    // Messages name the spot in the scene, and the file as this machine finds it.
    try {
      read_input(asset, path, path.string(), inputs);
    } catch (const InputError& error) {
      throw InputError(fmt::format("{}: {}", asset.where.to_string(), error.what()));
    }
    if (files != nullptr)
      files->emplace_back(carried(asset, path, sha256_of_file(path), fs::file_size(path))).source = path;
  }
  return inputs;
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
    if (!file.bundled.empty()) {
      std::ofstream out(temp.path(), std::ios::binary);
      out.write(file.bundled.data(), static_cast<std::streamsize>(file.bundled.size()));
      out.close();
      if (!out) throw Failure(fmt::format("cannot write {}: {}", temp.path().string(), system_error_text()));
    } else {
      fs::copy_file(file.source, temp.path(), fs::copy_options::overwrite_existing, error);
      if (error)
        throw Failure(fmt::format("cannot copy {} to {}: {}", file.source.string(), target.string(), error.message()));
    }
    temp.keep_as(target);
  }
}

SceneInputs load_scene_files(const fs::path& job, const Manifest& manifest) {
  SceneInputs inputs;
  for (const SceneAsset& asset : manifest.scene.assets) {
    const auto file = std::find_if(manifest.assets.begin(), manifest.assets.end(),
                                   [&](const SceneAssetFile& f) { return f.name == asset.name; });
    if (file == manifest.assets.end()) continue;  // an empty {cover} or {lyrics} slot
    const fs::path path = assets_folder(job) / file->file;
    std::error_code error;
    const bool present = fs::is_regular_file(path, error);
    if (!present || static_cast<std::int64_t>(fs::file_size(path, error)) != file->bytes ||
        sha256_of_file(path) != file->sha256) {
      throw InputError(fmt::format("{}: {}, the scene's \"{}\"; plan the job again", path.string(),
                                   present ? "changed since the job was planned" : "missing", file->name));
    }
    read_input(asset, path, path.string(), inputs);
  }
  return inputs;
}

}  // namespace stemviz
