// The scheduler recipes of cloud/ that `stemviz plan --emit` writes into a job folder,
// filled in for that job.
#pragma once

#include <stemviz/job/manifest.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace stemviz {

// The schedulers `stemviz plan --emit` writes recipes for: "slurm", "aws-batch", "k8s".
const std::vector<std::string>& recipe_names();

// Writes the cloud/ recipe for `scheduler` (one of recipe_names()) into folder/scheduler/:
// its scripts as they are (they read job.env), Kubernetes manifests filled in for this job
// (${STEMVIZ_IMAGE}, ${STEMVIZ_CLAIM} and ${STEMVIZ_CPUS} from the environment when set).
// Returns the folder written.
std::filesystem::path emit_recipe(const std::filesystem::path& folder, const Manifest& manifest,
                                  const std::string& scheduler);

}  // namespace stemviz
