#include <stemviz/job/output_paths.hpp>

#include <stemviz/job/job_folder.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <string>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

// True when `folder` holds only what write_image_sequence() writes.
bool holds_an_image_sequence(const fs::path& folder) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    const bool frame = name.starts_with("frame-") && name.ends_with(".png");
    if (!frame && name != "audio.flac" && name != "audio.wav") return false;
  }
  return !error;
}

}  // namespace

ScratchDir::ScratchDir(const fs::path& output) : folder_(temp_path_for(output, TempKind::scratch_folder)) {
  std::error_code error;
  fs::remove_all(path(), error);
  if (!fs::create_directory(path(), error)) {
    throw Failure(
        fmt::format("cannot create the scratch folder {}: {}", path().string(), error ? error.message() : "it exists"));
  }
}

// Refuses an output path that cannot be written, or that exists without `overwrite`.
void check_output_path(const fs::path& output, bool overwrite, const char* example_name) {
  const fs::path folder = folder_of(output);
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw InputError(
        fmt::format("{}: the output folder {} does not exist; create it first", output.string(), folder.string()));
  }
  if (access(folder.c_str(), W_OK) != 0) {
    throw InputError(
        fmt::format("{}: the output folder {} is not writable; choose another "
                    "output path",
                    output.string(), folder.string()));
  }
  if (fs::is_directory(output, error)) {
    throw UsageError(
        fmt::format("{}: is a folder; give a file name such as {}", output.string(), (output / example_name).string()));
  }
  if (fs::exists(output, error) && !overwrite) {
    throw UsageError(fmt::format("{}: already exists; pass -y to replace it", output.string()));
  }
}

// Refuses an output that cannot be written, that exists without `overwrite`, or whose name
// says another container than the codec writes; for png, the output is a folder of frames.
void check_video_output(const fs::path& output, bool overwrite, VideoCodec codec) {
  const CodecFacts& facts = codec_facts(codec);
  if (*facts.extension == '\0') {
    const fs::path target = output.has_filename() ? output : output.parent_path();
    const fs::path parent = folder_of(target);
    std::error_code error;
    if (!fs::is_directory(parent, error) || access(parent.c_str(), W_OK) != 0) {
      throw InputError(
          fmt::format("{}: the folder {} does not exist or is not writable; create it or choose "
                      "another",
                      target.string(), parent.string()));
    }
    if (fs::is_regular_file(target, error)) {
      throw UsageError(
          fmt::format("-o {}: is a file, but --codec png writes a folder of frames; give a folder "
                      "name",
                      target.string()));
    }
    if (fs::exists(target, error) && !overwrite) {
      throw UsageError(fmt::format("{}: already exists; pass -y to replace it", target.string()));
    }
    if (fs::is_directory(target, error) && !holds_an_image_sequence(target)) {
      throw InputError(fmt::format("{}: holds other files than a frame sequence; give a new folder", target.string()));
    }
    return;
  }
  check_output_path(output, overwrite, (std::string("out") + facts.extension).c_str());
  const std::string extension = output.extension().string();
  const bool mp4_alias = std::string(facts.extension) == ".mp4" && extension == ".m4v";
  if (extension != facts.extension && !mp4_alias) {
    throw UsageError(fmt::format("-o {}: --codec {} writes a {} file; name it {}", output.string(), facts.name,
                                 facts.extension, fs::path(output).replace_extension(facts.extension).string()));
  }
}

// Refuses layer videos that would replace files without `overwrite`.
void check_layer_outputs(const fs::path& folder, const Manifest& manifest, bool overwrite) {
  if (folder.empty() || overwrite) return;
  for (int stem = 0; stem < static_cast<int>(manifest.stems.size()); ++stem) {
    const fs::path path = layer_output_path(folder, manifest, stem);
    std::error_code error;
    if (fs::exists(path, error)) {
      throw UsageError(fmt::format("{}: already exists; pass -y to replace it", path.string()));
    }
  }
}

// True when `folder` is missing, empty or holds a stemviz job: the folders a job may be
// written into without destroying anything else.
bool holds_a_job_or_nothing(const fs::path& folder) {
  std::error_code error;
  if (!fs::exists(folder, error)) return true;
  if (!fs::is_directory(folder, error)) return false;
  return fs::is_empty(folder, error) || fs::exists(manifest_path(folder), error);
}

void remove_leftovers_beside(const fs::path& output, Progress& progress) {
  for (const std::string& name : remove_dead_leftovers(output)) {
    progress.note(fmt::format("removed {}, left by a run that was killed", name));
  }
}

}  // namespace stemviz
