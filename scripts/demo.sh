#!/usr/bin/env bash
# Fresh Debian 12 to a finished video: installs what is missing, builds stemviz (Release),
# synthesizes the example drum stems and renders them to out/demo.mp4.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

install_missing "${STEMVIZ_PACKAGES[@]}"
build_stemviz
cd "$STEMVIZ_ROOT"
"$STEMVIZ_BUILD/stemviz-kit" out/example-stems --seconds 20
"$STEMVIZ_BUILD/stemviz" render out/example-stems -o out/demo.mp4 -y
echo "demo: open out/demo.mp4"
