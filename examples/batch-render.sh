#!/usr/bin/env bash
# Renders every song under a folder, one subfolder of stems per song, N at a time, and
# prints a summary table. A song whose video is newer than all of its stems is skipped, so
# running it again after adding songs renders only the new ones.
#
#   examples/batch-render.sh SONGS_DIR OUT_DIR [-j N] [--ext EXT] [-- RENDER OPTIONS...]
#
# Videos go to OUT_DIR/SONG.EXT (EXT mp4 unless given: use mov with --codec prores, webm
# with vp9, mkv with ffv1), each render's messages to OUT_DIR/logs/SONG.log. Names may hold
# spaces and any Unicode. Exit code 0 when every song was rendered or skipped, 1 otherwise.
# STEMVIZ names the binary when it is not on PATH.
set -euo pipefail

usage() {
  echo "usage: batch-render.sh SONGS_DIR OUT_DIR [-j N] [--ext EXT] [-- RENDER OPTIONS...]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
songs="$1"
out_dir="$2"
shift 2
jobs=2
ext=mp4
while [ $# -gt 0 ]; do
  case "$1" in
    -j) jobs="${2:?-j needs a number}"; shift 2 ;;
    --ext) ext="${2#.}"; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
render_options=("$@")
stemviz="${STEMVIZ:-stemviz}"
[ -d "$songs" ] || { echo "batch-render.sh: $songs is not a folder" >&2; exit 3; }
mkdir -p "$out_dir/logs"
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

# Renders one song, or skips it; writes "status<TAB>seconds" to the results folder.
render_song() {
  local song="$1" name out started status
  name="$(basename "$song")"
  out="$out_dir/$name.$ext"
  if [ -f "$out" ] && [ -z "$(find "$song" -type f -newer "$out" -print -quit)" ]; then
    printf 'skipped\t0.0\n' >"$results/$name"
    return
  fi
  started="$(date +%s%N)"
  if "$stemviz" render "$song" -o "$out" -y --progress lines "${render_options[@]}" >"$out_dir/logs/$name.log" 2>&1; then
    status=rendered
  else
    status="failed (exit $?)"
  fi
  local tenths=$((($(date +%s%N) - started) / 100000000))
  printf '%s\t%d.%d\n' "$status" $((tenths / 10)) $((tenths % 10)) >"$results/$name"
}

mapfile -d '' song_dirs < <(find "$songs" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -print0 | sort -z)
running=0
for song in "${song_dirs[@]}"; do
  render_song "$song" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

failures=0
printf '%-40s %-16s %8s\n' "song" "result" "seconds"
for song in "${song_dirs[@]}"; do
  name="$(basename "$song")"
  IFS=$'\t' read -r status seconds <"$results/$name" || { status="failed (no result)"; seconds=0; }
  [[ "$status" == failed* ]] && failures=$((failures + 1))
  printf '%-40s %-16s %8s\n' "$name" "$status" "$seconds"
done
printf '%d songs, %d failed; videos in %s\n' "${#song_dirs[@]}" "$failures" "$out_dir"
[ "$failures" -eq 0 ]
