#!/usr/bin/env bash
# Installs what is missing, builds stemviz and its tests, and runs every test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

# What only the tests need: the schedulers that the cloud/ recipes' tests run for real
# (jq, rsync and envsubst for the AWS and Kubernetes stand-ins), and shellcheck for every
# script.
STEMVIZ_TEST_PACKAGES=(slurm-wlm munge parallel jq rsync gettext-base shellcheck)

install_missing "${STEMVIZ_PACKAGES[@]}" "${STEMVIZ_TEST_PACKAGES[@]}"
build_stemviz
cd "$STEMVIZ_BUILD"
# Slurm's daemons need root: as root, the recipes' tests must run rather than skip.
if [ "$(id -u)" -eq 0 ]; then export STEMVIZ_REQUIRE_SCHEDULERS=1; fi
ctest --output-on-failure --parallel "$(nproc)" --timeout 600
