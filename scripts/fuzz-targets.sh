# shellcheck shell=bash
# The fuzz targets and the seeds of each, for fuzz.sh and fuzz-coverage.sh (sourced by both;
# tests/fuzz/CMakeLists.txt gives ctest's replay the same folders).

# shellcheck disable=SC2034  # read by the scripts that source this file
STEMVIZ_FUZZ_TARGETS=(scene shader manifest audio lyrics)

# Prints the folders of TARGET's seeds, one a line: its corpus, and the bundled files of its
# format.
fuzz_seeds() {
  echo "tests/fuzz/corpus/$1"
  case "$1" in
    scene) echo scenes ;;
    shader) echo shaders ;;
  esac
}
