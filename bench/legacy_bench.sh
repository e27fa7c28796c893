#!/bin/sh
# Speed of issue 13's targets on this machine (docs/DOCTOR.md, docs/IMPORT.md):
#   doctor: every check on a database of N embeddings (target: 1 000 000 in ≤ 30 s);
#   import: embeddings per second of `import python` (target: ≥ 20 000/s).
# usage: bench/legacy_bench.sh BUILD_DIR WORK_DIR [N] [doctor|import|both]
# The doctor's database is kept in WORK_DIR and reused when it already holds N embeddings.
# The doctor's database is a small dummy-model experiment grown by SQL to N embeddings of
# DummyText's 768 floats (N/1000 runs of 1000 text steps); the import's source is
# tests/legacy/make_python_era_db.py --embeddings N (built outside any lock: run the script
# once with `import` to build it, then measure). Prints `uptime` beside each timing.
set -eu
build=$1
work=$2
n=${3:-1000000}
what=${4:-both}
cli=$build/apps/panic-tda/panic-tda
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
db=$work/doctor_bench.db
if [ "$what" != import ]; then
if [ "$(sqlite3 "$db" 'SELECT count(*) FROM embeddings' 2>/dev/null)" != "$n" ]; then
rm -f "$db" "$db-wal" "$db-shm"
cat > "$work/cfg.json" <<CFG
{"networks": [["DummyT2I", "DummyI2T"]], "seeds": [-1], "prompts": ["x"], "embedding_models": ["DummyText"], "max_length": 1}
CFG
"$cli" --db "$db" experiment run "$work/cfg.json" --stages runs > /dev/null
# Grow it: runs of 1000 text steps each, chained inputs, one DummyText vector per step.
sqlite3 "$db" <<SQL
PRAGMA foreign_keys = OFF;
PRAGMA synchronous = OFF;
DELETE FROM runs;
UPDATE experiments SET max_length = 1000;
DELETE FROM invocations;
WITH RECURSIVE r(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM r WHERE k + 1 < $n / 1000)
INSERT INTO runs (id, experiment_id, run_number, network, seed, max_length, initial_prompt, stop_reason, completed_at)
  SELECT printf('00000000-0000-7000-8000-%012d', k), (SELECT id FROM experiments), k, '["DummyI2T"]', -1, 1000, 'x',
         'length', '2026-01-01T00:00:00.000000Z' FROM r;
WITH RECURSIVE s(q) AS (SELECT 0 UNION ALL SELECT q + 1 FROM s WHERE q + 1 < 1000)
INSERT INTO invocations (id, run_id, sequence_number, model, type, seed, input_invocation_id, output_text, started_at, completed_at)
  SELECT printf('%08d-0000-7000-8000-%012d', q, r.run_number), r.id, q, 'DummyI2T', 'text', -1,
         CASE WHEN q = 0 THEN NULL ELSE printf('%08d-0000-7000-8000-%012d', q - 1, r.run_number) END,
         'caption ' || q, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM runs r, s;
INSERT INTO embeddings (id, invocation_id, embedding_model, vector, started_at, completed_at)
  SELECT 'e' || substr(id, 2), id, 'DummyText', zeroblob(3072), started_at, completed_at FROM invocations;
UPDATE experiments SET completed_at = NULL;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
fi
echo "doctor on $(sqlite3 "$db" 'SELECT count(*) FROM embeddings') embeddings ($(du -h "$db" | cut -f1)):"
uptime
/usr/bin/time -f "doctor: %e s wall, %M KiB max RSS" "$cli" --db "$db" doctor --format json > "$work/doctor.json" || true
# Per-check wall times (the findings' "seconds"), then the total of the checks.
/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["findings"]:
    print("  %-38s %8.3f s wall %8.3f s CPU  %d found" % (f["check"], f["seconds"], f["cpu_seconds"], f["count"]))
print("  %-38s %8.3f s" % ("checks in all", r["check_seconds"]))' "$work/doctor.json"
uptime
fi
[ "$what" = doctor ] && exit 0

# The source is kept in WORK_DIR (it may be a link to one made before) and reused when its
# synthetic experiment holds N embeddings; the target is always new.
src=$work/import_bench.sqlite
rm -f "$work/import_bench.db"*
if [ "$(sqlite3 "file:$src?immutable=1" "SELECT count(*) FROM embedding WHERE invocation_id IN (SELECT id FROM invocation WHERE model = 'DummyI2T' AND run_id IN (SELECT id FROM run WHERE max_length = 1000))" 2>/dev/null)" != "$n" ]; then
rm -f "$src"
/usr/bin/python3 "$here/tests/legacy/make_python_era_db.py" "$src" --embeddings "$n"
fi
uptime
/usr/bin/time -o "$work/import_time.txt" -f "import: %e s wall, %U s user, %S s sys, %O file-system outputs (512 B), %M KiB max RSS" "$cli" --db "$work/import_bench.db" import python "$src" 2>/dev/null | grep -E "^embedding |rows/s|in [0-9.]+ s"
cat "$work/import_time.txt"
uptime
