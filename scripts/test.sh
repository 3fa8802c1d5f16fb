#!/usr/bin/env bash
# Installs what is missing, builds stemviz and its tests, and runs every test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

install_missing "${STEMVIZ_PACKAGES[@]}"
build_stemviz
cd "$STEMVIZ_BUILD"
ctest --output-on-failure --parallel "$(nproc)" --timeout 600
