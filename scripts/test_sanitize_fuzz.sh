#!/usr/bin/env bash
# The sanitizer and fuzzing step of CI (.ci/run: scripts/test.sh with PANIC_CI_EXTRA=1).
# One build, build-fuzz/, of only the decoders of outside bytes (cmake/DecoderBuild.cmake:
# the panic_decoders library, its unit tests, the fuzz targets), with clang-14 under
# AddressSanitizer + UBSan, the library instrumented for libFuzzer:
#   1. the decoders' unit tests (panic_decoder_tests, CTest) under the sanitizers;
#   2. each fuzz target (fuzz_<name>) for PANIC_FUZZ_SECONDS (default 5) from its seed
#      corpus, which it first replays whole; new inputs go to a temporary folder.
# Each part prints its wall time; each target its executions. A sanitizer report, a failed
# test or a fuzzer finding fails the step. docs/DECODERS.md describes it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${PANIC_FUZZ_SECONDS:-5}  # 14 targets: about a minute in all (issue 9 §3)
# Each part's wall time and the CPU time (user + sys) of the processes it ran: on a busy
# machine the CPU time says more about what the part costs.
times_file=$(mktemp)
trap 'rm -f "$times_file"' EXIT
cpu_so_far() {  # sets $cpu; bash's `times` must run in this shell (a subshell sees no children)
  times >"$times_file"  # line 2: the children's user and sys time, as 1m2.345s
  cpu=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$times_file")
}
cpu_so_far
part_start=$SECONDS
part_cpu=$cpu
part_done() {
  cpu_so_far
  echo "== $1: $((SECONDS - part_start)) s wall, $((cpu - part_cpu)) s CPU"
  part_start=$SECONDS
  part_cpu=$cpu
}

echo "== configure build-fuzz/ (decoders only; clang-14, ASan + UBSan + libFuzzer)"
# -O1 -gline-tables-only (file:line in every report, without full debug info), and without
# NDEBUG: assertions (ours and nlohmann::json's) are checked too.
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
      -DCMAKE_CXX_COMPILER=clang++-14 -DPANIC_FUZZ=ON -DPANIC_BUILD_BENCH=OFF >/dev/null
part_done "configure"
ninja -C build-fuzz
part_done "build (library, unit tests, fuzz targets)"

# detect_leaks stays on; UBSan stops at the first report (also -fno-sanitize-recover).
export ASAN_OPTIONS=detect_stack_use_after_return=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-fuzz && ctest --output-on-failure -j "$(nproc)" --timeout 600)
part_done "unit tests under ASan + UBSan"

echo "== fuzz targets, ${seconds} s each from the seed corpus"
work=$(mktemp -d)
trap 'rm -rf "$work" "$times_file"' EXIT
for exe in build-fuzz/tests/fuzz/fuzz_*; do
  name=${exe##*/fuzz_}
  mkdir -p "$work/$name" "$work/$name.findings"
  start=$SECONDS
  # New inputs go to $work (the committed corpus is only read). A finding fails CI; the
  # log shows its bytes (base64): fix it, then add it to tests/fuzz/corpus/$name/.
  if ! "$exe" -max_total_time="$seconds" -rss_limit_mb=2560 -timeout=25 -print_final_stats=1 \
         -artifact_prefix="$work/$name.findings/" "$work/$name" "tests/fuzz/corpus/$name" >"$work/$name.log" 2>&1; then
    tail -n 60 "$work/$name.log"
    echo "fuzz target $name failed: see above"
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log")
  added=$(sed -n 's/^stat::new_units_added: *//p' "$work/$name.log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$work/$name.log")
  seeds=$(find "tests/fuzz/corpus/$name" -type f | wc -l)
  echo "-- $name: ${execs:-?} executions in $((SECONDS - start)) s, $seeds seeds, ${added:-?} new inputs, peak ${rss:-?} MB, no finding"
done
part_done "fuzzing"
