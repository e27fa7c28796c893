#!/usr/bin/env bash
# Side-by-side persistent-homology benchmark on 768-D walk clouds (written by bench_ph_rips,
# tests/support/walk_cloud.h):
# panic-tda's `tda ph` against Debian's ripser 1.2.1 and, when given, GUDHI's ripser
# utility. Every program reads the same CSV point cloud, so input parsing is included.
# Wall time and peak RSS come from /usr/bin/time -v. Prints a Markdown table.
#
#   scripts/bench_ph.sh [PANIC_TDA] [WORKDIR]
#
# Environment:
#   GUDHI_RIPSER   path to GUDHI's ripser utility (src/Ripser/utilities/ripser.cc built
#                  with g++ -O3 by hand; this script never builds or ships it)
#   CASES          "N:MAXDIM ..." run by all programs (default below)
#   OURS_ONLY      "N:MAXDIM ..." run by panic-tda only (set but empty: none; anchors would take too long or
#                  too much memory there)
#   THREADS        thread counts for panic-tda (default "1 2")
#   REPEAT         runs per cell; the median wall time and the median peak RSS are
#                  reported (default 3; the machine is shared and noisy)
#   FAMILY         walk (default: step 0.25 with returns) or sphere (issue 18's
#                  unit-sphere walk: step 0.01 per coordinate, renormalised, no returns);
#                  bench_ph_rips writes the cloud (PH_FAMILY)
#   APPROXIMATE    ε: panic-tda runs with --approximate ε (anchors stay exact)
set -euo pipefail

OURS=${1:-build/apps/panic-tda/panic-tda}
WORK=${2:-$(mktemp -d /tmp/bench_ph.XXXXXX)}
RIPSER=${RIPSER:-/usr/bin/ripser}
GUDHI_RIPSER=${GUDHI_RIPSER:-}
CASES=${CASES-"500:1 500:2 1000:1 1000:2 2000:1"}
OURS_ONLY=${OURS_ONLY-"2000:2 5000:1 5000:2"}
THREADS=${THREADS:-"1 2"}
REPEAT=${REPEAT:-3}
BENCH_PH_RIPS=${BENCH_PH_RIPS:-$(dirname "$OURS")/../../bench/bench_ph_rips}
FAMILY=${FAMILY:-walk}
APPROXIMATE=${APPROXIMATE:-}
case "$FAMILY" in
  walk | sphere) ;;
  *) echo "FAMILY: '$FAMILY' is not walk or sphere" >&2; exit 2 ;;
esac
OURS_ARGS=()
[[ -n "$APPROXIMATE" ]] && OURS_ARGS=(--approximate "$APPROXIMATE")
mkdir -p "$WORK"

# Runs a command under /usr/bin/time -v; prints "seconds peak_MiB".
measure() {
  local log="$WORK/time.log"
  /usr/bin/time -v "$@" >"$WORK/out.txt" 2>"$log" || { echo "FAILED: $*" >&2; cat "$log" >&2; echo "nan nan"; return; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
    awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log")
  echo "$wall $rss"
}

# measure, REPEAT times; prints the median seconds and the median peak MiB.
measure_median() {
  local walls=() rsss=() w r
  for ((k = 0; k < REPEAT; ++k)); do
    read -r w r < <(measure "$@")
    walls+=("$w")
    rsss+=("$r")
  done
  local mw mr
  mw=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  mr=$(printf '%s\n' "${rsss[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  echo "$mw $mr"
}

cloud() {  # N → path of the CSV cloud
  local n=$1 f="$WORK/${FAMILY}_$1"
  [[ -f "$f.txt" ]] || PH_FAMILY=$FAMILY "$BENCH_PH_RIPS" "$n" 0 1 768 1 "$f" >&2
  echo "$f.txt"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a) printf "%.2f", a / b; else print "–" }'; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), median of $REPEAT runs, family $FAMILY${APPROXIMATE:+, ours with --approximate $APPROXIMATE}"
echo
header="| N | maxdim | Debian ripser s (MiB) | GUDHI ripser s (MiB) |"
sep="|---|---|---|---|"
for t in $THREADS; do
  header+=" ours ${t}T s (MiB) | ${t}T / faster anchor |"
  sep+="---|---|"
done
echo "$header"
echo "$sep"
for c in $CASES $OURS_ONLY; do
  n=${c%%:*}
  k=${c##*:}
  f=$(cloud "$n")
  row="| $n | $k |"
  best=""
  if [[ " $CASES " == *" $c "* ]]; then
    read -r rt rm < <(measure_median "$RIPSER" --format point-cloud --dim "$k" "$f")
    row+=" $rt ($rm) |"
    best=$rt
    if [[ -n "$GUDHI_RIPSER" ]]; then
      read -r gt gm < <(measure_median "$GUDHI_RIPSER" --format point-cloud --dim "$k" "$f")
      row+=" $gt ($gm) |"
      best=$(awk -v a="$rt" -v b="$gt" 'BEGIN { print (b < a ? b : a) }')
    else
      row+=" – |"
    fi
  else
    row+=" – | – |"
  fi
  for t in $THREADS; do
    read -r ot om < <(measure_median "$OURS" tda ph "$f" --maxdim "$k" --threads "$t" "${OURS_ARGS[@]}" --memory-limit 64 --output "$WORK/ours.txt")
    row+=" $ot ($om) | $(ratio "$ot" "${best:-0}") |"
  done
  echo "$row"
done
