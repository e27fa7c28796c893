#!/usr/bin/env bash
# Builds everything the tests need (installing what is missing) and runs the whole test
# suite (CTest; it includes each fuzz target's corpus replay, tests/fuzz). A build/ this
# script configures has no benchmarks (-DPANIC_BUILD_BENCH=OFF: no test runs one) and line
# tables only for debug information (-g1: backtraces and test failures keep file:line; a
# sample of 20 of our files compiled in 0.75 of the CPU time of -g, docs/DECODERS.md); a
# build/ configured before keeps its options.
#
# PANIC_CI_EXTRA=1 (.ci/run sets it) adds, after the suite, scripts/test_sanitize_fuzz.sh:
# the decoders of outside bytes built alone with clang-14 under AddressSanitizer + UBSan
# (build-fuzz/), their unit tests, then each fuzz target for PANIC_FUZZ_SECONDS (default 5)
# from its seed corpus. docs/DECODERS.md describes the decoders, their limits and the step.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build -DPANIC_BUILD_BENCH=OFF "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 900)

[ "${PANIC_CI_EXTRA:-0}" = 1 ] || exit 0
exec scripts/test_sanitize_fuzz.sh
