#!/usr/bin/env bash
# Submits a planned stemviz job to AWS Batch: uploads the job folder to S3, submits an
# array job with one child per shard, and a stitch job that depends on the whole array
# (it starts only when every child succeeded).
#   submit.sh JOB_FOLDER s3://BUCKET/PREFIX s3://BUCKET/OUT.mp4
# Needs the AWS CLI with credentials, a job queue (STEMVIZ_QUEUE, default stemviz) and the
# two job definitions in this folder registered (see README.md).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage="usage: submit.sh JOB_FOLDER s3://BUCKET/PREFIX s3://BUCKET/OUT.mp4"
job="$(cd "${1:?$usage}" && pwd)"
prefix="${2:?$usage}"
prefix="${prefix%/}/$(basename "$job")"
output="${3:?$usage}"
queue="${STEMVIZ_QUEUE:-stemviz}"

# STEMVIZ_SHARDS and the job's hash, written by `stemviz plan`, read as data
# (job-env.sh lies beside this script in a recipe `plan --emit` wrote, one folder up in
# the source tree).
helper="$here/job-env.sh"
[ -f "$helper" ] || helper="$here/../job-env.sh"
# shellcheck source=../job-env.sh
. "$helper"
read_job_env "$job"

aws s3 sync --only-show-errors "$job/" "$prefix/" --exclude "segments/*" --exclude "logs/*"
name="stemviz-${STEMVIZ_JOB_HASH:0:12}"
shard_args=(--job-name "$name-shards" --job-queue "$queue" --job-definition stemviz-shard
  --parameters "job=$prefix" --query jobId --output text)
# An array needs at least two children; a job of one shard goes as a plain job, which the
# worker treats as index 0.
if [ "$STEMVIZ_SHARDS" -gt 1 ]; then shard_args+=(--array-properties "size=$STEMVIZ_SHARDS"); fi
shards="$(aws batch submit-job "${shard_args[@]}")"
stitch="$(aws batch submit-job --job-name "$name-stitch" --job-queue "$queue" \
  --job-definition stemviz-stitch --depends-on "jobId=$shards" \
  --parameters "job=$prefix,output=$output" --query jobId --output text)"
echo "shards: $shards ($STEMVIZ_SHARDS children); stitch: $stitch"
echo "follow with: aws batch describe-jobs --jobs $shards $stitch"
