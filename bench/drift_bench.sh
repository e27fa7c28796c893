#!/bin/sh
# Speed of issue 12's end-to-end drift target (docs/ANALYSIS.md §9): `panic-tda analyse drift`
# over N embeddings with real vectors, database reads included (target: 1 000 000 in ≤ 10 s).
# usage: bench/drift_bench.sh BUILD_DIR WORK_DIR [N] [build|measure|both] [FORMAT]
#   build:   makes WORK_DIR/drift_bench.db (N/1000 runs of 1000 steps, one 768-d N(0, 1)
#            DummyText vector per step and the prompt's embedding; bench/drift_bench_db.py),
#            unless it already holds N embeddings. Minutes; run it outside the bench lock.
#   measure: reads the database once into the page cache, then times
#            `analyse drift latest --format FORMAT --output WORK_DIR/drift.FORMAT` (parquet
#            by default; csv also) with /usr/bin/time, `uptime` before and after. Wrap it
#            in the lock: flock /work/wt/bench.lock bench/drift_bench.sh BUILD WORK N measure
set -eu
build=$1
work=$2
n=${3:-1000000}
what=${4:-both}
format=${5:-parquet}
cli=$build/apps/panic-tda/panic-tda
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
db=$work/drift_bench.db
if [ "$what" != measure ]; then
if [ "$(sqlite3 "$db" "SELECT count(*) FROM embeddings WHERE vector != zeroblob(3072)" 2>/dev/null)" != "$n" ] ||
   [ "$(sqlite3 "$db" 'SELECT count(*) FROM prompt_embeddings' 2>/dev/null)" != 1 ]; then
rm -f "$db" "$db-wal" "$db-shm"
cat > "$work/cfg.json" <<CFG
{"networks": [["DummyT2I", "DummyI2T"]], "seeds": [-1], "prompts": ["x"], "embedding_models": ["DummyText"], "max_length": 1}
CFG
"$cli" --db "$db" experiment run "$work/cfg.json" --stages runs > /dev/null
/usr/bin/python3 "$here/bench/drift_bench_db.py" "$db" "$n"
fi
echo "drift_bench.db: $(sqlite3 "$db" 'SELECT count(*) FROM embeddings') embeddings, $(du -h "$db" | cut -f1)"
fi
[ "$what" = build ] && exit 0

out=$work/drift.$format
rm -f "$out"
cat "$db" > /dev/null
uptime
/usr/bin/time -f "analyse drift ($format): %e s wall, %U s user, %S s sys, %M KiB max RSS" \
  "$cli" --db "$db" analyse drift latest --format "$format" --output "$out"
ls -l "$out"
uptime
