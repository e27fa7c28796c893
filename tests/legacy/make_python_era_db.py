#!/usr/bin/python3
"""Writes a Python-era panic-tda database (shared/LEGACY-FORMATS.md) for the import tests.

usage: make_python_era_db.py OUT.sqlite [--quirks] [--embeddings N]

Tables as SQLModel's create_all made them (no foreign keys enforced, no UNIQUE on
invocation(run_id, sequence_number) or persistencediagram(run_id, embedding_model)), ids as
32 lower-case hex digits (uuid4 and uuid7-like), timestamps 'YYYY-MM-DD HH:MM:SS.ffffff'.
Two experiments of the dummy models (so our doctor can check and recompute them):
  A: networks [[DummyT2I, DummyI2T]], seeds [42, -1], 2 prompts, max_length 6
  B: the same network, seed [7], 1 prompt, max_length 6
Seeded run A#0 repeats its step-1 text at step 5 (a loop of length 4 at its last step);
seeded run B#0 repeats its step-0 image at step 2 but goes on to 6 steps (the import reports
the disagreement). Every output has its vector under DummyText (texts) or DummyVision
(images), every run its diagram under both (numpy.savez_compressed with legacy gens_* and
*_meta keys; one written with zip64 records). A clustering result with medoids and outliers.

--quirks adds what real files hold: an orphan run, an orphan embedding, a duplicate step,
a NULL vector, a NULL diagram_data, mixed timestamp forms and an alembic_version table.
--embeddings N adds a third experiment of text runs with N more embeddings (for speed).
"""
import io
import json
import sqlite3
import struct
import sys
import uuid
import zipfile

import numpy as np
from PIL import Image

SCHEMA = """
CREATE TABLE experimentconfig (id CHAR(32) NOT NULL PRIMARY KEY, networks JSON, seeds JSON, prompts JSON,
  embedding_models JSON, max_length INTEGER NOT NULL, started_at DATETIME, completed_at DATETIME);
CREATE TABLE run (id CHAR(32) NOT NULL PRIMARY KEY, network JSON, seed INTEGER NOT NULL, max_length INTEGER NOT NULL,
  initial_prompt VARCHAR NOT NULL, experiment_id CHAR(32) REFERENCES experimentconfig (id));
CREATE TABLE invocation (id CHAR(32) NOT NULL PRIMARY KEY, started_at DATETIME, completed_at DATETIME,
  model VARCHAR NOT NULL, type VARCHAR(5) NOT NULL, seed INTEGER NOT NULL, run_id CHAR(32) NOT NULL REFERENCES run (id),
  sequence_number INTEGER NOT NULL, input_invocation_id CHAR(32) REFERENCES invocation (id), output_text VARCHAR,
  output_image_data BLOB);
CREATE TABLE embedding (id CHAR(32) NOT NULL PRIMARY KEY, started_at DATETIME, completed_at DATETIME,
  invocation_id CHAR(32) NOT NULL REFERENCES invocation (id), embedding_model VARCHAR NOT NULL, vector BLOB,
  UNIQUE (invocation_id, embedding_model));
CREATE TABLE persistencediagram (id CHAR(32) NOT NULL PRIMARY KEY, started_at DATETIME, completed_at DATETIME,
  diagram_data BLOB, run_id CHAR(32) NOT NULL REFERENCES run (id), embedding_model VARCHAR NOT NULL);
CREATE TABLE clusteringresult (id CHAR(32) NOT NULL PRIMARY KEY, created_at DATETIME, started_at DATETIME,
  completed_at DATETIME, embedding_model VARCHAR NOT NULL, algorithm VARCHAR NOT NULL, parameters JSON);
CREATE TABLE embeddingcluster (id CHAR(32) NOT NULL PRIMARY KEY, embedding_id CHAR(32) NOT NULL,
  clustering_result_id CHAR(32) NOT NULL, medoid_embedding_id CHAR(32), UNIQUE (embedding_id, clustering_result_id));
"""

counter = [0]


def new_id(kind=7):
    """uuid4, or a uuid7-like id (48-bit ms, version 7) made deterministic by a counter."""
    counter[0] += 1
    if kind == 4:
        return uuid.UUID(int=(counter[0] * 0x9E3779B97F4A7C15) % (1 << 128), version=4).hex
    ms = 1_700_000_000_000 + counter[0]
    value = (ms << 80) | (0x7 << 76) | (counter[0] << 16) | (0b10 << 62) | counter[0]
    return "%032x" % value


def ts(i, form=0):
    base = "2025-03-%02d 1%d:%02d:%02d" % (1 + i % 27, i % 10, i % 60, (i * 7) % 60)
    if form == 1:
        return base.replace(" ", "T") + ".5"  # ISO 'T', short fraction
    if form == 2:
        return base  # no fraction
    return base + ".%06d" % (i * 137 % 1000000)


def webp(rgb):
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), rgb).save(buf, "WEBP", lossless=True)
    return buf.getvalue()


def vector(seed, dim=768):
    return np.random.RandomState(seed).rand(dim).astype("<f4").tobytes()


def diagram_npz(seed, zip64=False):
    rng = np.random.RandomState(seed)
    arrays = {}
    for d in range(3):
        births = rng.rand(4 - d).astype(np.float32)
        deaths = births + rng.rand(4 - d).astype(np.float32)
        dg = np.stack([births, deaths], axis=1)
        if d == 0:
            dg[-1, 1] = np.inf
        arrays["dgms_%d" % d] = dg
    arrays["dgms_count"] = np.array([3], dtype=np.int64)
    arrays["entropy"] = rng.rand(3).astype(np.float32)
    # Legacy generator keys (before 2025-08) and their metadata: the importer ignores them.
    arrays["gens_0"] = rng.randint(0, 9, size=(3, 3)).astype(np.int64)
    arrays["gens_1_0"] = rng.randint(0, 9, size=(2, 2)).astype(np.int64)
    arrays["gens_1_count"] = np.array([1], dtype=np.int64)
    arrays["gens_2"] = np.zeros((0, 3), dtype=np.int64)
    arrays["gens_3_0"] = rng.randint(0, 9, size=(1, 2)).astype(np.int64)
    arrays["gens_3_count"] = np.array([1], dtype=np.int64)
    arrays["dgms_0_meta"] = np.array(["birth,death"])
    buf = io.BytesIO()
    if not zip64:
        np.savez_compressed(buf, **arrays)
        return buf.getvalue(), arrays
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for k, v in arrays.items():
            with zf.open(k + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(v), allow_pickle=False)
    return buf.getvalue(), arrays


def main():
    out = sys.argv[1]
    quirks = "--quirks" in sys.argv
    extra = int(sys.argv[sys.argv.index("--embeddings") + 1]) if "--embeddings" in sys.argv else 0
    db = sqlite3.connect(out)
    db.executescript(SCHEMA)
    if quirks:
        db.executescript("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);"
                         "INSERT INTO alembic_version VALUES ('3f2a9c1d7b80');")
    net = ["DummyT2I", "DummyI2T"]
    models = ["DummyText", "DummyVision"]
    tick = [0]
    expected = {"diagrams": {}}

    def t(form=0):
        tick[0] += 1
        return ts(tick[0], form if quirks else 0)

    embeddings = []

    def add_run(exp_id, seed, prompt, outputs, max_length=6):
        run_id = new_id(4 if seed == 7 else 7)
        db.execute("INSERT INTO run VALUES (?,?,?,?,?,?)", (run_id, json.dumps(net), seed, max_length, prompt, exp_id))
        prev = None
        invs = []
        for n, out_ in enumerate(outputs):
            inv = new_id()
            is_image = isinstance(out_, tuple)
            db.execute("INSERT INTO invocation VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       (inv, t(n % 3), t(), net[n % 2], "IMAGE" if is_image else "TEXT", seed, run_id, n, prev,
                        None if is_image else out_, webp(out_) if is_image else None))
            emb = new_id()
            model = "DummyVision" if is_image else "DummyText"
            db.execute("INSERT INTO embedding VALUES (?,?,?,?,?,?)", (emb, t(), t(), inv, model, vector(tick[0])))
            embeddings.append(emb)
            invs.append(inv)
            prev = inv
        for m in models:
            data, arrays = diagram_npz(tick[0], zip64=(len(expected["diagrams"]) == 1))
            did = new_id()
            db.execute("INSERT INTO persistencediagram VALUES (?,?,?,?,?,?)", (did, t(), t(), data, run_id, m))
            expected["diagrams"][did] = {k: arrays[k].tolist() for k in ("dgms_0", "dgms_1", "dgms_2", "entropy")}
        return run_id, invs

    # Experiment A
    exp_a = new_id()
    db.execute("INSERT INTO experimentconfig VALUES (?,?,?,?,?,?,?,?)",
               (exp_a, json.dumps([net]), json.dumps([42, -1]), json.dumps(["a red apple", "a penguin"]),
                json.dumps(models), 6, t(), t()))
    runs = []
    # A#0 seed 42: text at step 5 repeats step 1 (loop length 4, at its last step).
    runs.append(add_run(exp_a, 42, "a red apple", [(200, 10, 10), "apple one", (10, 200, 10), "apple three",
                                                   (10, 10, 200), "apple one"]))
    runs.append(add_run(exp_a, -1, "a red apple", [(1, 2, 3), "u one", (4, 5, 6), "u two", (7, 8, 9), "u three"]))
    runs.append(add_run(exp_a, 42, "a penguin", [(90, 90, 0), "p one", (0, 90, 90), "p two", (90, 0, 90), "p three"]))
    runs.append(add_run(exp_a, -1, "a penguin", [(11, 2, 3), "v one", (14, 5, 6), "v two", (17, 8, 9), "v three"]))
    # Experiment B: seed 7, its step-2 image repeats step 0 but the run goes on.
    exp_b = new_id(4)
    db.execute("INSERT INTO experimentconfig VALUES (?,?,?,?,?,?,?,?)",
               (exp_b, json.dumps([net]), json.dumps([7]), json.dumps(["a city"]), json.dumps(models), 6, t(1), t(2)))
    runs.append(add_run(exp_b, 7, "a city", [(50, 60, 70), "c one", (50, 60, 70), "c two", (1, 60, 70), "c three"]))

    if extra:
        exp_c = new_id()
        db.execute("INSERT INTO experimentconfig VALUES (?,?,?,?,?,?,?,?)",
                   (exp_c, json.dumps([["DummyI2T"]]), json.dumps([-1]), json.dumps(["x"]), json.dumps(["DummyText"]),
                    1000, t(), t()))
        rows_inv, rows_emb = [], []
        vec = vector(1)
        for r in range((extra + 999) // 1000):
            run_id = new_id()
            db.execute("INSERT INTO run VALUES (?,?,?,?,?,?)", (run_id, json.dumps(["DummyI2T"]), -1, 1000, "x", exp_c))
            prev = None
            for n in range(min(1000, extra - r * 1000)):
                inv = new_id()
                rows_inv.append((inv, ts(n), ts(n), "DummyI2T", "TEXT", -1, run_id, n, prev, "t%d-%d" % (r, n), None))
                rows_emb.append((new_id(), ts(n), ts(n), inv, "DummyText", vec))
                prev = inv
        db.executemany("INSERT INTO invocation VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows_inv)
        db.executemany("INSERT INTO embedding VALUES (?,?,?,?,?,?)", rows_emb)

    # Clustering over every embedding of A and B: the first two are medoids, every third an outlier.
    cr = new_id()
    db.execute("INSERT INTO clusteringresult VALUES (?,?,?,?,?,?,?)",
               (cr, t(), t(), t(), "DummyText", "hdbscan",
                json.dumps({"cluster_selection_epsilon": 0.4, "allow_single_cluster": True})))
    for i, emb in enumerate(embeddings):
        medoid = None if i % 3 == 2 else embeddings[i % 2]
        db.execute("INSERT INTO embeddingcluster VALUES (?,?,?,?)", (new_id(), emb, cr, medoid))

    if quirks:
        # An orphan run (its experiment is gone) with a step, and an orphan embedding.
        orphan = new_id()
        db.execute("INSERT INTO run VALUES (?,?,?,?,?,?)", (orphan, json.dumps(net), 1, 6, "gone", new_id()))
        db.execute("INSERT INTO embedding VALUES (?,?,?,?,?,?)", (new_id(), t(), t(), new_id(), "DummyText", vector(3)))
        # A duplicate step: run A#1 step 3 written twice (no UNIQUE in fresh files).
        run_id, invs = runs[1]
        db.execute("INSERT INTO invocation VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   (new_id(), t(), t(), "DummyI2T", "TEXT", -1, run_id, 3, invs[2], "u two again", None))
        # A NULL vector (old files) and a NULL diagram (an OOM).
        db.execute("UPDATE embedding SET vector = NULL WHERE invocation_id = ?", (runs[3][1][1],))
        db.execute("UPDATE persistencediagram SET diagram_data = NULL WHERE rowid = 3")
    db.commit()
    db.close()
    json.dump(expected, open(out + ".expected.json", "w"))


main()
