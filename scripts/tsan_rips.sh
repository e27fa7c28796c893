#!/bin/sh
# Builds and runs the lock-free reduction under ThreadSanitizer (clang-14):
#   scripts/tsan_rips.sh [OUT_DIR=/tmp/tsan_rips]
# Instruments the tda kernel and the driver tests/tda/tsan_rips_driver.cc; exit status
# non-zero on a race report or a differing diagram.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/tsan_rips}
mkdir -p "$out"
CXX=${CXX:-clang++-14}
flags="-std=c++20 -O1 -g -fsanitize=thread -I$src/src -I$src/tests -isystem /usr/include/x86_64-linux-gnu/openblas-pthread"
for f in tda/rips_reducer tda/triangle_sweep tda/vertex_order tda/distance_matrix tda/edge_ranks tda/diagram core/status; do
  $CXX $flags -c "$src/src/panic/$f.cpp" -o "$out/$(basename $f).o"
done
$CXX $flags "$src/tests/tda/tsan_rips_driver.cc" "$out"/*.o -lopenblas -o "$out/tsan_rips"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$out/tsan_rips"
