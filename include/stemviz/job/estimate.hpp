// What a job would cost: `stemviz plan --estimate` draws and encodes sample frames on one
// core and simulates each shard's chunks on its machine's cores.
#pragma once

#include <stemviz/job/prepare.hpp>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace stemviz {

// What a job would cost at one shard count.
struct ShardingEstimate {
  int shards = 0;
  int cores_per_machine = 0;
  std::int64_t chunks_per_shard = 0;  // the most any shard has
  double shard_seconds = 0.0;         // wall time of the largest shard on one machine
  double job_seconds = 0.0;           // with every shard on its own machine at once, plus the stitch
  double core_hours = 0.0;            // billed: machines x cores x their wall time
};

struct PlanEstimate {
  std::int64_t sample_frames = 0;         // frames drawn and encoded to measure
  double seconds_per_frame = 0.0;         // of one core, drawing and encoding
  double stitch_seconds = 0.0;            // joining and the soundtrack, on one core
  std::vector<ShardingEstimate> options;  // the asked shard count first, then powers of two
};

// Draws and encodes a few frames from two places in the song on this thread, then predicts
// the job's wall time and core-hours at `shards` shards (and at powers of two) on machines
// of `cores` cores. Its sample segments are temporary files in the system's temporary
// folder, removed after use.
PlanEstimate estimate_job(const PreparedJob& job, int shards, int cores);

}  // namespace stemviz
