#!/usr/bin/env bash
# Builds everything (installing what is missing) and runs the whole test suite (CTest; it
# includes each fuzz target's corpus replay, tests/fuzz).
#
# PANIC_CI_EXTRA=1 (.ci/run sets it) adds, after the suite:
#   1. unit tests built with AddressSanitizer + UBSan (-DPANIC_SANITIZE=ON) in build-asan/,
#      run with CTest: by default the decoder and pure-algorithm tests and every corpus
#      replay; PANIC_SANITIZE_TESTS=REGEX picks others, PANIC_SANITIZE_TESTS=all runs all;
#   2. each fuzz target built with clang-14 -fsanitize=fuzzer,address,undefined in
#      build-fuzz/ and run for PANIC_FUZZ_SECONDS (default 8) on a copy of its corpus.
# docs/DECODERS.md describes the decoders, their limits and their fuzz targets.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 900)

[ "${PANIC_CI_EXTRA:-0}" = 1 ] || exit 0
exec scripts/test_sanitize_fuzz.sh
