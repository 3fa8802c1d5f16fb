#!/usr/bin/env bash
# Every shell script of the project passes shellcheck, style notes included.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v shellcheck >/dev/null; then
  if [ -n "${STEMVIZ_REQUIRE_SCHEDULERS:-}" ]; then
    echo "shellcheck is not installed (scripts/test.sh installs it)" >&2
    exit 1
  fi
  echo "skipped: shellcheck is not installed"
  exit 77
fi
mapfile -t scripts < <(find scripts cloud examples tests -type f \( -name '*.sh' -o -name '*.sbatch' \) | sort)
shellcheck -x -P SCRIPTDIR "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
