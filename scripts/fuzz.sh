#!/usr/bin/env bash
# Builds the libFuzzer targets (the asan preset: clang with AddressSanitizer and UBSan) and
# runs each one for a while, growing a working corpus from the seeds in tests/fuzz/corpus.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s; scene shader manifest audio lyrics)
#
# A crash stops that target: libFuzzer saves the input under build-asan/fuzz/crashes/TARGET/.
# Once it is fixed, copy the input into tests/fuzz/corpus/TARGET/, so that ctest replays it
# in every build from then on. Exits 1 if any target crashed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/fuzz-targets.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then targets=("${STEMVIZ_FUZZ_TARGETS[@]}"); fi

cmake --preset asan >/dev/null
cmake --build --preset asan --target "${targets[@]/#/fuzz_}"

# Leaks are not checked: pango and fontconfig keep caches for the life of the process.
export ASAN_OPTIONS=detect_leaks=0
export UBSAN_OPTIONS=print_stacktrace=1

# Runs one target; its log is build-asan/fuzz/TARGET.log, its exit status TARGET.status.
fuzz_one() {
  local target="$1"
  local work="build-asan/fuzz/corpus/$target" crashes="build-asan/fuzz/crashes/$target/"
  local log="build-asan/fuzz/$target.log"
  mkdir -p "$work" "$crashes"
  local seeds
  mapfile -t seeds < <(fuzz_seeds "$target")
  # A dictionary of the format's keys and words, where there is one, lets mutations get
  # past the reader's key checks instead of stopping at the first unknown key.
  local options=()
  if [ -f "tests/fuzz/$target.dict" ]; then options+=(-dict="tests/fuzz/$target.dict"); fi
  local status=0
  "build-asan/tests/fuzz/fuzz_$target" "$work" "${seeds[@]}" -max_total_time="$seconds" -timeout=20 \
    -max_len=16384 -artifact_prefix="$crashes" -print_final_stats=1 "${options[@]}" >"$log" 2>&1 || status=$?
  echo "$status" >"build-asan/fuzz/$target.status"
}

# One target per core at a time: each gets the whole of SECONDS on a core of its own, and
# on a 2-core machine the five take three rounds instead of five.
for target in "${targets[@]}"; do
  while [ "$(jobs -pr | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait

failed=0
printf '%-9s %12s %9s %9s %8s\n' target executions coverage features corpus
for target in "${targets[@]}"; do
  log="build-asan/fuzz/$target.log" crashes="build-asan/fuzz/crashes/$target/"
  status=$(cat "build-asan/fuzz/$target.status")
  # The last status line says the coverage reached ("cov:" edges, "ft:" features, "corp:").
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  coverage=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  features=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  printf '%-9s %12s %9s %9s %8s\n' "$target" "${executions:-?}" "${coverage:-?}" "${features:-?}" "${corpus:-?}"
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "fuzz_$target failed (exit $status); the input is in $crashes, the report in $log:" >&2
    grep -E 'ERROR|runtime error|SUMMARY' "$log" | head -n 5 >&2 || true
  fi
done
exit "$failed"
