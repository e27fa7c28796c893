#!/usr/bin/python3
"""Grows a one-experiment panic-tda database to N embeddings with real vectors, for
bench/drift_bench.sh (the end-to-end figure of `analyse drift`, docs/ANALYSIS.md §9).

usage: drift_bench_db.py DB N

DB must hold one experiment made by `panic-tda experiment run CFG --stages runs` (the schema
and the experiment row). Its runs and invocations are replaced by N/1000 runs of 1000 text
steps (the shape of bench/legacy_bench.sh's doctor database), each step gets one DummyText
embedding of 768 float32 drawn from N(0, 1) (numpy, fixed seed), and the prompt 'x' gets
its DummyText embedding in prompt_embeddings, so every drift value is a real number.
Rows are written step-major (every run's step 0, then every run's step 1, ...), as
bench/legacy_bench.sh's SQL does and as the pipeline interleaves the runs of a batch: a run's
embeddings are spread over the whole file, the hard case for reading them run by run.
"""
import sqlite3
import sys

import numpy as np

DIM = 768
STEPS = 1000
STAMP = "2026-01-01T00:00:00.000000Z"


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    if n % STEPS:
        sys.exit("N must be a multiple of %d" % STEPS)
    runs = n // STEPS
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(
        f"""
PRAGMA foreign_keys = OFF;
PRAGMA synchronous = OFF;
BEGIN;
DELETE FROM embeddings;
DELETE FROM prompt_embeddings;
DELETE FROM invocations;
DELETE FROM runs;
UPDATE experiments SET max_length = {STEPS}, completed_at = NULL;
WITH RECURSIVE r(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM r WHERE k + 1 < {runs})
INSERT INTO runs (id, experiment_id, run_number, network, seed, max_length, initial_prompt, stop_reason, completed_at)
  SELECT printf('00000000-0000-7000-8000-%012d', k), (SELECT id FROM experiments), k, '["DummyI2T"]', -1, {STEPS},
         'x', 'length', '{STAMP}' FROM r;
WITH RECURSIVE s(q) AS (SELECT 0 UNION ALL SELECT q + 1 FROM s WHERE q + 1 < {STEPS})
INSERT INTO invocations (id, run_id, sequence_number, model, type, seed, input_invocation_id, output_text,
                         started_at, completed_at)
  SELECT printf('%08d-0000-7000-8000-%012d', q, r.run_number), r.id, q, 'DummyI2T', 'text', -1,
         CASE WHEN q = 0 THEN NULL ELSE printf('%08d-0000-7000-8000-%012d', q - 1, r.run_number) END,
         'caption ' || q, '{STAMP}', '{STAMP}' FROM runs r, s ORDER BY q, r.run_number;
COMMIT;
"""
    )
    rng = np.random.default_rng(12)
    exp = db.execute("SELECT id FROM experiments").fetchone()[0]
    db.execute("BEGIN")
    db.execute(
        "INSERT INTO prompt_embeddings (id, experiment_id, initial_prompt, embedding_model, vector, started_at, "
        "completed_at) VALUES ('p0000000-0000-7000-8000-000000000000', ?, 'x', 'DummyText', ?, ?, ?)",
        (exp, rng.standard_normal(DIM, dtype=np.float32).astype("<f4").tobytes(), STAMP, STAMP),
    )
    ids = [row[0] for row in db.execute(
        "SELECT id FROM invocations ORDER BY rowid")]
    chunk = 10000
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        vectors = rng.standard_normal((len(part), DIM), dtype=np.float32).astype("<f4")
        db.executemany(
            "INSERT INTO embeddings (id, invocation_id, embedding_model, vector, started_at, completed_at) "
            "VALUES (?, ?, 'DummyText', ?, ?, ?)",
            (("e" + inv[1:], inv, vectors[k].tobytes(), STAMP, STAMP) for k, inv in enumerate(part)),
        )
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


if __name__ == "__main__":
    main()
