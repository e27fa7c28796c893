#!/usr/bin/python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (except onnx_tokenizer's, and
the regression seeds the fuzzers found, which are committed as found: crash-*, oom-*,
timeout-*, leak-*). Needs Debian's /usr/bin/python3 with numpy and PIL, and ffmpeg (AVIF).

Run from the repository root: /usr/bin/python3 tests/fuzz/make_seed_corpus.py
"""
import io
import json
import os
import struct
import subprocess
import zipfile
import zlib

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy(array, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array)
    else:
        np.lib.format.write_array(buf, array, version=version)
    return buf.getvalue()


def npy_header(dict_text, data=b""):
    h = dict_text + " " * ((64 - (10 + len(dict_text) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + data


# ---- npy ----------------------------------------------------------------------------
put("npy", "f4_2d", npy(np.arange(6, dtype=np.float32).reshape(3, 2)))
put("npy", "f8_1d", npy(np.array([0.5, np.inf, -1.0])))
put("npy", "i8_1", npy(np.array([3], dtype=np.int64)))
put("npy", "scalar", npy(np.float32(2.5)))
put("npy", "empty_0x2", npy(np.zeros((0, 2), dtype=np.float32)))
put("npy", "v2_header", npy(np.ones((2, 2), dtype=np.float32), version=(2, 0)))
put("npy", "v3_header", npy(np.ones((1, 3), dtype=np.float64), version=(3, 0)))
put("npy", "big_endian", npy(np.ones(2, dtype=">f4")))
put("npy", "fortran", npy(np.asfortranarray(np.ones((2, 3), dtype=np.float32))))
put("npy", "shape_wraps_to_0", npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (32, 576460752303423488), }"))
put("npy", "shape_2p32_squared", npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"))

# ---- npz ----------------------------------------------------------------------------
def npz(compressed, **arrays):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()


d0 = np.array([[0, 0.5], [0, np.inf]], dtype=np.float32)
d1 = np.array([[0.25, 0.75]], dtype=np.float32)
put("npz", "diagram_stored", npz(False, dgms_0=d0, dgms_1=d1, dgms_count=np.array([2]),
                                 entropy=np.array([0.1, 0.2], dtype=np.float32)))
put("npz", "diagram_approximate", npz(False, dgms_0=d0, dgms_1=d1, dgms_count=np.array([2]),
                                      approximation_epsilon=np.array([0.1])))
put("npz", "diagram_deflated_gens", npz(True, dgms_0=d0, dgms_1=d1.astype(np.float64), dgms_count=np.array([2]),
                                        gens_0=np.zeros((1, 3), dtype=np.int64)))
put("npz", "diagram_no_count", npz(False, dgms_0=d0, dgms_1=np.zeros((0, 2), dtype=np.float32)))
put("npz", "diagram_nan", npz(False, dgms_0=np.array([[0, np.nan]], dtype=np.float32)))
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.writestr("dgms_0.npy", npy(d0))
    z.writestr("readme.txt", "not an array")
put("npz", "with_text_member", buf.getvalue())
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
    with z.open("dgms_0.npy", "w", force_zip64=True) as f:
        f.write(npy(d0))
put("npz", "zip64_member", buf.getvalue())
# The 98-byte zip64 end record whose central directory offset wraps (issue 9 §3).
z64 = (struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 1, 1, 46, 2**64 - 10)
       + struct.pack("<IIQI", 0x07064B50, 0, 0, 1)
       + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
assert len(z64) == 98
put("npz", "zip64_wrapping_offset", z64)
# A small archive whose member claims 4 GB (issue 9 §3).
data = npy(d0)
comp = zlib.compress(data, 9)[2:-4]
name = b"dgms_0.npy"
crc = zlib.crc32(data)
local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(comp), 0xFFFFFFFE, len(name), 0) + name + comp
central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(comp), 0xFFFFFFFE,
                      len(name), 0, 0, 0, 0, 0, 0) + name
end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local), 0)
put("npz", "claims_4gb", local + central + end)

# ---- image --------------------------------------------------------------------------
rng = np.random.default_rng(7)
noise = Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8), "RGB")
solid = Image.new("RGB", (40, 8), (200, 30, 90))
for label, img in (("noise", noise), ("solid", solid)):
    b = io.BytesIO(); img.save(b, "WEBP", lossless=True); put("image", label + "_lossless.webp", b.getvalue())
    b = io.BytesIO(); img.save(b, "WEBP", quality=50); put("image", label + "_lossy.webp", b.getvalue())
    b = io.BytesIO(); img.save(b, "JPEG", quality=30); put("image", label + "_q30.jpg", b.getvalue())
b = io.BytesIO(); noise.convert("L").save(b, "JPEG", quality=75); put("image", "gray.jpg", b.getvalue())
b = io.BytesIO(); noise.save(b, "JPEG", quality=75, progressive=True); put("image", "progressive.jpg", b.getvalue())
b = io.BytesIO(); Image.new("RGBA", (5, 5), (1, 2, 3, 4)).save(b, "WEBP", lossless=True); put("image", "alpha.webp", b.getvalue())
b = io.BytesIO(); solid.save(b, "PNG"); put("image", "solid.png", b.getvalue())

# ---- avif (ffmpeg with libaom, Debian's ffmpeg) ----------------------------------------
def avif(name, source, pix_fmt, crf):
    out = os.path.join(ROOT, "avif", name)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    subprocess.run(["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", source,
                    "-frames:v", "1", "-c:v", "libaom-av1", "-still-picture", "1", "-pix_fmt", pix_fmt,
                    "-crf", str(crf), "-cpu-used", "8", out], check=True)


avif("testsrc_64x48_420.avif", "testsrc=size=64x48", "yuv420p", 40)
avif("red_17x9_444.avif", "color=c=red:size=17x9", "yuv444p", 50)
avif("gray_32x32.avif", "testsrc=size=32x32", "gray", 30)
avif("testsrc_24x16_10bit.avif", "testsrc=size=24x16", "yuv420p10le", 40)

# ---- vector -------------------------------------------------------------------------
put("vector", "three_floats", np.array([0.5, -1, 3], dtype="<f4").tobytes())
put("vector", "empty", b"")
put("vector", "ragged", b"\x00\x00\x80\x3f\x01")

# ---- point_reader -------------------------------------------------------------------
put("point_reader", "circle.csv", "".join("%f,%f\n" % (np.cos(t), np.sin(t)) for t in np.linspace(0, 6, 8)))
put("point_reader", "spaces_comments.txt", "# x y z\n1 2 3\n\n4\t5\t6\r\n7;8;9\n")
put("point_reader", "ragged.csv", "0,0\n1\n")
put("point_reader", "nan.csv", "0,0\nnan,1\n")
put("point_reader", "huge_exponent.csv", "1e39 0\n")
put("point_reader", "points.npy", npy(np.arange(12, dtype=np.float32).reshape(4, 3)))
put("point_reader", "points_f8.npy", npy(np.arange(6, dtype=np.float64).reshape(3, 2) / 7))
put("point_reader", "shape_wraps.npy", npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (32, 576460752303423488), }"))

# ---- worker_frame -------------------------------------------------------------------
def frame(header, blobs=()):
    header = dict(header)
    header["blobs"] = [len(b) for b in blobs]
    h = json.dumps(header).encode()
    return struct.pack("<4sIQ", b"PNKW", len(h), sum(len(b) for b in blobs)) + h + b"".join(blobs)


put("worker_frame", "hello", frame({"op": "hello", "version": 1}))
put("worker_frame", "texts", frame({"op": "reply", "id": 3, "kind": "texts"}, [b"a red apple", "caf\u00e9".encode()]))
put("worker_frame", "image", frame({"op": "reply", "id": 4, "width": 2, "height": 1}, [bytes(range(6))]))
put("worker_frame", "vectors", frame({"op": "reply", "id": 5}, [np.ones(4, dtype="<f4").tobytes()] * 2))
put("worker_frame", "error", frame({"op": "error", "message": "CUDA out of memory", "retryable": True}))
put("worker_frame", "sizes_wrap", struct.pack("<4sIQ", b"PNKW", 37, 3) + b'{"blobs":[2, 18446744073709551615]}  ' + b"abc")

# ---- experiment_config --------------------------------------------------------------
examples = os.path.join(os.path.dirname(ROOT), "..", "..", "examples", "quickstart.json")
with open(examples, "rb") as f:
    put("experiment_config", "quickstart.json", f.read())
put("experiment_config", "full_options.json", json.dumps({
    "networks": [["DummyT2I", "DummyI2T"], ["DummyI2T", "DummyT2I"]], "seeds": [42, -1, 7],
    "prompts": ["a red apple", "a cat"], "embedding_models": ["DummyText", "DummyVision"], "max_length": 12,
    "options": {"loop_detection": "exact", "webp_quality": 80, "maxdim": 1, "metric": "cosine", "threshold": 1.5,
                "embedding_batch_size": 8, "max_batch": {"DummyT2I": 4}, "image_size": {"DummyT2I": 64},
                "python": "/usr/bin/python3", "worker_timeouts": {"load": 60, "T2I": 30}, "worker_retries": 2,
                "worker_backoff": 0.5, "onnx_provider": "cpu"}}, indent=1))
put("experiment_config", "seed_count.json", '{"networks": [["DummyT2I"]], "seed_count": 3, "prompts": ["x"], '
    '"embedding_models": ["DummyText"], "max_length": 1}')
put("experiment_config", "overflow.json", '{"networks": [["A"]], "seeds": [1], "prompts": ["x"], '
    '"embedding_models": ["E"], "max_length": 1e400}')
put("experiment_config", "deep.json", "[" * 40 + "]" * 40)
print("seed corpora written under", ROOT)
