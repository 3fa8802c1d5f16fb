#include <stemviz/job/plan_job.hpp>

#include <stemviz/job/job_folder.hpp>
#include <stemviz/job/output_paths.hpp>
#include <stemviz/job/prepare.hpp>
#include <stemviz/job/recipes.hpp>
#include <stemviz/job/soundtrack_files.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace stemviz {

namespace fs = std::filesystem;

PlanSummary run_plan(const PlanOptions& options) {
  validate(options.job);
  check_threads(options.threads);
  if (options.shards < 1 || options.shards > 100000) {
    throw UsageError(fmt::format("--shards {}: must be from 1 to 100000", options.shards));
  }
  for (const std::string& scheduler : options.emit) {
    const auto& names = recipe_names();
    if (std::find(names.begin(), names.end(), scheduler) == names.end()) {
      throw UsageError(fmt::format("--emit {}: no recipe for it; use {}", scheduler, fmt::join(names, ", ")));
    }
  }
  if (options.cores_per_machine < 0 || options.cores_per_machine > 4096) {
    throw UsageError(
        fmt::format("--cores-per-machine {}: must be from 1 to 4096 (0: this machine's)", options.cores_per_machine));
  }
  const fs::path& folder = options.folder;
  if (folder.empty() && !options.estimate) {
    throw UsageError("give the job folder to write with -o JOB (or --estimate alone to predict the cost)");
  }
  std::error_code error;
  const fs::path parent = folder_of(folder.has_filename() ? folder : folder.parent_path());
  if (!fs::is_directory(parent, error)) {
    throw InputError(
        fmt::format("{}: the folder {} does not exist; create it first", folder.string(), parent.string()));
  }
  if (!folder.empty() && !holds_a_job_or_nothing(folder)) {
    throw InputError(
        fmt::format("{}: exists and is not a stemviz job folder; give a new or empty folder", folder.string()));
  }
  if (!folder.empty() && fs::exists(manifest_path(folder), error) && !options.overwrite) {
    throw UsageError(fmt::format("{}: already holds a job; pass -y to replace it", folder.string()));
  }
  Progress progress(0, options.progress);
  PreparedJob prepared =
      prepare_job(options.job, options.threads, options.shards, folder.empty() ? fs::path("plan") : folder, progress);
  PlanSummary summary;
  if (options.estimate) {
    progress.note("drawing and encoding sample frames on one core");
    const int cores = options.cores_per_machine > 0
                          ? options.cores_per_machine
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    summary.estimate = estimate_job(prepared, options.shards, cores);
  }
  const Manifest& m = prepared.manifest;
  if (!folder.empty()) {
    write_job(folder, prepared.manifest, prepared.features);
    progress.note("mixing the soundtrack");
    write_soundtrack(folder, m, prepared.stems, prepared.features.analysis.mix_gain,
                     prepared.given_mix ? &*prepared.given_mix : nullptr);
    for (const std::string& scheduler : options.emit) summary.recipes.push_back(emit_recipe(folder, m, scheduler));
  }
  summary.frames = m.plan.frame_count();
  summary.chunks = m.plan.chunks.size();
  summary.shards = m.shards;
  summary.hash = m.hash;
  return summary;
}

}  // namespace stemviz
