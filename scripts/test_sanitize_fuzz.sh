#!/usr/bin/env bash
# The sanitizer and fuzzing step of CI (scripts/test.sh runs it when PANIC_CI_EXTRA=1):
#   1. unit tests built with AddressSanitizer + UBSan (-DPANIC_SANITIZE=ON) in build-asan/,
#      run with CTest: by default the decoder and pure-algorithm tests and every corpus
#      replay; PANIC_SANITIZE_TESTS=REGEX picks others, PANIC_SANITIZE_TESTS=all runs all;
#   2. each fuzz target built with clang-14 -fsanitize=fuzzer,address,undefined in
#      build-fuzz/ and run for PANIC_FUZZ_SECONDS (default 8) on a copy of its corpus.
# Each part prints its wall time. docs/DECODERS.md describes the decoders and fuzz targets.
set -euo pipefail
cd "$(dirname "$0")/.."
part_start=$SECONDS
part_done() { echo "== $1: $((SECONDS - part_start)) s"; part_start=$SECONDS; }

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPANIC_SANITIZE=ON -DPANIC_BUILD_BENCH=OFF >/dev/null
# By default the layers whose code decodes outside bytes or is pure arithmetic, and every
# corpus replay; PANIC_SANITIZE_TESTS=all builds and runs the whole suite (slower: the
# pipeline tests run models under ASan).
default_tests='^(fuzz_replay[.]|Npy|Npz|ImageCodec|Store|ExperimentConfig|Status|TdaPointReader|TdaCli|Rips|DiagramDistance|PersistentEntropy|CompareDiagrams)'
if [ "${PANIC_SANITIZE_TESTS:-}" = all ]; then
  ninja -C build-asan
  filter=()
else
  ninja -C build-asan panic_core_tests panic_store_tests panic_tda_tests panic_cli_tests \
        $(ninja -C build-asan -t targets all | grep -o '^fuzz_replay_[a-z_]*' | sort -u)
  filter=(-R "${PANIC_SANITIZE_TESTS:-$default_tests}")
fi
# detect_leaks stays on; UBSan stops at the first report (also -fno-sanitize-recover).
export ASAN_OPTIONS=detect_stack_use_after_return=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
part_done "sanitizer build"
(cd build-asan && ctest --output-on-failure -j "$(nproc)" --timeout 1800 "${filter[@]}")
part_done "sanitizer tests"

echo "== fuzz targets, ${PANIC_FUZZ_SECONDS:-8} s each (build-fuzz/, clang-14, libFuzzer + ASan + UBSan)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
      -DPANIC_FUZZ=ON -DPANIC_BUILD_BENCH=OFF >/dev/null
ninja -C build-fuzz panic_fuzzers
part_done "fuzz build"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for exe in build-fuzz/tests/fuzz/fuzz_*; do
  name=${exe##*/fuzz_}
  mkdir -p "$work/$name" "$work/$name.findings"
  echo "-- $name"
  # New inputs go to $work (the committed corpus is only read). A finding fails CI; the
  # log shows its bytes (base64): add it to tests/fuzz/corpus/$name/ once fixed.
  if ! "$exe" -max_total_time="${PANIC_FUZZ_SECONDS:-8}" -rss_limit_mb=2560 -timeout=25 -print_final_stats=1 \
         -artifact_prefix="$work/$name.findings/" "$work/$name" "tests/fuzz/corpus/$name" >"$work/$name.log" 2>&1; then
    tail -n 60 "$work/$name.log"
    echo "fuzz target $name failed: see above"
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^Done" "$work/$name.log" || true
done
part_done "fuzzing"
