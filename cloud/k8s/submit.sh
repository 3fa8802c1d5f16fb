#!/usr/bin/env bash
# Runs a planned stemviz job on Kubernetes: applies the shards' Indexed Job, waits for it,
# then applies the stitch Job. The job folder must already be on the shared volume as
# /work/NAME (plan it onto a mount of that volume, or copy it in; see README.md); the
# video appears beside it as /work/NAME.mp4.
#   submit.sh JOB_FOLDER
# Settings from the environment: STEMVIZ_IMAGE (default stemviz-worker:latest),
# STEMVIZ_CLAIM (stemviz-work), STEMVIZ_CPUS per pod (16), STEMVIZ_PARALLELISM (pods at
# once; default all shards), KUBECTL (kubectl).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
job="$(cd "${1:?usage: submit.sh JOB_FOLDER}" && pwd)"
kubectl="${KUBECTL:-kubectl}"

# STEMVIZ_SHARDS, written by `stemviz plan`, read as data
# (job-env.sh lies beside this script in a recipe `plan --emit` wrote, one folder up in
# the source tree).
helper="$here/job-env.sh"
[ -f "$helper" ] || helper="$here/../job-env.sh"
# shellcheck source=../job-env.sh
. "$helper"
read_job_env "$job"
# The folder's name on the volume, and as Kubernetes names allow it (lowercase letters,
# digits and '-') for the Jobs.
STEMVIZ_FOLDER="$(basename "$job")"
STEMVIZ_NAME="$(tr '[:upper:]' '[:lower:]' <<<"$STEMVIZ_FOLDER" | tr -c 'a-z0-9-\n' '-')"
export STEMVIZ_FOLDER STEMVIZ_NAME STEMVIZ_SHARDS
export STEMVIZ_IMAGE="${STEMVIZ_IMAGE:-stemviz-worker:latest}"
export STEMVIZ_CLAIM="${STEMVIZ_CLAIM:-stemviz-work}"
export STEMVIZ_CPUS="${STEMVIZ_CPUS:-16}"
export STEMVIZ_PARALLELISM="${STEMVIZ_PARALLELISM:-$STEMVIZ_SHARDS}"
# envsubst takes the variable names literally.
# shellcheck disable=SC2016
fill() { envsubst '$STEMVIZ_FOLDER $STEMVIZ_NAME $STEMVIZ_SHARDS $STEMVIZ_IMAGE $STEMVIZ_CLAIM $STEMVIZ_CPUS $STEMVIZ_PARALLELISM' <"$1"; }

fill "$here/shards.yaml" | "$kubectl" apply -f -
shards="job/stemviz-$STEMVIZ_NAME-shards"
echo "waiting for $shards ($STEMVIZ_SHARDS pods)"
while :; do
  state="$("$kubectl" get "$shards" -o jsonpath='{.status.conditions[?(@.status=="True")].type}')"
  case "$state" in
    *Complete*) break ;;
    *Failed*)
      echo "$shards failed; see: $kubectl describe $shards, and stemviz status on the volume" >&2
      exit 1
      ;;
  esac
  sleep 10
done
fill "$here/stitch.yaml" | "$kubectl" apply -f -
"$kubectl" wait --for=condition=complete "job/stemviz-$STEMVIZ_NAME-stitch" --timeout=24h
echo "wrote /work/$STEMVIZ_FOLDER.mp4 on volume $STEMVIZ_CLAIM"
