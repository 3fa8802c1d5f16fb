// The files a scene's layers name (pictures now), from the scene's folder or --cover on the
// planning machine to the job folder's assets/ and back into decoded pictures for a worker:
// workers read only the job folder.
#pragma once

#include <stemviz/job/manifest.hpp>
#include <stemviz/job/settings.hpp>
#include <stemviz/util/picture.hpp>

#include <filesystem>
#include <optional>
#include <vector>

namespace stemviz {

// The job folder's folder of scene files.
std::filesystem::path assets_folder(const std::filesystem::path& job);

// Finds, checks and decodes every file `scene` names, on this machine: relative names in
// the scene file's folder, "{cover}" as `cover` (a {cover} slot without one shows nothing).
// Throws InputError at the scene's `file:line:col` naming the file when it is missing or
// not a picture stemviz reads. Fills `files` (when given) with what a job carries.
ScenePictures read_scene_files(const SceneDescription& scene, const std::optional<std::filesystem::path>& cover,
                               std::vector<SceneAssetFile>* files = nullptr);

// Copies each file of `files` into `job`'s assets/ under its content hash, unless a file
// with those bytes is there already. Throws Failure when one cannot be written.
void copy_scene_files(const std::filesystem::path& job, const std::vector<SceneAssetFile>& files);

// Decodes the job's scene files from its assets/ folder, checking each one's size and
// SHA-256 against the manifest. Throws InputError naming a missing or changed file.
ScenePictures load_scene_files(const std::filesystem::path& job, const Manifest& manifest);

}  // namespace stemviz
