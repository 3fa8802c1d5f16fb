#!/usr/bin/env bash
# Installs the Debian 12 packages stemviz needs (only those missing) and builds it.
# Sourced by demo.sh, test.sh and bench.sh; usable alone: ./scripts/setup.sh [build-dir]
set -euo pipefail

STEMVIZ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STEMVIZ_BUILD="${STEMVIZ_BUILD:-$STEMVIZ_ROOT/build}"

STEMVIZ_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libsndfile1-dev libfftw3-dev libavcodec-dev libavformat-dev libavutil-dev libswresample-dev libswscale-dev
  libcairo2-dev libtbb-dev libyuv-dev libfmt-dev libcli11-dev doctest-dev nlohmann-json3-dev
  libssl-dev libpango1.0-dev libtomlplusplus-dev libmuparser-dev
  fonts-dejavu-core fonts-wqy-microhei fonts-noto-color-emoji
)

# Installs the given packages that are not installed yet, with sudo unless root.
install_missing() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
}

build_stemviz() {
  cmake -S "$STEMVIZ_ROOT" -B "$STEMVIZ_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$STEMVIZ_BUILD" --parallel "$(nproc)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  [ $# -gt 0 ] && STEMVIZ_BUILD="$1"
  install_missing "${STEMVIZ_PACKAGES[@]}"
  build_stemviz
fi
