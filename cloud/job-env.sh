# shellcheck shell=bash
# Sourced by the recipes' scripts (never by a job): read_job_env JOB_FOLDER sets
# STEMVIZ_JOB_HASH, STEMVIZ_SHARDS, STEMVIZ_CHUNKS and STEMVIZ_FRAMES from the folder's
# job.env, which `stemviz plan` writes. The file is read as KEY=value data, never run: a job
# folder may come from a shared bucket, and a line added to it must not execute on the
# machine that submits. Anything but the keys stemviz writes, with the values it writes, is
# refused with exit code 3, naming the file and the line.

read_job_env() {
  local file="$1/job.env" line key value number=0
  # shellcheck disable=SC2034  # for the scripts that source this
  STEMVIZ_JOB_HASH="" STEMVIZ_SHARDS="" STEMVIZ_CHUNKS="" STEMVIZ_FRAMES=""
  refuse() {
    echo "$file:$number: not what stemviz plan writes ($1); plan the job again" >&2
    exit 3
  }
  [ -f "$file" ] || { echo "$file: missing; give a folder made by stemviz plan" >&2; exit 3; }
  while IFS= read -r line || [ -n "$line" ]; do
    number=$((number + 1))
    case "$line" in '' | '#'*) continue ;; esac
    [[ "$line" == *=* ]] || refuse "no KEY=value"
    key="${line%%=*}"
    value="${line#*=}"
    case "$key" in
      STEMVIZ_JOB_HASH) [[ "$value" =~ ^[0-9a-f]{64}$ ]] || refuse "the hash is 64 hex digits" ;;
      STEMVIZ_SHARDS | STEMVIZ_CHUNKS | STEMVIZ_FRAMES)
        [[ "$value" =~ ^[1-9][0-9]{0,11}$ ]] || refuse "$key is a whole number" ;;
      *) refuse "no key $key" ;;
    esac
    printf -v "$key" '%s' "$value"
  done <"$file"
  if [ -z "$STEMVIZ_JOB_HASH" ] || [ -z "$STEMVIZ_SHARDS" ]; then
    number=0
    refuse "STEMVIZ_JOB_HASH or STEMVIZ_SHARDS missing"
  fi
}
