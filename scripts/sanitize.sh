#!/usr/bin/env bash
# Builds stemviz under AddressSanitizer with UndefinedBehaviorSanitizer (the asan preset,
# clang) and under ThreadSanitizer (the tsan preset), runs the unit tests and a few short
# end-to-end renders under each, then every fuzz target for a bounded time. CI runs it
# after scripts/test.sh.
#
#   scripts/sanitize.sh [FUZZ_SECONDS_PER_TARGET]     (default 30)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
fuzz_seconds="${1:-30}"

# clang, with the runtimes of the sanitizers and of libFuzzer, and LLVM's OpenMP runtime
# (with Archer, which tells ThreadSanitizer about OpenMP's synchronization).
install_missing "${STEMVIZ_PACKAGES[@]}" clang libclang-rt-14-dev libomp-14-dev
cd "$STEMVIZ_ROOT"

# Renders that cover the render pool, the encoders, sharded jobs and interruption; each
# checks its output with libav like the rest of the suite.
renders='^integration: ?(default render|output does not depend on thread count|a job rendered in shards|SIGTERM stops)'
# A layered scene (with every kind of layer: a video decoded per worker, waveforms and
# spectra read from the feature file) lays text out with Pango on every worker. Pango and HarfBuzz share their
# caches between threads under GLib's locks, which tests/tsan.supp has to hide (GLib is not
# instrumented), so ThreadSanitizer reports races inside them that their locks prevent: that
# render runs under AddressSanitizer only.
layered='|a layered scene|a video layer|a waveform|a spectrum'

for preset in asan tsan; do
  echo "sanitize: building and testing the $preset preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target stemviz stemviz-kit stemviz_unit_tests stemviz_integration_tests
  extra=""
  if [ "$preset" = asan ]; then extra="$layered"; fi
  ctest --preset "$preset" --parallel "$(nproc)" --timeout 900 -R "^unit: ?|${renders%)}$extra)"
done

./scripts/fuzz.sh "$fuzz_seconds"
