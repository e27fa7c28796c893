#!/usr/bin/env bash
# The CPU-bound diagrams stage under MPI (issue 16): the same database's diagrams computed
# with `mpirun -np 1` and `-np 2`, one thread per rank (--threads 1), so -np N uses N
# cores. Runs and embeddings are made first without MPI and copied, so only the diagrams
# stage is timed. Prints each wall time, the speed-up and rank 0's traffic lines.
#
#   flock /work/wt/bench.lock bench/mpi_diagrams.sh [CLI] [RUNS] [MAX_LENGTH] [REPEATS]
# -np 1 and -np 2 alternate REPEATS times (the machine is shared: the best of each is the
# figure, every time is printed). Two more variants beside them, also alternating:
#   plain  the same stage without MPI (--threads 1): what -np 1 costs over one process;
#   pair   two processes without MPI at once, each on a database with half of the runs:
#          the work split in two with nothing between the halves, i.e. what two processes
#          can get from this machine's two cores at best (the ceiling of -np 2). BIND=core binds each rank to a core (mpirun's default for
# -np ≤ 2); the default here is none, as on a machine shared with other work a rank bound to
# a busy core cannot move.
set -euo pipefail
CLI=${1:-build/apps/panic-tda/panic-tda}
RUNS=${2:-16}
LEN=${3:-300}
REPEATS=${4:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seeds=$(seq -s, 1 "$RUNS")
cat > "$work/cfg.json" <<JSON
{"networks": [["DummyT2I", "DummyI2T"]], "seeds": [$seeds], "prompts": ["a red fox"],
 "embedding_models": ["DummyText"], "max_length": $LEN, "options": {"loop_detection": "off"}}
JSON
"$CLI" --db "$work/base.db" experiment run "$work/cfg.json" --stages runs,embeddings --threads 2 >/dev/null 2>&1
# The two halves of `pair`: the same runs (same seeds), half in each database.
half=$((RUNS / 2))
for part in a b; do
  if [ $part = a ]; then s=$(seq -s, 1 "$half"); else s=$(seq -s, $((half + 1)) "$RUNS"); fi
  sed "s/\"seeds\": \[[0-9,]*\]/\"seeds\": [$s]/" "$work/cfg.json" > "$work/cfg_$part.json"
  "$CLI" --db "$work/half_$part.db" experiment run "$work/cfg_$part.json" --stages runs,embeddings --threads 2 >/dev/null 2>&1
done
declare -A best
timed() {  # VARIANT: one timed diagrams stage; sets wall
  local start end
  start=$(date +%s.%N)
  case $1 in
    plain) "$CLI" --db "$work/plain.db" experiment resume latest --stages diagrams --threads 1 >/dev/null 2>"$work/errplain" ;;
    pair)
      "$CLI" --db "$work/pair_a.db" experiment resume latest --stages diagrams --threads 1 >/dev/null 2>&1 &
      local first=$!
      "$CLI" --db "$work/pair_b.db" experiment resume latest --stages diagrams --threads 1 >/dev/null 2>&1
      wait $first ;;
  esac
  end=$(date +%s.%N)
  wall=$(echo "$end - $start" | bc -l)
}
for rep in $(seq 1 "$REPEATS"); do
  for variant in plain pair; do
    if [ $variant = plain ]; then sqlite3 "$work/base.db" ".backup $work/plain.db"; fi
    if [ $variant = pair ]; then
      sqlite3 "$work/half_a.db" ".backup $work/pair_a.db"
      sqlite3 "$work/half_b.db" ".backup $work/pair_b.db"
    fi
    timed $variant
    if [ -z "${best[$variant]:-}" ] || [ "$(echo "$wall < ${best[$variant]}" | bc -l)" = 1 ]; then best[$variant]=$wall; fi
    printf '%s: %.2f s wall (load %s)\n' "$variant" "$wall" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  for np in 1 2; do
    sqlite3 "$work/base.db" ".backup $work/np$np.db"
    start=$(date +%s.%N)
    mpirun --oversubscribe --allow-run-as-root --bind-to "${BIND:-none}" -np "$np" "$CLI" --db "$work/np$np.db" experiment resume latest \
      --stages diagrams --mpi --threads 1 >"$work/out$np" 2>"$work/err$np"
    end=$(date +%s.%N)
    wall=$(echo "$end - $start" | bc -l)
    if [ -z "${best[$np]:-}" ] || [ "$(echo "$wall < ${best[$np]}" | bc -l)" = 1 ]; then best[$np]=$wall; fi
    printf 'np %d: %.2f s wall (load %s); ' "$np" "$wall" "$(cut -d' ' -f1 /proc/loadavg)"
    grep -h "^mpi diagrams" "$work/err$np" || echo
  done
done
sqlite3 "$work/np1.db" "SELECT count(*) || ' diagrams, ' || sum(point_count) || ' points' FROM persistence_diagrams"
printf 'best np1 %.2f s, best np2 %.2f s: speed-up %.2f×\n' "${best[1]}" "${best[2]}" "$(echo "${best[1]} / ${best[2]}" | bc -l)"
printf 'best plain (no MPI, 1 process) %.2f s; best pair (2 processes, half the runs each, no MPI) %.2f s: ceiling %.2f×\n' \
  "${best[plain]}" "${best[pair]}" "$(echo "${best[plain]} / ${best[pair]}" | bc -l)"
# Identical content: the diagrams of both, ordered by run.
q="SELECT r.run_number, p.diagram_data FROM persistence_diagrams p JOIN runs r ON r.id = p.run_id ORDER BY 1"
if [ "$(sqlite3 "$work/np1.db" "$q" | sha256sum)" = "$(sqlite3 "$work/np2.db" "$q" | sha256sum)" ]; then
  echo "diagrams identical across -np 1 and -np 2"
else
  echo "DIAGRAMS DIFFER"; exit 1
fi
