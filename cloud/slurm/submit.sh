#!/usr/bin/env bash
# Submits a planned stemviz job to Slurm: an array job with one task per shard, at most
# MAX_RUNNING at a time, then the stitch, which starts only once every shard succeeded.
#   submit.sh JOB_FOLDER OUT.mp4 [MAX_RUNNING]
# The job folder and the output's folder must be on storage that every node mounts at the
# same path. Each shard gets a whole node (--exclusive) unless STEMVIZ_CPUS_PER_SHARD is
# set. Set STEMVIZ to the binary's path if it is not on PATH, and SBATCH_* variables
# (SBATCH_PARTITION, SBATCH_ACCOUNT, ...) for your site; see cloud/slurm/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage="usage: submit.sh JOB_FOLDER OUT.mp4 [MAX_RUNNING]"
job="$(cd "${1:?$usage}" && pwd)"
out="$(realpath -m "${2:?$usage}")"
max_running="${3:-16}"

# STEMVIZ_SHARDS and the other facts of the job, written by `stemviz plan`, read as data
# (job-env.sh lies beside this script in a recipe `plan --emit` wrote, one folder up in
# the source tree).
helper="$here/job-env.sh"
[ -f "$helper" ] || helper="$here/../job-env.sh"
# shellcheck source=../job-env.sh
. "$helper"
read_job_env "$job"

mkdir -p "$job/logs"
# The scripts read these from the environment sbatch passes on; exporting them here is
# faster than an --export list, which costs every task a lookup.
export STEMVIZ_JOB="$job" STEMVIZ_OUTPUT="$out" STEMVIZ="${STEMVIZ:-stemviz}"

if [ -n "${STEMVIZ_CPUS_PER_SHARD:-}" ]; then
  resources=(--cpus-per-task="$STEMVIZ_CPUS_PER_SHARD")
else
  resources=(--exclusive)  # one shard per machine, rendering on every core
fi
shards="$(sbatch --parsable "${resources[@]}" --job-name=stemviz-shard --array="0-$((STEMVIZ_SHARDS - 1))%$max_running" \
  -o "$job/logs/shard-%a.log" "$here/shard.sbatch")"
shards="${shards%%;*}"
# Without --kill-on-invalid-dep a failed shard would leave the stitch pending forever.
stitch="$(sbatch --parsable --job-name=stemviz-stitch --dependency="afterok:$shards" \
  --kill-on-invalid-dep=yes -o "$job/logs/stitch.log" "$here/stitch.sbatch")"
stitch="${stitch%%;*}"

echo "shards: job $shards ($STEMVIZ_SHARDS tasks, at most $max_running at once); stitch: job $stitch"
echo "follow with: stemviz status '$job'   logs in $job/logs"
echo "STEMVIZ_SHARD_JOB=$shards STEMVIZ_STITCH_JOB=$stitch"
