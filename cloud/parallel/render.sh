#!/usr/bin/env bash
# Renders a planned stemviz job on a few plain machines over ssh with GNU parallel, one
# shard per machine at a time, then stitches it on this machine.
#   render.sh JOB_FOLDER OUT.mp4 HOST [HOST...]
# HOST is an ssh login (host, user@host) or ':' for this machine. Each host renders
# STEMVIZ_SHARDS_PER_HOST shards at once (default 1: one shard uses every core). The job
# folder must be at the same path on every host: shared storage (NFS, ...), or set
# STEMVIZ_COPY=1 to rsync it to each host first and the segments back afterwards.
# STEMVIZ names the binary on the hosts (default: stemviz).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage="usage: render.sh JOB_FOLDER OUT.mp4 HOST [HOST...]"
job="$(cd "${1:?$usage}" && pwd)"
out="$(realpath -m "${2:?$usage}")"
shift 2
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
hosts=("$@")
stemviz="${STEMVIZ:-stemviz}"

# STEMVIZ_SHARDS, written by `stemviz plan`, read as data
# (job-env.sh lies beside this script in a recipe `plan --emit` wrote, one folder up in
# the source tree).
helper="$here/job-env.sh"
[ -f "$helper" ] || helper="$here/../job-env.sh"
# shellcheck source=../job-env.sh
. "$helper"
read_job_env "$job"

remote_hosts() {
  local host
  for host in "${hosts[@]}"; do
    [ "$host" = ":" ] || printf '%s\n' "$host"
  done
}

mapfile -t remotes < <(remote_hosts)
if [ "${STEMVIZ_COPY:-0}" = 1 ]; then
  for host in "${remotes[@]}"; do
    ssh -n "$host" mkdir -p "$(printf '%q' "$job")"
    rsync -a --exclude segments/ --exclude logs/ "$job/" "$host:$(printf '%q' "$job")/"
  done
fi

login="$(IFS=,; echo "${hosts[*]}")"
# A failed shard is retried (possibly elsewhere) and renders only the chunks not done.
seq 0 $((STEMVIZ_SHARDS - 1)) |
  parallel --will-cite --sshlogin "$login" --jobs "${STEMVIZ_SHARDS_PER_HOST:-1}" --retries 2 --halt soon,fail=1 --tag \
    "$(printf '%q' "$stemviz")" shard "$(printf '%q' "$job")" --index {} --progress lines

if [ "${STEMVIZ_COPY:-0}" = 1 ]; then
  for host in "${remotes[@]}"; do
    rsync -a --exclude '.*.stemviz-*' "$host:$(printf '%q' "$job")/segments/" "$job/segments/"
  done
fi
"$stemviz" stitch "$job" -o "$out" -y --progress lines
