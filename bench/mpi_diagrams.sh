#!/usr/bin/env bash
# The CPU-bound diagrams stage under MPI (issue 16): the same database's diagrams computed
# with `mpirun -np 1` and `-np 2`, one thread per rank (--threads 1), so -np N uses N
# cores. Runs and embeddings are made first without MPI and copied, so only the diagrams
# stage is timed. Prints each wall time, the speed-up and rank 0's traffic lines.
#
#   flock /work/wt/bench.lock bench/mpi_diagrams.sh [CLI] [RUNS] [MAX_LENGTH]
set -euo pipefail
CLI=${1:-build/apps/panic-tda/panic-tda}
RUNS=${2:-16}
LEN=${3:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seeds=$(seq -s, 1 "$RUNS")
cat > "$work/cfg.json" <<JSON
{"networks": [["DummyT2I", "DummyI2T"]], "seeds": [$seeds], "prompts": ["a red fox"],
 "embedding_models": ["DummyText"], "max_length": $LEN, "options": {"loop_detection": "off"}}
JSON
"$CLI" --db "$work/base.db" experiment run "$work/cfg.json" --stages runs,embeddings --threads 2 >/dev/null 2>&1
declare -A wall
for np in 1 2; do
  sqlite3 "$work/base.db" ".backup $work/np$np.db"
  start=$(date +%s.%N)
  mpirun --oversubscribe --allow-run-as-root -np "$np" "$CLI" --db "$work/np$np.db" experiment resume latest \
    --stages diagrams --mpi --threads 1 >"$work/out$np" 2>"$work/err$np"
  end=$(date +%s.%N)
  wall[$np]=$(echo "$end - $start" | bc -l)
  printf 'np %d: %.2f s wall; ' "$np" "${wall[$np]}"
  grep -h "^mpi diagrams" "$work/err$np" || echo
  sqlite3 "$work/np$np.db" "SELECT count(*) || ' diagrams, ' || sum(point_count) || ' points' FROM persistence_diagrams"
done
printf 'speed-up np2 / np1: %.2f×\n' "$(echo "${wall[1]} / ${wall[2]}" | bc -l)"
# Identical content: the diagrams of both, ordered by run.
q="SELECT r.run_number, p.diagram_data FROM persistence_diagrams p JOIN runs r ON r.id = p.run_id ORDER BY 1"
if [ "$(sqlite3 "$work/np1.db" "$q" | sha256sum)" = "$(sqlite3 "$work/np2.db" "$q" | sha256sum)" ]; then
  echo "diagrams identical across -np 1 and -np 2"
else
  echo "DIAGRAMS DIFFER"; exit 1
fi
