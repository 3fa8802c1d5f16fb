// The files a scene's layers name (pictures, lyrics), from the scene's folder, --cover or
// --lyrics on the planning machine to the job folder's assets/ and back into what a worker
// draws: workers read only the job folder.
#pragma once

#include <stemviz/job/manifest.hpp>
#include <stemviz/job/settings.hpp>
#include <stemviz/scene/scene_inputs.hpp>

#include <filesystem>
#include <optional>
#include <vector>

namespace stemviz {

// The job folder's folder of scene files.
std::filesystem::path assets_folder(const std::filesystem::path& job);

// Finds, checks and reads every file `scene` names, on this machine: relative names in the
// scene file's folder, "{cover}" and "{lyrics}" as `look` gives them (a slot without a file
// shows nothing). Throws InputError at the scene's `file:line:col` naming the file when it
// is missing, not a picture stemviz reads, or not LRC or SRT. Fills `files` (when given)
// with what a job carries.
SceneInputs read_scene_files(const SceneDescription& scene, const LookOptions& look,
                             std::vector<SceneAssetFile>* files = nullptr);

// Copies each file of `files` into `job`'s assets/ under its content hash, unless a file
// with those bytes is there already. Throws Failure when one cannot be written.
void copy_scene_files(const std::filesystem::path& job, const std::vector<SceneAssetFile>& files);

// Reads the job's scene files from its assets/ folder, checking each one's size and
// SHA-256 against the manifest. Throws InputError naming a missing or changed file.
SceneInputs load_scene_files(const std::filesystem::path& job, const Manifest& manifest);

}  // namespace stemviz
