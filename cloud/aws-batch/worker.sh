#!/usr/bin/env bash
# The container's entry point on AWS Batch. Job folders travel through S3:
#   stemviz-worker shard  S3_JOB_PREFIX            renders the shard AWS_BATCH_JOB_ARRAY_INDEX
#   stemviz-worker stitch S3_JOB_PREFIX S3_OUTPUT   joins the shards and uploads the video
# A shard downloads the job without its segments, renders its chunks (skipping those whose
# finished segments a previous attempt already uploaded), and uploads its segments. Exit
# codes are stemviz's: 3 and 4 are not worth a retry (see the job definitions).
set -euo pipefail

usage="usage: stemviz-worker shard S3_JOB_PREFIX | stitch S3_JOB_PREFIX S3_OUTPUT"
action="${1:?$usage}"
prefix="${2:?$usage}"
prefix="${prefix%/}"
work="${STEMVIZ_WORK:-/tmp/stemviz-job}"
mkdir -p "$work"

case "$action" in
  shard)
    # A job of one shard is submitted as a plain job, which has no array index.
    index="${AWS_BATCH_JOB_ARRAY_INDEX:-0}"
    aws s3 sync --only-show-errors "$prefix/" "$work/" --exclude "segments/*" --exclude "logs/*"
    # This shard's own segments from an earlier attempt, so a retry renders only what is missing.
    aws s3 sync --only-show-errors "$prefix/segments/" "$work/segments/"
    stemviz shard "$work" --index "$index" --progress lines
    aws s3 sync --only-show-errors "$work/segments/" "$prefix/segments/" --exclude "*.stemviz-*"
    ;;
  stitch)
    output="${3:?$usage}"
    aws s3 sync --only-show-errors "$prefix/" "$work/" --exclude "logs/*"
    stemviz stitch "$work" -o "$work/out.mp4" -y --progress lines
    aws s3 cp --only-show-errors "$work/out.mp4" "$output"
    ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac
