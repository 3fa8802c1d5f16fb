// The checks every command makes of the paths it will write, before any work, and the
// scratch folder a render works in beside its output.
#pragma once

#include <stemviz/job/manifest.hpp>
#include <stemviz/media/codecs.hpp>
#include <stemviz/util/files.hpp>
#include <stemviz/util/progress.hpp>

#include <filesystem>

namespace stemviz {

// A private folder beside the output for segments and the unfinished output, so the final
// rename stays on one filesystem. Removed with everything in it when the job ends.
class ScratchDir {
 public:
  explicit ScratchDir(const std::filesystem::path& output);
  const std::filesystem::path& path() const { return folder_.path(); }

 private:
  TempFile folder_;
};

// Refuses an output path that cannot be written, or that exists without `overwrite`.
void check_output_path(const std::filesystem::path& output, bool overwrite, const char* example_name);

// Refuses an output that cannot be written, that exists without `overwrite`, or whose name
// says another container than the codec writes; for png, the output is a folder of frames.
void check_video_output(const std::filesystem::path& output, bool overwrite, VideoCodec codec);

// Refuses layer videos that would replace files without `overwrite`.
void check_layer_outputs(const std::filesystem::path& folder, const Manifest& manifest, bool overwrite);

// True when `folder` is missing, empty or holds a stemviz job: the folders a job may be
// written into without destroying anything else.
bool holds_a_job_or_nothing(const std::filesystem::path& folder);

// Removes what killed runs left beside `output` (remove_dead_leftovers), saying so.
void remove_leftovers_beside(const std::filesystem::path& output, Progress& progress);

}  // namespace stemviz
