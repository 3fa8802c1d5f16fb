// A job's soundtrack files: the master (the stems' mix, or the mix given with --audio)
// that `plan` writes, and its encoding in the output's audio codec that the stitch joins.
#pragma once

#include <stemviz/audio/stems.hpp>
#include <stemviz/job/job_folder.hpp>
#include <stemviz/job/manifest.hpp>

#include <filesystem>
#include <vector>

namespace stemviz {

// Writes the job's soundtrack master from `stems` (mixed at `gain`), or from `given_mix`
// (--audio) when not null, unless it is there and checks out; nothing for a silent video.
// Only the machine that plans a job has the stems.
void write_soundtrack(const std::filesystem::path& folder, const Manifest& manifest, const std::vector<StemInfo>& stems,
                      float gain, const StemInfo* given_mix);

// The soundtrack's AAC encoding, made from the master when it is not there yet.
void prepare_soundtrack(const LoadedJob& job);

// Where the soundtrack encoded for the output lives in the job folder `folder`: audio.EXT,
// in the output's container (for an image sequence, FLAC or WAV).
std::filesystem::path encoded_soundtrack(const std::filesystem::path& folder, const Manifest& m);

}  // namespace stemviz
