#!/usr/bin/env bash
# Measures how much of stemviz's own code each fuzz target's inputs reach: replays the seeds
# and the working corpus that scripts/fuzz.sh grew (build-asan/fuzz/corpus/TARGET) through a
# build with clang's source-based coverage (the coverage preset), and prints the branches of
# src/ that they take. libFuzzer's own "cov" count also holds the edges of the header-only
# parsers (toml++, nlohmann-json, muParser's inlines); this one says whether a fuzz run still
# reached new stemviz code. Run it before and after a fuzz run.
#
#   scripts/fuzz-coverage.sh [TARGET...]     (default: scene shader manifest audio)
#   STEMVIZ_COVERAGE_FILES=1 scripts/fuzz-coverage.sh ...    also each file's branches
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fuzz-targets.sh"

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then targets=("${STEMVIZ_FUZZ_TARGETS[@]}"); fi

# clang, and llvm-profdata and llvm-cov of the same version to read what it writes.
install_missing "${STEMVIZ_PACKAGES[@]}" clang llvm-14
cd "$STEMVIZ_ROOT"
cmake --preset coverage >/dev/null
cmake --build --preset coverage --target "${targets[@]/#/fuzz_}"

profiles=build-coverage/fuzz
printf '%-9s %8s %9s %8s\n' target inputs branches reached
for target in "${targets[@]}"; do
  out="$profiles/$target"
  rm -rf "$out"
  mkdir -p "$out"
  mapfile -t inputs < <(fuzz_seeds "$target")
  if [ -d "build-asan/fuzz/corpus/$target" ]; then inputs+=("build-asan/fuzz/corpus/$target"); fi
  binary="build-coverage/tests/fuzz/fuzz_$target"
  LLVM_PROFILE_FILE="$out/%p.profraw" "$binary" "${inputs[@]}" >"$out/replay.log" 2>&1
  llvm-profdata-14 merge -o "$out/all.profdata" "$out"/*.profraw
  # Only the files of src/ that the target links have branches in the report.
  llvm-cov-14 report "$binary" -instr-profile="$out/all.profdata" src/*/*.cpp >"$out/report.txt"
  replayed=$(sed -n 's/^replayed \([0-9]*\) inputs.*/\1/p' "$out/replay.log")
  # Columns of llvm-cov's report: ... Branches, Missed Branches, Cover.
  read -r branches missed < <(awk '$1 == "TOTAL" { print $(NF-2), $(NF-1) }' "$out/report.txt")
  printf '%-9s %8s %9s %8s\n' "$target" "${replayed:-?}" "$branches" "$((branches - missed))"
  if [ -n "${STEMVIZ_COVERAGE_FILES:-}" ]; then
    awk 'NF >= 13 && $1 != "TOTAL" && $1 != "Filename" && $(NF-2) > 0 { printf "  %-32s %5d of %5d\n", $1, $(NF-2) - $(NF-1), $(NF-2) }' \
      "$out/report.txt"
  fi
done
