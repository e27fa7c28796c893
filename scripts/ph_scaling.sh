#!/usr/bin/env bash
# Issue 18's scaling table: bench_ph_rips at maxdim 2 on both cloud families (the unit-sphere
# walk and the walk with returns), exact, and approximate on the projected walk at
# N = 100 000, one run a row. Prints a Markdown table: wall and user seconds and peak RSS
# from /usr/bin/time, the bars from the bench. Before each row bench_cpu_pair probes the
# machine's first two CPUs (about 10 s): on a virtual machine they may share a core with
# each other or with outside work, which moves two-thread times by 20 % and more
# (docs/TDA.md, "Issue 18, stop 51"); the column gives the integer loop's seconds alone on
# each CPU and the pair's gain over one ("alu alone 0 / 1, pair").
#
#   scripts/ph_scaling.sh [BUILD_DIR]   (default: build)
#
# Environment:
#   ROWS   "family:N:threads[:eps] ..." (default: the table below, about 45 min on 2 cores;
#          family sphere, walk or projected, as PH_FAMILY; eps > 0 runs the approximate mode)
#   PROBE  0: no probes
set -euo pipefail

BUILD=${1:-build}
BENCH=$BUILD/bench/bench_ph_rips
PAIR=$BUILD/bench/bench_cpu_pair
ROWS=${ROWS:-"sphere:1000:2 sphere:2000:2 sphere:3000:2 sphere:5000:2 sphere:5000:1 sphere:10000:2
  sphere:10000:1 walk:1000:2 walk:2000:2 walk:3000:2 walk:5000:2 walk:5000:1 walk:10000:2 walk:10000:1
  projected:100000:2:0.1"}
PROBE=${PROBE:-1}
for tool in "$BENCH" "$PAIR" /usr/bin/time; do
  if [ ! -x "$tool" ]; then
    echo "ph_scaling: $tool is missing (build with: ninja -C $BUILD bench_ph_rips bench_cpu_pair)" >&2
    exit 2
  fi
done
if [ "$PROBE" != 0 ] && [ "$(nproc)" -lt 2 ]; then
  echo "ph_scaling: PROBE needs two CPUs, this process has $(nproc); set PROBE=0" >&2
  exit 2
fi

# Checked before anything runs, so that a typo does not surface an hour in.
refuse() {
  echo "ph_scaling: ROWS: '$1': $2" >&2
  exit 2
}
for row in $ROWS; do
  IFS=: read -r family n threads eps <<<"$row"
  case "$family" in
    sphere | walk | projected) ;;
    *) refuse "$row" "family '$family' is not sphere, walk or projected" ;;
  esac
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || refuse "$row" "N '$n' is not a positive integer"
  [[ "$threads" =~ ^[1-9][0-9]*$ ]] || refuse "$row" "threads '$threads' is not a positive integer"
  [[ -z "$eps" || "$eps" =~ ^[0-9]*\.?[0-9]+$ ]] || refuse "$row" "eps '$eps' is not a number"
done

probe() {
  [ "$PROBE" != 0 ] || { echo "–"; return; }
  "$PAIR" 0 1 0.1 | awk '$1 == "alu" { printf "%s / %s s, %s", $5, $10, $(NF - 1) }'
}

echo "| family | N | mode | threads | wall s | user s | peak KiB | bars H0/H1/H2 | start UTC | alu alone 0 / 1, pair |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for row in $ROWS; do
  IFS=: read -r family n threads eps <<<"$row"
  mode=exact
  [ -z "${eps:-}" ] || mode="ε = $eps"
  cpus=$(probe)
  start=$(date -u +%H:%M:%S)
  if ! out=$( { PH_FAMILY=$family PH_EPS=${eps:-} /usr/bin/time -f "TIME %e %U %M" \
                  "$BENCH" "$n" 2 "$threads" 768 1; } 2>&1); then
    why=$(grep -v -e '^TIME' -e '^Command exited' <<<"$out" | tail -n 1)
    echo "| $family | $n | $mode | $threads | failed: $why | | | | $start | $cpus |"
    continue
  fi
  read -r wall user peak < <(grep '^TIME' <<<"$out" | awk '{print $2, $3, $4}')
  bars=$(grep -o 'bars=[0-9/]*' <<<"$out" | cut -d= -f2)
  echo "| $family | $n | $mode | $threads | $wall | $user | $peak | $bars | $start | $cpus |"
done
