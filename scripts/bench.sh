#!/usr/bin/env bash
# Benchmark: a synthesized 7-stem, 89 s, 44.1 kHz drum set rendered at 1080p60 with default
# settings, against the encode-only ceiling: ffmpeg encoding the same frames from raw video
# with the same x264 preset and crf, timed in the same run.
#   BENCH_SECONDS=89  song length      BENCH_ARGS=""  extra render options
#   BENCH_PRESET=veryfast BENCH_CRF=18 must match the render's settings
#   BENCH_ROUNDS=2  turns of render and ceiling; each is reported by its fastest
#   BENCH_SCALING_SECONDS=30  length rendered for the scaling table (1, 2, 4, ... threads up to
#                             the core count)
#   BENCH_LAYER_SECONDS=15    length rendered for the layered scenes' rows
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

seconds="${BENCH_SECONDS:-89}"
preset="${BENCH_PRESET:-veryfast}"
crf="${BENCH_CRF:-18}"
rounds="${BENCH_ROUNDS:-2}"
install_missing "${STEMVIZ_PACKAGES[@]}" ffmpeg time
build_stemviz >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/stemviz-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$STEMVIZ_BUILD/stemviz-kit" "$work/stems" --seconds "$seconds" --stems 7 --rate 44100 >/dev/null

# The render and the ceiling take turns, BENCH_ROUNDS times each, and each is reported by its
# fastest run: on a shared machine the speed drifts by 10-20% over minutes, and turns and
# minima keep that drift out of the ratio. The ceiling encodes the frames stemviz drew
# (decoded back after the first render, outside the timing) from raw video.
less_than() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
render_wall="" ceiling_wall="" render_rss_kb=0
for (( round = 1; round <= rounds; round++ )); do
  # shellcheck disable=SC2086  # BENCH_ARGS is a list of options
  /usr/bin/time -f '%e %M' -o "$work/render.time" \
    "$STEMVIZ_BUILD/stemviz" render "$work/stems" -o "$work/out.mp4" -y --progress none --no-cache \
    --preset "$preset" --crf "$crf" --stats ${BENCH_ARGS:-} 2>"$work/render-$round.stats"
  read -r wall rss_kb <"$work/render.time"
  if [ "$round" -eq 1 ]; then
    ffmpeg -v error -i "$work/out.mp4" -f rawvideo -pix_fmt yuv420p "$work/frames.yuv"
  fi
  cat "$work/frames.yuv" >/dev/null  # warm the page cache so the ceiling measures encoding
  /usr/bin/time -f '%e' -o "$work/ceiling.time" \
    ffmpeg -v error -f rawvideo -pix_fmt yuv420p -s 1920x1080 -r 60 -i "$work/frames.yuv" \
    -c:v libx264 -preset "$preset" -crf "$crf" -y "$work/ceiling.mp4"
  ceiling="$(cat "$work/ceiling.time")"
  echo "round $round: render $wall s, ceiling $ceiling s" >>"$work/rounds.txt"
  if [ -z "$render_wall" ] || less_than "$wall" "$render_wall"; then
    render_wall="$wall"
    cp "$work/render-$round.stats" "$work/render.stats"
  fi
  if [ -z "$ceiling_wall" ] || less_than "$ceiling" "$ceiling_wall"; then
    ceiling_wall="$ceiling"
  fi
  render_rss_kb=$(( rss_kb > render_rss_kb ? rss_kb : render_rss_kb ))
done
frames="$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets \
  -of csv=p=0 "$work/out.mp4")"

# A preview of one 1080p frame with the features cached: the edit-and-look loop. The first
# run analyses and caches; the next three are timed and the fastest is reported, as above.
"$STEMVIZ_BUILD/stemviz" preview "$work/stems" --at 12.5 -o "$work/frame.png" -q \
  --cache-dir "$work/cache"
for _ in 1 2 3; do
  /usr/bin/time -f '%e' -a -o "$work/preview.time" \
    "$STEMVIZ_BUILD/stemviz" preview "$work/stems" --at 12.5 -o "$work/frame.png" -q -y \
    --cache-dir "$work/cache"
done
preview_wall="$(sort -n "$work/preview.time" | head -n 1)"

# Draft renders: x264's ultrafast preset (what --quality draft uses) over the whole song.
/usr/bin/time -f '%e' -o "$work/draft.time" \
  "$STEMVIZ_BUILD/stemviz" render "$work/stems" -o "$work/draft.mp4" -q --no-cache \
  --preset ultrafast --crf "$crf"
draft_wall="$(cat "$work/draft.time")"

# Scaling: the same render (shorter) on 1, 2, 4, ... worker threads up to the core count.
scaling_seconds="${BENCH_SCALING_SECONDS:-30}"
scaling=()
for (( threads = 1; threads <= $(nproc); threads *= 2 )); do
  /usr/bin/time -f '%e' -o "$work/scaling.time" \
    "$STEMVIZ_BUILD/stemviz" render "$work/stems" -o "$work/scaling.mp4" -y -q \
    --cache-dir "$work/cache" --to "$scaling_seconds" --threads "$threads" --preset "$preset" --crf "$crf"
  scaling+=("$threads $(cat "$work/scaling.time")")
done

# Analysis alone: two 20-minute stems against two 1-minute ones. Streaming means the
# longer song costs time, not memory (beyond a few bytes of features per frame).
"$STEMVIZ_BUILD/stemviz-kit" "$work/short" --seconds 60 --stems 2 >/dev/null
"$STEMVIZ_BUILD/stemviz-kit" "$work/long" --seconds 1200 --stems 2 >/dev/null
for length in short long; do
  /usr/bin/time -f '%e %M' -o "$work/analyze-$length.time" \
    "$STEMVIZ_BUILD/stemviz" analyze "$work/$length" -o "$work/$length.csv" -q --no-cache
done
read -r short_wall short_rss_kb <"$work/analyze-short.time"
read -r long_wall long_rss_kb <"$work/analyze-long.time"

# Render memory against song length: the first 3 s of each song at 1080p, once to cache
# the features and once measured, so that only what the render keeps for the whole song
# (nothing but a few bytes per 256 frames) could tell the two apart.
for length in short long; do
  for _ in cache measure; do
    /usr/bin/time -f '%M' -o "$work/render-$length.rss" \
      "$STEMVIZ_BUILD/stemviz" render "$work/$length" -o "$work/$length.mp4" -y -q \
      --cache-dir "$work/cache-$length" --to 3 --size 1080p
  done
done

# Layered scenes: the first BENCH_LAYER_SECONDS with the classic scene (for reference: a short
# render's fixed costs weigh on its ratio), the bundled layered scenes (meters, audiogram,
# album, lyrics, headline: waveforms and spectra of the mix), the stage under a title, the
# running time, lyrics and a standing cover picture, and the stage over a background video;
# each against the encode-only ceiling of its own frames, as above (one turn each).
layer_seconds="${BENCH_LAYER_SECONDS:-15}"
"$STEMVIZ_BUILD/stemviz" preview "$work/stems" --at 10 --size 1000x1000 -o "$work/cover.png" -q -y \
  --cache-dir "$work/cache"
for (( s = 0; s < layer_seconds; s += 2 )); do
  printf '[%02d:%02d.00]Line %d of the song, sung along\n' $(( s / 60 )) $(( s % 60 )) $(( s / 2 + 1 ))
done >"$work/song.lrc"
cat >"$work/layered.toml" <<'SCENE'
title = "Benchmark"
artist = "stemviz"
[[layers]]
kind = "stage"
[[layers]]
kind = "image"
file = "{cover}"
anchor = "top-left"
position = [0.03, 0.05]
height = 0.25
[[layers]]
kind = "text"
text = "{title}"
position = [0.5, 0.05]
anchor = "top"
size = 64
outline_width = 3
[[layers]]
kind = "text"
text = "{time} / {duration}"
position = [0.97, 0.95]
anchor = "bottom-right"
size = 32
[[layers]]
kind = "lyrics"
file = "{lyrics}"
position = [0.5, 0.85]
size = 56
next_line = true
SCENE
# The classic stage over a 1080p30 H.264 background video (made by stemviz from the spin
# scene): what a video layer adds is its decoding, conversion and copies.
"$STEMVIZ_BUILD/stemviz" render "$work/stems" -o "$work/background.mp4" -y -q --cache-dir "$work/cache" \
  --scene spin --to "$layer_seconds" --fps 30 --size 1080p --no-audio
{
  "$STEMVIZ_BUILD/stemviz" scenes --show classic
  printf '[[layers]]\nkind = "video"\nfile = "background.mp4"\nwidth = 1\nheight = 1\n'
  printf '[[layers]]\nkind = "stage"\n'
} >"$work/video.toml"
# One row: SCENE rendered for SECONDS against the encode-only ceiling of its own frames.
layer_row() {
  local scene="$1" seconds="$2" draw
  /usr/bin/time -f '%e' -o "$work/layer.time" \
    "$STEMVIZ_BUILD/stemviz" render "$work/stems" -o "$work/layer.mp4" -y --progress none --cache-dir "$work/cache" \
    --to "$seconds" --scene "$scene" --cover "$work/cover.png" --lyrics "$work/song.lrc" \
    --preset "$preset" --crf "$crf" --stats 2>"$work/layer.stats"
  ffmpeg -v error -y -i "$work/layer.mp4" -f rawvideo -pix_fmt yuv420p "$work/layer.yuv"
  /usr/bin/time -f '%e' -o "$work/layer-ceiling.time" \
    ffmpeg -v error -f rawvideo -pix_fmt yuv420p -s 1920x1080 -r 60 -i "$work/layer.yuv" \
    -c:v libx264 -preset "$preset" -crf "$crf" -y "$work/layer-ceiling.mp4"
  rm -f "$work/layer.yuv"
  draw="$(sed -n 's/.*draw \([0-9.]*\) ms.*/\1/p' "$work/layer.stats")"
  echo "$(basename "$scene" .toml) $(cat "$work/layer.time") $(cat "$work/layer-ceiling.time") $draw"
}
layer_rows=()
for scene in classic meters audiogram album lyrics headline "$work/layered.toml" "$work/video.toml"; do
  layer_rows+=("$(layer_row "$scene" "$layer_seconds")")
done
# The audiogram over the whole song too: a short render's fixed costs (analysis, soundtrack,
# stitch) weigh on the rows above, and the audiogram is held to 1.15 of its ceiling.
audiogram_row="$(layer_row audiogram "$seconds")"

awk -v s="$seconds" -v f="$frames" -v w="$render_wall" -v rss="$render_rss_kb" -v c="$ceiling_wall" \
  -v cores="$(nproc)" 'BEGIN {
  printf "stemviz bench: 7 stems, %.0f s, 1080p60, %d cores\n", s, cores
  printf "  render wall time     %8.2f s\n", w
  printf "  frames               %8d\n", f
  printf "  frames per second    %8.1f\n", f / w
  printf "  real-time factor     %8.2fx\n", s / w
  printf "  peak RSS             %8.0f MB\n", rss / 1024
  printf "  encode-only ceiling  %8.2f s (ffmpeg, libx264, same preset and crf)\n", c
  printf "  ratio to ceiling     %8.2f (fastest of each)\n", w / c
}'
sed 's/^/  /' "$work/rounds.txt"
printf "  preview, one frame   %8.2f s (features cached, fastest of 3)\n" "$preview_wall"
awk -v s="$seconds" -v w="$draft_wall" 'BEGIN {
  printf "  draft (ultrafast)    %8.2f s, %.2fx real time\n", w, s / w
}'
grep -E '^stemviz: (wall time|worker time)' "$work/render.stats" | sed 's/^stemviz: /  /'
printf "stemviz bench: scaling, the first %s s at 1080p60 (%s frames)\n" "$scaling_seconds" "$((scaling_seconds * 60))"
printf '%s\n' "${scaling[@]}" | awk -v frames="$((scaling_seconds * 60))" '
  NR == 1 { one = $2 }
  { printf "  %2d threads           %8.2f s %7.1f frames/s %5.2fx of 1 thread\n", $1, $2, frames / $2, one / $2 }'

awk -v sw="$short_wall" -v sr="$short_rss_kb" -v lw="$long_wall" -v lr="$long_rss_kb" 'BEGIN {
  printf "stemviz bench: analyze, 2 stems, 44.1 kHz\n"
  printf "  1 minute             %8.2f s %6.0f MB peak RSS\n", sw, sr / 1024
  printf "  20 minutes           %8.2f s %6.0f MB peak RSS\n", lw, lr / 1024
}'
awk -v sr="$(cat "$work/render-short.rss")" -v lr="$(cat "$work/render-long.rss")" 'BEGIN {
  printf "stemviz bench: render memory, 2 stems, the first 3 s at 1080p60, features cached\n"
  printf "  1-minute song        %8.0f MB peak RSS\n", sr / 1024
  printf "  20-minute song       %8.0f MB peak RSS\n", lr / 1024
}'
printf "stemviz bench: layered scenes, the first %s s at 1080p60\n" "$layer_seconds"
printf '%s\n' "${layer_rows[@]}" | awk '
  { printf "  %-10s render %6.2f s, ceiling %6.2f s, ratio %5.2f, drawing %5.2f ms a frame\n", $1, $2, $3, $2 / $3, $4 }'
printf "stemviz bench: the audiogram scene over the whole %s s\n" "$seconds"
echo "$audiogram_row" | awk '
  { printf "  %-10s render %6.2f s, ceiling %6.2f s, ratio %5.2f, drawing %5.2f ms a frame\n", $1, $2, $3, $2 / $3, $4 }'
